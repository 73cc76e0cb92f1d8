-- Put a marathon into its edition's indexes, or take it out: what verifying, rejecting
-- or hiding it changes, and what rebuilding an edition does for each verified marathon.
-- Only a verified marathon counts in its edition (totals, rankings, compare table,
-- edition snapshot); its own counters are kept whatever its state.
--
-- `ek` names the edition's keys: counts, totals, pp, marathons, rows, rev, stats, touched.
-- `mk` names the marathon's keys: meta, counts, people and, optionally, held (what is
-- held beyond its plausibility envelope stays out of the edition: lib/envelope.lua).
-- uses row (lib/row.lua), which a script using this helper must also name.
local function set_counted(ek, mk, mid, on)
  local sign = on and 1 or -1
  local held = {}
  if mk.held then
    local h = redis.call('HGETALL', mk.held)
    for i = 1, #h, 2 do held[h[i]] = tonumber(h[i + 1]) or 0 end
  end
  local c = redis.call('HGETALL', mk.counts)
  local total, best = 0, 0
  for i = 1, #c, 2 do
    local f = c[i]
    local v = (tonumber(c[i + 1]) or 0) - (held[f] or 0)
    local p = string.sub(f, 1, 2)
    if f == 'total' then
      total = v
    elseif p == 'k:' or p == 'c:' then
      if v ~= 0 then redis.call('HINCRBY', ek.counts, f, sign * v) end
      if on then redis.call('HSET', ek.stats, mid .. ':' .. f, v)
      else redis.call('HDEL', ek.stats, mid .. ':' .. f) end
    elseif p == 'h:' then
      best = math.max(best, v)
    end
  end
  best = math.min(best, total)  -- no best hour above what the edition counts
  if total ~= 0 then redis.call('HINCRBY', ek.counts, 'total', sign * total) end
  if on then
    local people = redis.call('HLEN', mk.people)
    redis.call('ZADD', ek.totals, total, mid)
    redis.call('ZADD', ek.pp, total / math.max(1, people), mid)
    redis.call('ZADD', ek.marathons, tonumber(redis.call('HGET', mk.meta, 'starts')), mid)
    redis.call('HSET', ek.rows, mid, row(mk.meta))
    redis.call('HSET', ek.stats, mid .. ':p', people, mid .. ':b', best)
    redis.call('ZADD', ek.touched, redis.call('HINCRBY', ek.stats, '~v', 1), mid)
  else
    redis.call('ZREM', ek.totals, mid)
    redis.call('ZREM', ek.pp, mid)
    redis.call('ZREM', ek.marathons, mid)
    redis.call('ZREM', ek.touched, mid)
    redis.call('HDEL', ek.rows, mid)
    redis.call('HDEL', ek.stats, mid .. ':p', mid .. ':b')
    redis.call('HINCRBY', ek.stats, '~v', 1)
  end
  redis.call('INCR', ek.rev)
end
