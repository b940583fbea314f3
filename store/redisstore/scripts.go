package redisstore

import "github.com/redis/go-redis/v9"

// Every key the store writes expires (DESIGN §6: nothing a client chose
// stays for good): a user's failures a window after the newest one, a
// cached answer at its TTL, and each set of entries in force (cut-offs,
// breaker opens, cooldowns) when its last entry ends. Those sets also drop
// ended entries on every write and keep at most maxShared entries, the ones
// that end last.

// failScript counts one failure of a user in a sliding window and, when it
// reaches the limit, records and publishes the cut-off. Atomic, one round trip.
//
// KEYS[1] the user's failures (sorted set), KEYS[2] the user cut-offs in force
// ARGV: now (ms), window (ms), limit, member, channel, event, user, until (ms),
// the most entries KEYS[2] keeps
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
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[9]) - 1)
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('PEXPIREAT', KEYS[2], math.floor(tonumber(last[2])) + 1)
end
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
`)

// shareScript records an entry in force (never shortening a later one),
// drops ended ones, and publishes the event. Atomic, one round trip.
//
// KEYS[1] the kind's entries in force (sorted set)
// ARGV: member, until (ms), now (ms), channel, event, the most entries kept
var shareScript = redis.NewScript(`
local cur = redis.call('ZSCORE', KEYS[1], ARGV[1])
if (not cur) or tonumber(cur) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[6]) - 1)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('PEXPIREAT', KEYS[1], math.floor(tonumber(last[2])) + 1)
end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`)
