-- Put a participant in a team (or in none), taking their whole count with them: a move
-- corrects a mistake (a pupil put in the wrong class), so a team's total stays the sum
-- of its members' totals and the action stream needs no team field.
--
-- KEYS[1] meta   KEYS[2] people   KEYS[3] mine   KEYS[4] teams   KEYS[5] team counters
-- KEYS[6] live changed set
-- ARGV[1] marathon id   ARGV[2] participant id   ARGV[3] team id ("" for no team)
--
-- Returns {"ok", team id or "", person JSON} or {"err", code}: "not_found" (no marathon),
-- "participant_not_found", "team_not_found".

local mid, pid, tid = ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'err', 'not_found'} end
local raw = redis.call('HGET', KEYS[2], pid)
if not raw then return {'err', 'participant_not_found'} end
if tid ~= '' and redis.call('HEXISTS', KEYS[4], tid) == 0 then
  return {'err', 'team_not_found'}
end
local person = cjson.decode(raw)
local old = person['t'] or ''
if old == tid then return {'ok', tid, raw} end
local total = tonumber(redis.call('HGET', KEYS[3], pid) or '0')
if old ~= '' then
  redis.call('HINCRBY', KEYS[5], old, 0 - total)  -- not -total: -0 is no integer to Redis
  redis.call('HINCRBY', KEYS[5], old .. ':p', -1)
end
if tid ~= '' then
  redis.call('HINCRBY', KEYS[5], tid, total)
  redis.call('HINCRBY', KEYS[5], tid .. ':p', 1)
  person['t'] = tid
else
  person['t'] = nil
end
raw = cjson.encode(person)
redis.call('HSET', KEYS[2], pid, raw)
redis.call('SADD', KEYS[6], 'm:' .. mid)
return {'ok', tid, raw}
