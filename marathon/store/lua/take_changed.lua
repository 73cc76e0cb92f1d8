-- Take the set of rooms changed since the last tick, for one broadcaster only.
--
-- The lock is a lease: taken for long enough to build the snapshots, then (see
-- finish_tick.lua) held for one more tick period after the emits. So snapshots are
-- emitted at least a period apart whichever server process takes a tick, and two
-- ticks never overlap (their emits cannot arrive out of order).
--
-- Every process calls it every tick, so it also tells the caller the data set's epoch:
-- a process whose per-process caches belong to another epoch (Redis was wiped or
-- restored) drops them without a round trip of its own.
--
-- KEYS[1] broadcaster lock   KEYS[2] live changed set   KEYS[3] the data set's epoch
-- ARGV[1] this process's lock token   ARGV[2] lease (ms)
--
-- Returns {0, ms until the lock frees, epoch} while another process holds it, else
-- {1, {rooms}, epoch}: the changed rooms ("m:<id>", "e:<id>"), now removed from the
-- set. The epoch is "" when the data set has none (wiped).

local epoch = redis.call('GET', KEYS[3]) or ''
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', tonumber(ARGV[2])) then
  return {0, redis.call('PTTL', KEYS[1]), epoch}
end
local rooms = redis.call('SMEMBERS', KEYS[2])
if #rooms > 0 then redis.call('DEL', KEYS[2]) end
return {1, rooms, epoch}
