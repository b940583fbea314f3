// Package dashboard serves bulwark's live dashboard: one self-contained page
// (HTML, CSS and JavaScript embedded in the binary; no build step, no font or
// script from elsewhere, so it works with no internet) that polls the status
// JSON every 2 seconds and shows each model's breaker, the request,
// fallback, error and static rates over the last five minutes, the recent
// incidents and the spend by model and by user.
//
//	mux.Handle("GET /{$}", dashboard.Handler("/v1/status"))
//
// # Status JSON
//
// The page reads this object from the status path (GET /v1/status). All of
// it but "breakers", "store" and "warnings" is what
// [github.com/bulwarkhq/bulwark/metrics.Status] marshals to; the gateway adds
// those three. Every key is optional: what is missing is shown as empty.
//
//	{
//	  "now": "2026-11-30T12:00:00Z",          // snapshot time (RFC 3339)
//	  "started": "2026-11-30T11:00:00Z",
//	  "requests": {"answered": 1200, "fallback": 31, ...},   // since start, by outcome
//	  "rates": {                               // one window per key: "1m" and "5m"
//	    "1m": {"seconds": 60, "requests": 120, "fallbacks": 4, "errors": 0, "static": 1,
//	           "requests_per_s": 2, "fallbacks_per_s": 0.067, "errors_per_s": 0, "static_per_s": 0.017,
//	           "fallback_ratio": 0.033, "error_ratio": 0, "static_ratio": 0.008},
//	    "5m": {...}
//	  },
//	  "series": [                              // 300 points, one per second, oldest first
//	    {"t": 1795953300, "requests": 2, "fallbacks": 0, "errors": 0, "static": 0}, ...
//	  ],
//	  "incidents": [                           // newest first, at most 100
//	    {"at": "...", "first": "...", "count": 1, "kind": "breaker",
//	     "model": "claude-sonnet-5-5", "detail": "closed → open"}, ...
//	  ],                                       // kinds: breaker, cooldown, misconfig, user_cutoff, or any
//	  "spend": {
//	    "total_usd": 1.52, "discarded_usd": 0.02, "unknown_tokens": 5200,
//	    "models": [{"model": "claude-haiku-4-5", "priced": true, "usd": 1.5, "discarded_usd": 0.02,
//	                "unknown_tokens": 0, "input_tokens": 1000000, "output_tokens": 100000,
//	                "cache_write_tokens": 0, "cache_read_tokens": 0, "discarded_tokens": 900},
//	               {"model": "claude-sonnet-5-5", "priced": false, "usd": null, ...}],  // null: unknown, never $0
//	    "users": [{"user": "alice", "usd": 1.2, "unknown_tokens": 0, "requests": 40}],
//	    "users_tracked": 12, "users_dropped": 0
//	  },
//	  "breakers": [                            // breaker.Registry.Snapshot(), as breaker.Status marshals
//	    {"model": "claude-sonnet-5-5", "state": "open", "open_left_ms": 23000, "cooldown_left_ms": 0,
//	     "failures": 5, "probes": 0}
//	  ],
//	  "store": {"kind": "redis", "healthy": false, "detail": "connection refused"},
//	  "warnings": ["claude-sonnet-4-5 reached end-of-life on 2026-11-30: ..."]   // strings or {"message"}
//	}
//
// Breaker states are "closed", "half_open" and "open" (the page also accepts
// "half-open" and the gauge numbers 0, 1, 2). The store object is shown as
// "store: KIND · ok|down (DETAIL)" from its kind (or type, or backend as
// store.Health marshals), healthy (or ok) and detail (or error) keys.
//
// # Stable selectors
//
// For tests driving a browser, the page keeps these ids and attributes:
//
//	#breakers                                     the breaker cards
//	.breaker[data-model=M][data-state=S]          one per model; S is closed, half_open or open
//	.breaker .badge.cooldown[data-cooldown-ms]    present while the model cools down
//	#chart                                        the SVG chart; path[data-series=requests|fallbacks|errors|static]
//	#incidents tr.incident[data-kind=K][data-model=M]
//	#spend tr.spend-row[data-model=M]             "unknown" in .unknown when usd is null
//	#users                                        top users
//	#rates #rate-requests #rate-fallbacks #rate-errors #rate-static #spend-total (.value, .hint)
//	#conn[data-state=connecting|live|stale]       whether the last poll succeeded
//	#store[data-healthy]  #warnings
//
// # Security
//
// Every value from the JSON is written as text, never as HTML. The page is
// served with a Content-Security-Policy that allows only its own inline
// script and style (by hash) and fetches to its own origin, so the status
// path must be a path on the same origin.
//
// The page's fetches send its origin's cookies, so a gateway that guards the
// page and its status path with a cookie (bulwark serve with client keys or an
// admin key: open /?key=KEY once, see gateway.WithAdminKey) needs nothing
// more from it.
package dashboard
