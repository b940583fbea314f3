// Package observe holds the end-to-end tests of bulwark's observability
// (DESIGN §9): a real `bulwark sim` process and a real `bulwark serve`
// process, traffic with faults, and then
//
//   - GET /metrics, parsed, checked against the simulator's own counts
//     (GET /_sim/stats) and against what the client saw (headers, usage);
//   - GET /v1/status: breakers, cooldowns, rates, spend by model and by user,
//     the store;
//   - every metric the shipped alert rules (deploy/prometheus/alerts.yaml)
//     use is exported by the real gateway;
//   - the dashboard at GET / in headless Chromium (playwright-core driven by
//     node) while the simulator fails the primary model: the page shows the
//     breaker opening and the incident, and a screenshot is saved.
//
// The browser test skips with a message when node, npm (for a first install
// of playwright-core into ~/.cache/bulwark-e2e) or Chromium ($CHROMIUM,
// default /usr/bin/chromium) is missing. Set BULWARK_E2E_SCREENSHOTS to a
// directory to keep its screenshots; by default they go to the test's temp
// directory.
//
// The package has no code of its own: everything is in its _test.go files.
package observe
