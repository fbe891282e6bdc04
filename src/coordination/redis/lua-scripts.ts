/**
 * The Lua scripts behind the Redis backend. Each runs atomically on the server, which is what
 * makes "count, then admit" and "INCR, then PEXPIRE" safe across instances. Time comes from
 * Redis (`TIME`) so that instances with skewed clocks still agree on when a lease expired.
 */

import type { Redis } from 'ioredis';

/**
 * Shared prelude. A session uses two sorted sets over the same members (ticket numbers):
 * `tickets` scored by ticket (arrival order) and `deadlines` scored by the time (ms) at which the
 * ticket counts as dead unless its owner heartbeats. Dead tickets are pruned before any decision.
 */
const prelude = `
local tickets, deadlines = KEYS[1], KEYS[2]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local function prune()
  local dead = redis.call('ZRANGEBYSCORE', deadlines, '-inf', now)
  if #dead > 0 then
    redis.call('ZREM', tickets, unpack(dead))
    redis.call('ZREM', deadlines, unpack(dead))
  end
  return #dead
end
local function keepAlive(ttl)
  -- Keys outlive the last heartbeat by one TTL, then vanish: idle sessions leave nothing behind.
  redis.call('PEXPIRE', tickets, ttl * 2)
  redis.call('PEXPIRE', deadlines, ttl * 2)
end
`;

/**
 * KEYS: tickets, deadlines, fence counter. ARGV: maxWaiting, ttlMs, release channel, sessionId.
 * Returns {ticket, rank} (rank 0 = holder) or {-1, count} when the queue is full.
 */
const enqueue = `${prelude}
local maxWaiting, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
local pruned = prune()
local count = redis.call('ZCARD', tickets)
if count > maxWaiting then return {-1, count} end
local ticket = redis.call('INCR', KEYS[3])
redis.call('ZADD', tickets, ticket, ticket)
redis.call('ZADD', deadlines, now + ttl, ticket)
keepAlive(ttl)
-- A pruned holder means someone else may now be first: wake the waiters to look.
if pruned > 0 and count > 0 then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return {ticket, count}
`;

/**
 * Heartbeat and turn check in one. KEYS: tickets, deadlines. ARGV: ticket, ttlMs, release
 * channel, sessionId. Returns the ticket's rank (0 = holder), or -1 when it was pruned as dead.
 */
const heartbeat = `${prelude}
local ticket, ttl = ARGV[1], tonumber(ARGV[2])
local pruned = prune()
if pruned > 0 and redis.call('ZCARD', tickets) > 0 then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
local rank = redis.call('ZRANK', tickets, ticket)
if not rank then return -1 end
redis.call('ZADD', deadlines, 'XX', now + ttl, ticket)
keepAlive(ttl)
return rank
`;

/**
 * KEYS: tickets, deadlines. ARGV: ticket, release channel, sessionId. Removes the ticket and, if it
 * was the holder, tells waiters. Returns 1 if the ticket was still queued, else 0.
 */
const release = `
local tickets, deadlines = KEYS[1], KEYS[2]
local rank = redis.call('ZRANK', tickets, ARGV[1])
redis.call('ZREM', deadlines, ARGV[1])
if not rank then return 0 end
redis.call('ZREM', tickets, ARGV[1])
if redis.call('ZCARD', tickets) == 0 then
  redis.call('DEL', tickets, deadlines)
elseif rank == 0 then
  redis.call('PUBLISH', ARGV[2], ARGV[3])
end
return 1
`;

/** KEYS: counter. ARGV: windowMs. Returns {count, ms until the window resets}. */
const rateHit = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  ttl = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return {count, ttl}
`;

/**
 * KEYS: running:<messageId>. ARGV: channel prefix, messageId. Publishes to the owning instance's
 * channel; returns how many subscribers heard it (0 when nobody runs that answer any more).
 */
const cancel = `
local owner = redis.call('GET', KEYS[1])
if not owner then return 0 end
return redis.call('PUBLISH', ARGV[1] .. owner, ARGV[2])
`;

type Argument = string | number;

export interface CoordinationScripts {
  fleetchatSessionEnqueue(...args: Argument[]): Promise<[number, number]>;
  fleetchatSessionHeartbeat(...args: Argument[]): Promise<number>;
  fleetchatSessionRelease(...args: Argument[]): Promise<number>;
  fleetchatRateHit(...args: Argument[]): Promise<[number, number]>;
  fleetchatCancel(...args: Argument[]): Promise<number>;
}

/** Registers the scripts (EVALSHA with EVAL fallback, handled by ioredis) and types them. */
export function defineCoordinationScripts(redis: Redis): CoordinationScripts {
  redis.defineCommand('fleetchatSessionEnqueue', { numberOfKeys: 3, lua: enqueue });
  redis.defineCommand('fleetchatSessionHeartbeat', { numberOfKeys: 2, lua: heartbeat });
  redis.defineCommand('fleetchatSessionRelease', { numberOfKeys: 2, lua: release });
  redis.defineCommand('fleetchatRateHit', { numberOfKeys: 1, lua: rateHit });
  redis.defineCommand('fleetchatCancel', { numberOfKeys: 1, lua: cancel });
  // defineCommand adds methods at runtime that ioredis's types cannot know about.
  return redis as unknown as CoordinationScripts;
}
