-- Register a marathon: claim its join code, store its fields and index it in its edition.
--
-- KEYS[1] meta   KEYS[2] join-code key   KEYS[3] host-token key   KEYS[4] hidden
-- KEYS[5] edition marathons (zset by start)   KEYS[6] edition totals   KEYS[7] edition per-participant
-- KEYS[8] live changed set   KEYS[9] edition rows (compare table)   KEYS[10] edition rows revision
-- ARGV[1] marathon id   ARGV[2] edition id   ARGV[3] starts (ms)   ARGV[4..] field, value pairs
--
-- Returns "ok", or "code_taken" when the join code already belongs to another marathon.
--
-- uses: row

if redis.call('SET', KEYS[2], ARGV[1], 'NX') == false then return 'code_taken' end
redis.call('SET', KEYS[3], ARGV[1])
local fields = {}
for i = 4, #ARGV do table.insert(fields, ARGV[i]) end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('SADD', KEYS[4], 'host')
redis.call('ZADD', KEYS[5], tonumber(ARGV[3]), ARGV[1])
redis.call('ZADD', KEYS[6], 0, ARGV[1])
redis.call('ZADD', KEYS[7], 0, ARGV[1])
redis.call('SADD', KEYS[8], 'm:' .. ARGV[1], 'e:' .. ARGV[2])
redis.call('HSET', KEYS[9], ARGV[1], row())
redis.call('INCR', KEYS[10])
return 'ok'
