package redisstore

import (
	"crypto/rand"
	"encoding/hex"
)

// keys names the Redis keys and the channel under one prefix.
type keys struct {
	prefix  string
	channel string // pub/sub channel of events
}

func newKeys(prefix string) keys {
	return keys{prefix: prefix, channel: prefix + "events"}
}

// failures is the sorted set of user's failure times (ms), one member each.
func (k keys) failures(user string) string { return k.prefix + "fail:" + user }

// state is the sorted set of kind's entries in force: member key, score the
// end (unix ms).
func (k keys) state(kind string) string { return k.prefix + "state:" + kind }

// probe is the key whose SET NX PX grants a deployment's recovery probe
// for one interval.
func (k keys) probe(key string) string { return k.prefix + "probe:" + key }

// cache is the key of a cached answer.
func (k keys) cache(key string) string { return k.prefix + "cache:" + key }

func newInstanceID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
