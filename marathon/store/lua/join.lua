-- Add a participant to a marathon, unless the host paused joining or the marathon is full.
--
-- KEYS[1] meta   KEYS[2] people   KEYS[3] ptok   KEYS[4] hidden   KEYS[5] counts
-- KEYS[6] live changed set   KEYS[7] edition per-participant zset
-- KEYS[8] edition stats hash (compare table: "<mid>:p" = participants; "~v" = version)
-- KEYS[9] edition touched (zset: marathon id -> the "~v" of its last change)
-- KEYS[10] recv (hash: "j:<server hour>" joins received in that hour)
-- ARGV[1] participant id   ARGV[2] sha256 of the participant token   ARGV[3] person JSON
-- ARGV[4] "1" to appear on the board   ARGV[5] now (ms)   ARGV[6] late-sync grace (ms)
-- ARGV[7] marathon id
-- KEYS[11] teams   KEYS[12] team counters   ARGV[8] team id ("" for none; the person
-- JSON already names it as "t")
--
-- KEYS[13] the marathon's join budget   KEYS[14] the address's join budget in this
-- marathon (hashes of sub-buckets, see lib/budget.lua; given only for a join through the
-- API, with limits on)   ARGV[9] joins per address and marathon per window (0: no limit)
-- ARGV[10] that window (ms)   ARGV[11] joins per marathon per window   ARGV[12] that window
--
-- Returns {"ok"} or {"err", code, starts, ends}; code "joins_paused" or "full" (with the
-- limit) when the host's defences refuse the join, "team_not_found" for an unknown team,
-- "rate_limited" (with the ms to wait) beyond a join budget. Only a join that is made
-- spends the budgets: one refused (here, or for bad input before the script) costs nothing.
--
-- uses: budget

local m = redis.call('HMGET', KEYS[1], 'starts', 'ends', 'closed', 'edition', 'state',
                     'paused', 'maxp')
if not m[1] then return {'err', 'not_found'} end
if m[3] then return {'err', 'closed', m[1], m[2]} end
if tonumber(ARGV[5]) > tonumber(m[2]) + tonumber(ARGV[6]) then
  return {'err', 'too_late', m[1], m[2]}
end
if m[6] then return {'err', 'joins_paused'} end
if m[7] and redis.call('HLEN', KEYS[2]) >= tonumber(m[7]) then
  return {'err', 'full', m[7]}
end
local team = ARGV[8] or ''
if team ~= '' and redis.call('HEXISTS', KEYS[11], team) == 0 then
  return {'err', 'team_not_found'}
end
local now = tonumber(ARGV[5])
local per_address, per_marathon = tonumber(ARGV[9] or '0'), tonumber(ARGV[11] or '0')
local wait, address_budget, marathon_budget
if per_address > 0 then
  wait, address_budget = budget_check(KEYS[14], per_address, tonumber(ARGV[10]), now, 1)
  if wait > 0 then return {'err', 'rate_limited', tostring(wait)} end
end
if per_marathon > 0 then
  wait, marathon_budget = budget_check(KEYS[13], per_marathon, tonumber(ARGV[12]), now, 1)
  if wait > 0 then return {'err', 'rate_limited', tostring(wait)} end
  budget_spend(marathon_budget, 1)
end
if address_budget then budget_spend(address_budget, 1) end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
if team ~= '' then redis.call('HINCRBY', KEYS[12], team .. ':p', 1) end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
if ARGV[4] ~= '1' then redis.call('SADD', KEYS[4], ARGV[1]) end
redis.call('HINCRBY', KEYS[10], 'j:' .. math.floor(tonumber(ARGV[5]) / 3600000), 1)
if m[5] == 'verified' then
  local total = tonumber(redis.call('HGET', KEYS[5], 'total') or '0')
  local people = redis.call('HLEN', KEYS[2])
  redis.call('ZADD', KEYS[7], total / people, ARGV[7])
  redis.call('HSET', KEYS[8], ARGV[7] .. ':p', people)
  redis.call('ZADD', KEYS[9], redis.call('HINCRBY', KEYS[8], '~v', 1), ARGV[7])
  redis.call('SADD', KEYS[6], 'm:' .. ARGV[7], 'e:' .. m[4])
else
  redis.call('SADD', KEYS[6], 'm:' .. ARGV[7])
end
return {'ok'}
