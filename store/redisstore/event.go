package redisstore

import (
	"encoding/json"
	"errors"
	"time"
)

// Event kinds, also the names of the state sorted sets.
const (
	kindUser     = "user"     // a user cut off
	kindBreaker  = "breaker"  // a model breaker opened
	kindCooldown = "cooldown" // a model put in 429 cooldown
)

// event is one message on the channel: key (a user or a model) of kind is in
// force until Until (unix ms). Src is the sending replica.
type event struct {
	Src   string `json:"src"`
	Kind  string `json:"kind"`
	Key   string `json:"key"`
	Until int64  `json:"until"`
	// Head is a kindHeadroom event's limits (headroom.go).
	Head *wireLimits `json:"head,omitempty"`
}

// eventKey identifies what an event is about.
type eventKey struct{ kind, key string }

func (e event) id() eventKey     { return eventKey{e.Kind, e.Key} }
func (e event) until() time.Time { return time.UnixMilli(e.Until) }

var errBadEvent = errors.New("redisstore: malformed event")

func encodeEvent(e event) string {
	b, _ := json.Marshal(e) // strings and an int: cannot fail
	return string(b)
}

func decodeEvent(s string) (event, error) {
	var e event
	if err := json.Unmarshal([]byte(s), &e); err != nil {
		return event{}, errors.Join(errBadEvent, err)
	}
	switch e.Kind {
	case kindUser, kindBreaker, kindCooldown:
	case kindHeadroom:
		if e.Head == nil {
			return event{}, errBadEvent
		}
	default:
		return event{}, errBadEvent
	}
	if e.Key == "" || e.Src == "" {
		return event{}, errBadEvent
	}
	return e, nil
}
