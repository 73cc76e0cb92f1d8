-- Log one action: check the token, the idempotency key, the window, the participant's
-- join time and the plausibility caps (by the hour the phone claims and by the hour the
-- server received it; the host's own hourly bound for the room), then update every counter, append to the stream and mark the
-- marathon and its edition as changed -- all in one atomic step.
--
-- KEYS[1] meta      KEYS[2] ptok
-- KEYS[3] the client_id's idempotency bucket (hash: packed client_id -> seq of its entry)
-- KEYS[4] counts    KEYS[5] mine
-- KEYS[6] board     KEYS[7] hidden   KEYS[8] banned  KEYS[9] log      KEYS[10] ph
-- KEYS[11] people   KEYS[12] live changed set
-- KEYS[13] edition counts  KEYS[14] edition totals  KEYS[15] edition per-participant
-- KEYS[16] edition stats (compare table: "<mid>:k:<kind>", "<mid>:c:<case>", "<mid>:b" best hour,
--          "~v" bumped on every change so readers can tell their copy is current)
-- KEYS[17] edition touched (zset: marathon id -> the "~v" of its last change)
-- KEYS[18] recv (hash: "<server hour>:<pid>" actions received, "a:<server hour>" all)
-- ARGV[1] sha256 of the bearer token   ARGV[2] client_id, packed (actions.pack_client_id)
-- ARGV[3] kind   ARGV[4] case id or ""   ARGV[5] count   ARGV[6] written_at (ms)
-- ARGV[7] now (ms)   ARGV[8] late-sync grace (ms)   ARGV[9] cap per participant-hour (0: none)
-- ARGV[10] how long idempotency keys outlive the grace (ms)   ARGV[11] marathon id
-- ARGV[12] comma-separated kinds (for the caller's own tally)   ARGV[13] note ("" or a reason)
-- ARGV[14] clock skew allowed before a participant's join (ms)
-- ARGV[15] "1" when the host confirmed a tally beyond the room's hourly bound
-- ARGV[16] the host's hourly bound: base   ARGV[17] ... plus this much per participant
-- ARGV[18] actions per token per window (0: no limit)   ARGV[19] that window (ms)
-- ARGV[20] counted actions per address per window (0: no limit)   ARGV[21] that window (ms)
-- KEYS[19] the token's budget   KEYS[20] the address's budget (hashes of sub-buckets, see
--          lib/budget.lua; only read when their limit is set: the rate limits live here,
--          not in a round trip of their own before the script)
-- KEYS[last - 2] held (lib/envelope.lua)   KEYS[last - 1] audit (list)
-- KEYS[last] team counters (see lib/tally.lua)
-- ARGV[last - 1] the plausibility envelope's actions per participant-hour (0: no envelope)
-- ARGV[last] the host's entries per hour (server time) even when confirmed (0: no limit)
--
-- Only a verified marathon's actions count in its edition (see lib/edition.lua), and
-- only inside its plausibility envelope: the excess is held (lib/envelope.lua), and the
-- first excess since its last verification puts an entry in its audit trail (the
-- review queue shows it again, flagged).
--
-- Returns {"ok"|"replay", seq, stream id, pid, counts (flat), mine (by ARGV[12] order)}
-- or {"err", code, ...details}.
--
-- uses: envelope, tally, entry, budget

local meta = KEYS[1]
local tok, cid = ARGV[1], ARGV[2]
local kind, case, n = ARGV[3], ARGV[4], tonumber(ARGV[5])
local written, now, grace = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local cap, keep, mid = tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11]

local m = redis.call('HMGET', meta, 'starts', 'ends', 'closed', 'host', 'edition', 'state',
                    'created')
if not m[1] then return {'err', 'not_found'} end
local starts, ends = tonumber(m[1]), tonumber(m[2])

local pid = redis.call('HGET', KEYS[2], tok)
if not pid then
  if m[4] == tok then pid = 'host' else return {'err', 'unauthorized'} end
end
if redis.call('SISMEMBER', KEYS[8], pid) == 1 then return {'err', 'banned'} end

local function mine() return mine_of(pid, ARGV[12]) end

local prior = redis.call('HGET', KEYS[3], cid)
if prior then
  -- The same client_id again: a replay when the body is the one logged (compared with
  -- the stream entry itself, so no fingerprint needs keeping), else a mismatch.
  local f = read_entry(KEYS[9], prior) or {}
  if f['p'] ~= pid or f['k'] ~= kind or f['c'] ~= case or tonumber(f['n']) ~= n
      or f['written'] ~= written then
    return {'err', 'idempotency_mismatch'}
  end
  return {'replay', tonumber(prior), prior .. '-0', pid, redis.call('HGETALL', KEYS[4]),
          mine()}
end

-- Rate limits: requests per token, counted actions per address, each held over any span
-- of its window (lib/budget.lua).
local tok_limit, addr_limit = tonumber(ARGV[18] or '0'), tonumber(ARGV[20] or '0')
local wait, tok_budget, addr_budget
if tok_limit > 0 then
  wait, tok_budget = budget_check(KEYS[19], tok_limit, tonumber(ARGV[19]), now, 1)
  if wait > 0 then return {'err', 'rate_limited', tostring(wait)} end
  budget_spend(tok_budget, 1)
end
if addr_limit > 0 then
  wait, addr_budget = budget_check(KEYS[20], addr_limit, tonumber(ARGV[21]), now, n)
  if wait > 0 then return {'err', 'rate_limited', tostring(wait)} end
end

if m[3] then return {'err', 'closed', m[1], m[2]} end
if now > ends + grace then return {'err', 'too_late', m[1], m[2]} end
if written < starts then return {'err', 'not_started', m[1], m[2]} end
if written > ends then return {'err', 'ended', m[1], m[2]} end

local last_hour = math.max(0, math.ceil((ends - starts) / 3600000) - 1)
local hour = math.min(math.floor((written - starts) / 3600000), last_hour)
local rk = math.floor(now / 3600000) .. ':' .. pid
local received = tonumber(redis.call('HGET', KEYS[18], rk) or '0')
local team = false  -- the host's own tally is in no team
if pid == 'host' then
  local bound = tonumber(ARGV[16]) + tonumber(ARGV[17]) * redis.call('HLEN', KEYS[11])
  if ARGV[15] ~= '1' and received + n > bound then
    return {'err', 'implausible_tally', tostring(bound), tostring(received)}
  end
  -- Confirmed or not, the host's entries spend an hourly budget, as a phone's do.
  local most = tonumber(ARGV[#ARGV])
  if most > 0 and received + n > most then
    redis.call('HINCRBY', meta, 'refused', 1)
    return {'err', 'tally_budget', tostring(most), tostring(received)}
  end
else
  local person = cjson.decode(redis.call('HGET', KEYS[11], pid) or '{}')
  team = person['t'] or false
  if person['j'] and written < tonumber(person['j']) - tonumber(ARGV[14]) then
    return {'err', 'before_join', tostring(person['j'])}
  end
  if cap > 0 then
    local done = tonumber(redis.call('HGET', KEYS[10], hour .. ':' .. pid) or '0')
    if done + n > cap or received + n > cap then
      redis.call('HINCRBY', meta, 'refused', 1)
      return {'err', 'implausible', tostring(cap)}
    end
  end
end
redis.call('HINCRBY', KEYS[18], rk, n)
redis.call('HINCRBY', KEYS[18], 'a:' .. math.floor(now / 3600000), n)
-- Expiries are relative to the caller's `now`, never to Redis's own clock: the app's clock
-- (pinned in tests, or a machine whose time differs from Redis's) decides when a window
-- and its keys end, and a PEXPIREAT in the caller's past would drop them at once.
local ttl = math.max(ends + grace + keep - now, 1000)  -- `now` is before the end of the grace
redis.call('PEXPIRE', KEYS[18], ttl)
if addr_limit > 0 then  -- only what counts spends the address's budget
  budget_spend(addr_budget, n)
end

local counted = m[6] == 'verified'
local held_key, x = KEYS[#KEYS - 2], 0
local rate = tonumber(ARGV[#ARGV - 1])
if counted and rate > 0 then
  local total_before = tonumber(redis.call('HGET', KEYS[4], 'total') or '0')
  local envelope = envelope_at(starts, ends, now, redis.call('HLEN', KEYS[11]), rate,
                               tonumber(ARGV[16]), tonumber(ARGV[17]), tonumber(m[7]))
  local held, allowed
  x, held, allowed = held_part(held_key, n, total_before, envelope)
  if x > 0 and held <= 0 then  -- grown since its verification: back in review
    redis.call('RPUSH', KEYS[#KEYS - 1], cjson.encode({
      what = 'grown_since_verification', who = 'envelope', at = now, why = cjson.null,
      envelope = allowed, held = x}))
  end
end
local seq = redis.call('HINCRBY', KEYS[4], 'seq', 1)
append_entry(KEYS[9], seq, {p = pid, cid = cid, k = kind, c = case, n = n, written = written,
                            r = now, h = hour, why = ARGV[13], x = x})
redis.call('HSET', KEYS[3], cid, seq)
redis.call('PEXPIRE', KEYS[3], ttl)
local total, hour_total, in_hour, on_board = add_count(mid, m[5], pid, kind, case, hour, n,
                                                       counted, team, held_key, x)
if on_board then
  local lt = 'lt:' .. hour
  local leader = redis.call('HGET', KEYS[4], lt)
  if leader ~= pid then
    local best = leader and tonumber(redis.call('HGET', KEYS[10], hour .. ':' .. leader) or '0') or -1
    if in_hour > best then redis.call('HSET', KEYS[4], lt, pid) end
  end
end
if counted and x == 0  -- a best hour that is partly held is not the edition's
    and hour_total > tonumber(redis.call('HGET', KEYS[16], mid .. ':b') or '0') then
  redis.call('HSET', KEYS[16], mid .. ':b', hour_total)
end

return {'ok', seq, seq .. '-0', pid, redis.call('HGETALL', KEYS[4]), mine()}
