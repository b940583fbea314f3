package metrics

import (
	"cmp"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Status is the in-memory snapshot behind GET /v1/status and the dashboard.
// It marshals to the JSON the dashboard reads, less the parts the gateway
// adds itself ("breakers", from breaker.Registry.Snapshot, and "store"): the
// gateway embeds it in its answer,
//
//	json.Marshal(struct {
//		metrics.Status
//		Breakers []breaker.Status `json:"breakers"`
//		Store    any              `json:"store"`
//	}{m.Status(), reg.Snapshot(), storeHealth})
//
// and Go's encoding/json flattens the embedded fields into one object.
type Status struct {
	// Now is the time of the snapshot, on the Metrics clock.
	Now time.Time `json:"now"`
	// Started is when the Metrics was created.
	Started time.Time `json:"started"`
	// Requests counts the requests since Started, by outcome (every
	// outcome is present, 0 when none).
	Requests map[string]int64 `json:"requests"`
	// Rates are the request rates over the last minute and five minutes.
	Rates Rates `json:"rates"`
	// Series is one [Point] per second over the last five minutes
	// ([SeriesSeconds] points), oldest first, ending with the current second.
	Series []Point `json:"series"`
	// Incidents are the last [MaxIncidents] incidents, newest first.
	Incidents []Incident `json:"incidents"`
	// Spend is what the tokens cost since Started.
	Spend Spend `json:"spend"`
}

// Rates holds a [Rate] per window.
type Rates struct {
	OneMinute   Rate `json:"1m"`
	FiveMinutes Rate `json:"5m"`
}

// Rate counts the requests that ended within a window of seconds ending with
// the current second.
type Rate struct {
	// Seconds is the length of the window actually covered: 60 or 300, less
	// just after start.
	Seconds int64 `json:"seconds"`
	// Requests is every request.
	Requests int64 `json:"requests"`
	// Fallbacks is the requests served by something other than the primary
	// model: outcome fallback, cache or static, or Fallback set.
	Fallbacks int64 `json:"fallbacks"`
	// Errors is the requests no tier answered that got an error: outcome
	// exhausted or deadline. (rejected, bad_request, user_blocked and
	// canceled are the caller's doing and are not counted.)
	Errors int64 `json:"errors"`
	// Static is the requests served by the static tier (outcome static).
	Static int64 `json:"static"`
	// RequestsPerSecond and the others are the counts divided by Seconds.
	RequestsPerSecond  float64 `json:"requests_per_s"`
	FallbacksPerSecond float64 `json:"fallbacks_per_s"`
	ErrorsPerSecond    float64 `json:"errors_per_s"`
	StaticPerSecond    float64 `json:"static_per_s"`
	// FallbackRatio, ErrorRatio and StaticRatio are shares of Requests,
	// from 0 to 1; 0 when there was no request.
	FallbackRatio float64 `json:"fallback_ratio"`
	ErrorRatio    float64 `json:"error_ratio"`
	StaticRatio   float64 `json:"static_ratio"`
}

// Spend is what the tokens cost, in USD, since the process started.
type Spend struct {
	// TotalUSD is the priced spend, answered and discarded, of every model.
	TotalUSD float64 `json:"total_usd"`
	// DiscardedUSD is the part of TotalUSD spent on attempts thrown away.
	DiscardedUSD float64 `json:"discarded_usd"`
	// UnknownTokens is the tokens of models with no price, answered and
	// discarded: spend that is not in TotalUSD because it cannot be priced.
	UnknownTokens int64 `json:"unknown_tokens"`
	// Models is the spend of every model seen, biggest USD first, then by
	// tokens.
	Models []ModelSpend `json:"models"`
	// Users is the biggest spenders ([WithTopUsers]), biggest first.
	Users []UserSpend `json:"users"`
	// UsersTracked is the users whose spend is kept; UsersDropped those
	// dropped to stay within [WithMaxUsers].
	UsersTracked int   `json:"users_tracked"`
	UsersDropped int64 `json:"users_dropped"`
}

// ModelSpend is one model's tokens and spend.
type ModelSpend struct {
	// Model is the model, or [OtherModel] for the models past
	// [WithMaxModels].
	Model string `json:"model"`
	// Priced is true when the model has a price. (The OtherModel entry is
	// never Priced but may have a USD.)
	Priced bool `json:"priced"`
	// USD is the spend on answered requests; nil (JSON null, "unknown") for
	// a model with no price, never 0.
	USD *float64 `json:"usd"`
	// DiscardedUSD is the spend on attempts thrown away; nil when unpriced.
	DiscardedUSD *float64 `json:"discarded_usd"`
	// UnknownTokens is the tokens that could not be priced.
	UnknownTokens int64 `json:"unknown_tokens"`
	// Tokens of answered requests, by kind.
	InputTokens      int64 `json:"input_tokens"`
	OutputTokens     int64 `json:"output_tokens"`
	CacheWriteTokens int64 `json:"cache_write_tokens"`
	CacheReadTokens  int64 `json:"cache_read_tokens"`
	// DiscardedTokens is the tokens of attempts thrown away.
	DiscardedTokens int64 `json:"discarded_tokens"`
}

func (s ModelSpend) tokens() int64 {
	return s.InputTokens + s.OutputTokens + s.CacheWriteTokens + s.CacheReadTokens + s.DiscardedTokens
}

// Status returns a snapshot of the rates, series, incidents and spend. It
// takes tens of microseconds; call it per status request, not per request.
func (m *Metrics) Status() Status {
	now := m.clock.Now()
	sec := now.Unix()
	s := Status{Now: now, Started: m.started, Requests: make(map[string]int64, nOutcomes)}
	for i := range m.byOut {
		s.Requests[outcomeNames[i]] = int64(value(m.byOut[i].requests))
	}
	s.Series = m.win.series(sec)
	covered := sec - m.started.Unix() + 1
	s.Rates.OneMinute = rateOf(s.Series[SeriesSeconds-60:], min(60, covered))
	s.Rates.FiveMinutes = rateOf(s.Series, min(SeriesSeconds, covered))
	s.Incidents = m.inc.list()
	s.Spend = m.spend()
	return s
}

func rateOf(points []Point, seconds int64) Rate {
	r := Rate{Seconds: max(seconds, 1)}
	for _, p := range points {
		r.Requests += p.Requests
		r.Fallbacks += p.Fallbacks
		r.Errors += p.Errors
		r.Static += p.Static
	}
	d := float64(r.Seconds)
	r.RequestsPerSecond = float64(r.Requests) / d
	r.FallbacksPerSecond = float64(r.Fallbacks) / d
	r.ErrorsPerSecond = float64(r.Errors) / d
	r.StaticPerSecond = float64(r.Static) / d
	if r.Requests > 0 {
		n := float64(r.Requests)
		r.FallbackRatio = float64(r.Fallbacks) / n
		r.ErrorRatio = float64(r.Errors) / n
		r.StaticRatio = float64(r.Static) / n
	}
	return r
}

func (m *Metrics) spend() Spend {
	var sp Spend
	for _, e := range m.models.all() {
		ms := ModelSpend{
			Model:            e.name,
			Priced:           e.priced,
			InputTokens:      int64(value(e.tokens[0])),
			OutputTokens:     int64(value(e.tokens[1])),
			CacheWriteTokens: int64(value(e.tokens[2])),
			CacheReadTokens:  int64(value(e.tokens[3])),
			DiscardedTokens:  int64(value(e.discardedTokens)),
		}
		if e.cost != nil {
			usd, disc := value(e.cost), value(e.discardedCost)
			ms.USD, ms.DiscardedUSD = &usd, &disc
			sp.TotalUSD += usd + disc
			sp.DiscardedUSD += disc
		}
		if e.unknownTokens != nil {
			ms.UnknownTokens = int64(value(e.unknownTokens))
			sp.UnknownTokens += ms.UnknownTokens
		}
		sp.Models = append(sp.Models, ms)
	}
	slices.SortFunc(sp.Models, func(a, b ModelSpend) int {
		if c := cmp.Compare(deref(b.USD), deref(a.USD)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.tokens(), a.tokens()); c != 0 {
			return c
		}
		return cmp.Compare(a.Model, b.Model)
	})
	sp.Users, sp.UsersTracked, sp.UsersDropped = m.users.top(m.top)
	return sp
}

func deref(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

// value reads a counter's current value.
func value(c prometheus.Counter) float64 {
	var d dto.Metric
	if err := c.Write(&d); err != nil || d.Counter == nil {
		return 0
	}
	return d.Counter.GetValue()
}
