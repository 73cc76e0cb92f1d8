-- The plausibility envelope of a verified marathon (issue 27): what it may put into its
-- edition. Beyond it, the excess of an action is *held*: counted in the marathon's own
-- counters (its screen, console, report), not in its edition's, until a coordinator
-- verifies the marathon again, which releases it.
--
-- The held hash (keys.py: MarathonKeys.held): "total", "k:<kind>", "c:<case>" what is
-- held; "ok" the marathon's edition share when a coordinator last verified it (the
-- envelope never holds below what was verified); "rel" the seq of the last entry that
-- verification released. An entry logged after "rel" carries what it held in its field
-- "x" (lib/entry.lua), so reconcile rebuilds the held amounts from the stream.

-- The envelope at `now`: the hours of the marathon's window begun (at least one, at
-- most its duration) times what its participants may write in an hour (`rate` each)
-- plus the host's hourly tally allowance (`hbase` + `hper` per participant). Hours
-- count from its registration when it was registered after its start (`created`, ms or
-- nil): a window dated back gives no hours of its own.
local function envelope_at(starts, ends, now, people, rate, hbase, hper, created)
  local from = math.min(ends, math.max(starts, created or starts))
  local last = math.max(1, math.ceil((ends - from) / 3600000))
  local hours = math.min(last, math.max(1, math.floor((now - from) / 3600000) + 1))
  return hours * (people * rate + hbase + hper * people)
end

-- How much of a count `n` > 0 must be held, given the marathon's total before it and
-- the envelope now; also what was held before and what the edition may hold.
local function held_part(hk, n, total_before, envelope)
  local f = redis.call('HMGET', hk, 'total', 'ok')
  local held = tonumber(f[1] or '0')
  local ok = tonumber(f[2])
  if not ok then
    -- Verified before the envelope existed, or verified at registration: what it shows
    -- now is what was verified.
    ok = total_before - held
    redis.call('HSET', hk, 'ok', ok)
  end
  local allowed = math.max(ok, envelope)
  local over = total_before - held + n - allowed
  return math.max(0, math.min(n, over)), held, allowed
end

-- Add the signed `x` to the held amounts of `kind` and `case`; return the held total.
local function hold(hk, kind, case, x)
  if x == 0 then return tonumber(redis.call('HGET', hk, 'total') or '0') end
  local total = redis.call('HINCRBY', hk, 'total', x)
  redis.call('HINCRBY', hk, 'k:' .. kind, x)
  if case ~= '' then redis.call('HINCRBY', hk, 'c:' .. case, x) end
  return total
end

-- What compensating the entry of `seq` (of `kind` and `case`), which held `x` (nil:
-- nothing), takes back from the held amounts: its `x`, unless a verification released
-- it since, and never more than is held (a restore may have held less than the action
-- first did).
local function held_back(hk, seq, x, kind, case)
  x = tonumber(x or '0') or 0
  if x <= 0 or tonumber(seq) <= tonumber(redis.call('HGET', hk, 'rel') or '0') then
    return 0
  end
  local h = redis.call('HMGET', hk, 'total', 'k:' .. kind, 'c:' .. case)
  x = math.min(x, tonumber(h[1] or '0'), tonumber(h[2] or '0'))
  if case ~= '' then x = math.min(x, tonumber(h[3] or '0')) end
  return math.max(0, x)
end

-- A verification: nothing is held any more; entries up to `seq` are released, and the
-- edition share `ok` is what the coordinator verified.
local function release(hk, seq, ok)
  redis.call('DEL', hk)
  redis.call('HSET', hk, 'rel', seq, 'ok', ok)
end
