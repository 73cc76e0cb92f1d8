-- Create, rename or delete one of a marathon's teams (the host's console or API).
-- Deleting a team moves its members to "no team": their actions stay theirs, and the
-- team's counters go with it.
--
-- KEYS[1] meta   KEYS[2] teams   KEYS[3] team counters   KEYS[4] people
-- KEYS[5] live changed set
-- ARGV[1] marathon id   ARGV[2] "create", "rename" or "delete"
-- ARGV[3] team id ("" to create)   ARGV[4] name   ARGV[5] the name's key (no two alike)
-- ARGV[6] most teams a marathon may have
--
-- Returns {"ok", team id} or {"err", code}: "not_found" (no marathon), "team_not_found",
-- "team_taken" (another team has this name), "teams_full".

local mid, op, tid = ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'err', 'not_found'} end
if op ~= 'create' and redis.call('HEXISTS', KEYS[2], tid) == 0 then
  return {'err', 'team_not_found'}
end

if op == 'delete' then
  local people = redis.call('HGETALL', KEYS[4])
  for i = 1, #people, 2 do
    local person = cjson.decode(people[i + 1])
    if person['t'] == tid then
      person['t'] = nil
      redis.call('HSET', KEYS[4], people[i], cjson.encode(person))
    end
  end
  redis.call('HDEL', KEYS[2], tid)
  redis.call('HDEL', KEYS[3], tid, tid .. ':p')
  redis.call('SADD', KEYS[5], 'm:' .. mid)
  return {'ok', tid}
end

local teams = redis.call('HGETALL', KEYS[2])
for i = 1, #teams, 2 do
  if teams[i] ~= tid and cjson.decode(teams[i + 1])['k'] == ARGV[5] then
    return {'err', 'team_taken'}
  end
end
if op == 'create' then
  if #teams / 2 >= tonumber(ARGV[6]) then return {'err', 'teams_full'} end
  tid = 't' .. redis.call('HINCRBY', KEYS[1], 'teamseq', 1)
end
redis.call('HSET', KEYS[2], tid, cjson.encode({n = ARGV[4], k = ARGV[5]}))
redis.call('SADD', KEYS[5], 'm:' .. mid)
return {'ok', tid}
