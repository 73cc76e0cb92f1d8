-- Change a participant as the host: rename, show on / hide from the board, ban / unban.
--
-- KEYS[1] meta   KEYS[2] people   KEYS[3] hidden   KEYS[4] banned   KEYS[5] board
-- KEYS[6] mine   KEYS[7] live changed set
-- ARGV[1] marathon id   ARGV[2] participant id   ARGV[3] new nickname or ""
-- ARGV[4] "hide" / "show" / ""   ARGV[5] "ban" / "unban" / ""
--
-- Returns the participant's JSON, or "not_found".

local eid = redis.call('HGET', KEYS[1], 'edition')
local raw = redis.call('HGET', KEYS[2], ARGV[2])
if not eid or not raw then return 'not_found' end
local person = cjson.decode(raw)
if ARGV[3] ~= '' then person['n'] = ARGV[3] end
if ARGV[4] == 'hide' then person['b'] = false end
if ARGV[4] == 'show' then person['b'] = true end
if ARGV[5] == 'ban' then person['x'] = true end
if ARGV[5] == 'unban' then person['x'] = false end
raw = cjson.encode(person)
redis.call('HSET', KEYS[2], ARGV[2], raw)
if person['x'] then redis.call('SADD', KEYS[4], ARGV[2]) else redis.call('SREM', KEYS[4], ARGV[2]) end
if person['b'] and not person['x'] then
  redis.call('SREM', KEYS[3], ARGV[2])
  redis.call('ZADD', KEYS[5], tonumber(redis.call('HGET', KEYS[6], ARGV[2]) or '0'), ARGV[2])
else
  redis.call('SADD', KEYS[3], ARGV[2])
  redis.call('ZREM', KEYS[5], ARGV[2])
end
redis.call('SADD', KEYS[7], 'm:' .. ARGV[1], 'e:' .. eid)
return raw
