-- Budgets that hold over any span of their length (issue 27): a sliding window of
-- sub-buckets, used by log.lua (requests per token, counted actions per address) and
-- join.lua (joins per address and marathon, joins per marathon).
--
-- A budget's key is a hash: a ring of 11 slots, slot "<s mod 11>" holding what was spent
-- in slice s of time (now // slice, the slice being a tenth of the window, rounded up);
-- "at", the newest slice written (slots of slices ten or more before it are stale); and
-- "sum", what the slots of slices at - 10 .. at hold in all. So a check reads two fields
-- (and, once per slice, the slots that left the window), a spend is two HINCRBYs, and no
-- field name is a formatted number (formatting cost more than the Redis calls).

local BUDGET_SLICES = 10
local BUDGET_RING = 11  -- BUDGET_SLICES + 1 slots
local BUDGET_SLOTS = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'}

local function budget_slot(s) return BUDGET_SLOTS[s % BUDGET_RING + 1] end

-- What `key` spent in the slices cur - 10 .. cur, the current slice being never before
-- the newest written (a server whose clock is a little behind counts in that one).
local function budget_state(key, window, now)
  local slice = math.ceil(window / BUDGET_SLICES)
  local b = {key = key, window = window, slice = slice, now = now,
             cur = math.floor(now / slice), used = 0}
  local v = redis.call('HMGET', key, 'at', 'sum')
  b.last = tonumber(v[1])
  if not b.last then return b end
  b.used = tonumber(v[2]) or 0
  if b.last > b.cur then b.cur = b.last end
  if b.cur - b.last >= BUDGET_RING then
    b.used = 0
  elseif b.cur > b.last then  -- the slices last - 10 .. cur - 11 have left the window
    local gone = {}
    for s = b.last - BUDGET_SLICES, b.cur - BUDGET_RING do gone[#gone + 1] = budget_slot(s) end
    for _, x in ipairs(redis.call('HMGET', key, unpack(gone))) do
      b.used = b.used - (tonumber(x) or 0)
    end
  end
  return b
end

-- How long (ms) until `n` more fit: when enough of the oldest slices have left the
-- window (slice s stops counting when slice s + 11 begins), or a whole lookback when
-- `n` alone is beyond the budget.
local function budget_wait(b, limit, n)
  local v = redis.call('HMGET', b.key, unpack(BUDGET_SLOTS))
  local used = b.used
  for s = b.cur - BUDGET_SLICES, b.cur do
    if b.last and s <= b.last and s > b.last - BUDGET_RING then
      used = used - (tonumber(v[s % BUDGET_RING + 1]) or 0)
    end
    if used + n <= limit then return math.max(1, (s + BUDGET_RING) * b.slice - b.now) end
  end
  return b.window + b.slice
end

-- Check `n` more against the budget `limit` per `window` of `key`: returns the wait
-- (0 when they fit now) and the state to spend them with (`budget_spend`).
local function budget_check(key, limit, window, now, n)
  local b = budget_state(key, window, now)
  if b.used + n <= limit then return 0, b end
  return budget_wait(b, limit, n), b
end

-- Spend `n` of a checked budget: two HINCRBYs within a slice; when a new slice begins,
-- the slots of the slices since the newest written are emptied, "at" and "sum" move, and
-- the key is set to live until the new slice leaves the window (PEXPIRE from the
-- caller's clock, not an absolute time on Redis's).
local function budget_spend(b, n)
  if b.last == b.cur then
    redis.call('HINCRBY', b.key, budget_slot(b.cur), n)
    redis.call('HINCRBY', b.key, 'sum', n)
    return
  end
  local args = {'at', b.cur, 'sum', b.used + n, budget_slot(b.cur), n}
  local from = b.cur
  if b.last then from = math.max(b.last + 1, b.cur - BUDGET_SLICES) end
  for s = from, b.cur - 1 do
    args[#args + 1] = budget_slot(s)
    args[#args + 1] = 0
  end
  redis.call('HSET', b.key, unpack(args))
  redis.call('PEXPIRE', b.key, (b.cur + BUDGET_RING) * b.slice - b.now)
end
