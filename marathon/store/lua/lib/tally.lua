-- Counters shared by log.lua (n > 0), compensate.lua and void_participant.lua (n < 0,
-- or n > 0 for a restore). A script using this helper also names `envelope`, before it. All take the same eighteen KEYS first: see log.lua; and
-- the marathon's team counters as the LAST of their KEYS.

-- The participant's own tally, in the order of the comma-separated kinds `kinds`.
local function mine_of(pid, kinds)
  local fields = {pid}
  for k in string.gmatch(kinds, '[^,]+') do table.insert(fields, pid .. ':' .. k) end
  return redis.call('HMGET', KEYS[5], unpack(fields))
end

-- Add the signed count `n` to every counter of the marathon and of its edition's
-- indexes (only when `counted`: the marathon is verified), and mark the rooms changed.
-- `hk` is the marathon's held hash and `x` the part of `n` held out of the edition
-- (lib/envelope.lua; 0 or nil: none).
-- Returns the marathon's new total, the new
-- total of the hour, the participant's new count in that hour and whether the
-- participant is on the board. `team` is the participant's team (false for none) when
-- the caller has already read the person; nil makes it read here.
local function add_count(mid, eid, pid, kind, case, hour, n, counted, team, hk, x)
  local total = redis.call('HINCRBY', KEYS[4], 'total', n)
  redis.call('HINCRBY', KEYS[4], 'k:' .. kind, n)
  if case ~= '' then redis.call('HINCRBY', KEYS[4], 'c:' .. case, n) end
  local hour_total = redis.call('HINCRBY', KEYS[4], 'h:' .. hour, n)
  redis.call('HINCRBY', KEYS[5], pid, n)
  redis.call('HINCRBY', KEYS[5], pid .. ':' .. kind, n)
  local in_hour = redis.call('HINCRBY', KEYS[10], hour .. ':' .. pid, n)
  local on_board = redis.call('SISMEMBER', KEYS[7], pid) == 0
  if on_board then redis.call('ZINCRBY', KEYS[6], n, pid) end
  if team == nil then
    team = pid ~= 'host' and cjson.decode(redis.call('HGET', KEYS[11], pid) or '{}')['t']
  end
  if team then redis.call('HINCRBY', KEYS[#KEYS], team, n) end

  if not counted then
    redis.call('SADD', KEYS[12], 'm:' .. mid)
    return total, hour_total, in_hour, on_board
  end
  -- The edition gets what is not held; its indexes rank the marathon by that share.
  local share = total
  if hk then share = total - hold(hk, kind, case, x or 0) end
  n = n - (x or 0)
  redis.call('SADD', KEYS[12], 'm:' .. mid, 'e:' .. eid)
  redis.call('HINCRBY', KEYS[13], 'total', n)
  redis.call('HINCRBY', KEYS[13], 'k:' .. kind, n)
  if case ~= '' then redis.call('HINCRBY', KEYS[13], 'c:' .. case, n) end
  redis.call('ZADD', KEYS[14], share, mid)
  redis.call('ZADD', KEYS[15], share / math.max(1, redis.call('HLEN', KEYS[11])), mid)
  redis.call('HINCRBY', KEYS[16], mid .. ':k:' .. kind, n)
  redis.call('ZADD', KEYS[17], redis.call('HINCRBY', KEYS[16], '~v', 1), mid)
  if case ~= '' then redis.call('HINCRBY', KEYS[16], mid .. ':c:' .. case, n) end
  return total, hour_total, in_hour, on_board
end

-- The marathon's best hour in the compare table's stats, taken again from its hourly
-- counters: after counts were taken back (an undo, a void) the best hour may be lower.
local function retake_best_hour(mid)
  local best, c = 0, redis.call('HGETALL', KEYS[4])
  for i = 1, #c, 2 do
    if string.sub(c[i], 1, 2) == 'h:' then best = math.max(best, tonumber(c[i + 1])) end
  end
  redis.call('HSET', KEYS[16], mid .. ':b', best)
end
