package redisstore

import "github.com/redis/go-redis/v9"

// failScript counts one failure of a user in a sliding window and, when it
// reaches the limit, records and publishes the cut-off. Atomic, one round trip.
//
// KEYS[1] the user's failures (sorted set), KEYS[2] the user cut-offs in force
// ARGV: now (ms), window (ms), limit, member, channel, event, user, until (ms)
// Returns 1 when this failure cut the user off, else 0.
var failScript = redis.NewScript(`
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
if redis.call('ZCARD', KEYS[1]) < limit then
  return 0
end
redis.call('DEL', KEYS[1])
local cur = redis.call('ZSCORE', KEYS[2], ARGV[7])
if (not cur) or tonumber(cur) < tonumber(ARGV[8]) then
  redis.call('ZADD', KEYS[2], ARGV[8], ARGV[7])
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
`)

// shareScript records an entry in force (never shortening a later one),
// drops ended ones, and publishes the event. Atomic, one round trip.
//
// KEYS[1] the kind's entries in force (sorted set)
// ARGV: member, until (ms), now (ms), channel, event
var shareScript = redis.NewScript(`
local cur = redis.call('ZSCORE', KEYS[1], ARGV[1])
if (not cur) or tonumber(cur) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`)
