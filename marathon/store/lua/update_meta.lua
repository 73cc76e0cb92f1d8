-- Change some fields of a marathon (edit, close, reopen, new host token) and mark it changed.
--
-- KEYS[1] meta   KEYS[2] live changed set   KEYS[3] edition marathons (zset by start)
-- KEYS[4] new host-token key or ""-free placeholder   KEYS[5] old host-token key
-- KEYS[6] edition rows (compare table)   KEYS[7] edition rows revision
-- KEYS[8] edition every (zset: all its marathons by start)
-- ARGV[1] marathon id   ARGV[2..] field, value pairs; an empty value deletes the field
--
-- The edition's indexes list only verified marathons (lib/edition.lua).
--
-- Returns "ok" or "not_found".
--
-- uses: row

local eid, state = unpack(redis.call('HMGET', KEYS[1], 'edition', 'state'))
if not eid then return 'not_found' end
local counted = state == 'verified'
for i = 2, #ARGV, 2 do
  local field, value = ARGV[i], ARGV[i + 1]
  if value == '' then
    redis.call('HDEL', KEYS[1], field)
  else
    redis.call('HSET', KEYS[1], field, value)
    if field == 'starts' then
      redis.call('ZADD', KEYS[8], tonumber(value), ARGV[1])
      if counted then redis.call('ZADD', KEYS[3], tonumber(value), ARGV[1]) end
    end
    if field == 'host' then
      redis.call('DEL', KEYS[5])
      redis.call('SET', KEYS[4], ARGV[1])
    end
  end
end
-- Screens read the marathon's fields again (title, group, display options) only when
-- this version, carried by every snapshot, moves.
redis.call('HINCRBY', KEYS[1], 'optv', 1)
if counted then
  redis.call('SADD', KEYS[2], 'm:' .. ARGV[1], 'e:' .. eid)
  redis.call('HSET', KEYS[6], ARGV[1], row())
  redis.call('INCR', KEYS[7])
else
  redis.call('SADD', KEYS[2], 'm:' .. ARGV[1])
end
return 'ok'
