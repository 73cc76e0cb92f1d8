-- Give a marathon a new join code (the host's defence against outsiders who learnt the
-- old one): the old code then answers "replaced" instead of joining, and the projector
-- link gets a new screen key, so an old copy of it shows no code.
--
-- KEYS[1] meta   KEYS[2] new join-code key   KEYS[3] live changed set
-- ARGV[1] marathon id   ARGV[2] new code   ARGV[3] when the old code's notice expires (ms)
-- ARGV[4] the old code's key prefix ("join:")   ARGV[5] the new screen key
--
-- Returns {"ok", code version} or {"err", "code_taken"} / {"err", "not_found"}.

local old = redis.call('HGET', KEYS[1], 'code')
if not old then return {'err', 'not_found'} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX') == false then return {'err', 'code_taken'} end
local old_key = ARGV[4] .. old
redis.call('SET', old_key, '-' .. ARGV[1], 'PXAT', tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], 'code', ARGV[2], 'skey', ARGV[5])
local version = redis.call('HINCRBY', KEYS[1], 'codev', 1)
redis.call('SADD', KEYS[3], 'm:' .. ARGV[1])
return {'ok', version}
