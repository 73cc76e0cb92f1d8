-- Budgets that hold over any span of their length (issue 27): a sliding window of
-- sub-buckets, used by log.lua (requests per token, counted actions per address) and
-- join.lua (joins per address and marathon, joins per marathon).
--
-- A budget's key is a hash: field = the number of a slice of time (now // slice, the
-- slice being a tenth of the window, rounded up), value = what was spent in that slice.
-- A spend is allowed when it fits with everything spent in the slices that cover the
-- last window: the current slice and the BUDGET_SLICES before it (the oldest of those
-- is only partly inside the window, but its spend may all lie in that part, so it
-- counts whole). Hence at most `limit` in ANY span of `window` ms, never twice the
-- budget across an edge; the price is that a spend can be held for up to a slice more
-- than the window (the lookback is between window and window + slice).

local BUDGET_SLICES = 10

local function budget_slice(window)
  return math.ceil(window / BUDGET_SLICES)
end

-- How long (ms) until `n` more fit in the budget `limit` per `window` of `key`: 0 when
-- they fit now; else when enough of the oldest slices have left the window (the slice
-- `s` stops counting when slice s + BUDGET_SLICES + 1 begins), or a whole lookback when
-- `n` alone is beyond the budget.
local function budget_wait(key, limit, window, now, n)
  local slice = budget_slice(window)
  local cur = math.floor(now / slice)
  local fields = {}
  for s = cur - BUDGET_SLICES, cur do fields[#fields + 1] = tostring(s) end
  local spent = redis.call('HMGET', key, unpack(fields))
  local used = 0
  for i = 1, #spent do used = used + (tonumber(spent[i]) or 0) end
  if used + n <= limit then return 0 end
  for i = 1, #spent do  -- spent[i] is slice cur - BUDGET_SLICES + i - 1
    used = used - (tonumber(spent[i]) or 0)
    if used + n <= limit then return (cur + i) * slice - now end
  end
  return window + slice
end

-- Spend `n` of the budget of `key` now. The key lives until its newest slice leaves the
-- window; slices that left it are dropped when the hash holds more than a lookback's.
local function budget_spend(key, window, now, n)
  local slice = budget_slice(window)
  local cur = math.floor(now / slice)
  redis.call('HINCRBY', key, cur, n)
  redis.call('PEXPIREAT', key, (cur + BUDGET_SLICES + 1) * slice)
  if redis.call('HLEN', key) > BUDGET_SLICES + 1 then
    for _, s in ipairs(redis.call('HKEYS', key)) do
      if tonumber(s) < cur - BUDGET_SLICES then redis.call('HDEL', key, s) end
    end
  end
end
