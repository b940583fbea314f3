// Package kube checks the Helm chart in deploy/helm/bulwark the way a
// cluster would take it: `helm lint`, then `helm template` over every value
// set in the chart's ci/ folder, each rendered manifest decoded strictly into
// the Kubernetes API's own Go types (k8s.io/api) and prometheus-operator's
// (PrometheusRule, ServiceMonitor) — an unknown field, a wrong type or an
// unknown kind or apiVersion is an error — and then checked for what the
// types cannot say: selectors that match the pods, probes and ports that
// exist, the security context, the alert rules equal to deploy/prometheus.
//
// It is a module of its own so that the Kubernetes modules stay out of
// bulwark's go.mod; ./scripts/test runs it. It needs the helm binary: the
// path in $BULWARK_HELM (./scripts/test builds helm with go install and sets
// it) or helm on $PATH, and skips with a message saying so when there is
// none.
package kube
