package redisstore

import "errors"

// ErrBadURL is returned by [New] for a URL that is not a Redis URL
// (redis://[user:password@]host:port/db, rediss:// for TLS, or unix://).
var ErrBadURL = errors.New("redisstore: bad Redis URL")

// errNoPong reports a subscription connection that stopped answering pings.
var errNoPong = errors.New("redisstore: Redis did not answer a ping in time")

// errClosed is the link's error after Close.
var errClosed = errors.New("redisstore: closed")
