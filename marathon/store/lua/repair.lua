-- Replace a marathon's counters with values rebuilt from its stream, unless the
-- stream moved on since they were computed (then the caller computes again).
--
-- KEYS[1] log   KEYS[2] counts   KEYS[3] mine   KEYS[4] board   KEYS[5] ph
-- KEYS[6] live changed set   KEYS[7] edition totals   KEYS[8] team counters
-- KEYS[9] held (lib/envelope.lua: its "ok" and "rel" stay)
-- ARGV[1] id of the last stream entry the rebuild saw ("" for an empty stream)
-- ARGV[2] JSON {"counts": {...}, "mine": {...}, "board": {...}, "ph": {...},
--               "tcounts": {...}, "held": {...}}
-- ARGV[3] marathon id   ARGV[4] the held hash's "rel" the rebuild saw ("" for none)
--
-- Returns "ok" or "moved".

local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if (last and last[1] or '') ~= ARGV[1] then return 'moved' end
local kept = redis.call('HMGET', KEYS[9], 'ok', 'rel')
if (kept[2] or '') ~= ARGV[4] then return 'moved' end
local want = cjson.decode(ARGV[2])
local function put(key, map, zset)
  redis.call('DEL', key)
  for field, value in pairs(map) do
    if zset then redis.call('ZADD', key, value, field) else redis.call('HSET', key, field, value) end
  end
end
put(KEYS[2], want['counts'], false)
put(KEYS[3], want['mine'], false)
put(KEYS[4], want['board'], true)
put(KEYS[5], want['ph'], false)
put(KEYS[8], want['tcounts'] or {}, false)
put(KEYS[9], want['held'] or {}, false)
if kept[1] then redis.call('HSET', KEYS[9], 'ok', kept[1]) end
if kept[2] then redis.call('HSET', KEYS[9], 'rel', kept[2]) end
-- The edition's totals list only verified marathons: update, never add.
local held = tonumber((want['held'] or {})['total'] or '0')
redis.call('ZADD', KEYS[7], 'XX', tonumber(want['counts']['total'] or '0') - held, ARGV[3])
redis.call('SADD', KEYS[6], 'm:' .. ARGV[3])
return 'ok'
