-- Verify, reject or hide a marathon (or put it back in review), and move it into or out
-- of every index of its edition in the same atomic step; append the decision to the
-- marathon's audit trail.
--
-- KEYS[1] meta   KEYS[2] counts   KEYS[3] people   KEYS[4] audit (list)
-- KEYS[5] edition counts   KEYS[6] totals   KEYS[7] per-participant   KEYS[8] marathons
-- KEYS[9] rows   KEYS[10] rows revision   KEYS[11] stats   KEYS[12] touched
-- KEYS[13] review queue   KEYS[14] live changed set
-- ARGV[1] marathon id   ARGV[2] new state (pending, verified, rejected)   ARGV[3] reason
-- ARGV[4] audit entry (JSON)   ARGV[5] now (ms)
--
-- Returns {"ok", previous state} or {"err", "not_found"}.
--
-- uses: row, edition

local m = redis.call('HMGET', KEYS[1], 'edition', 'state', 'created')
if not m[1] then return {'err', 'not_found'} end
local was, now_state = m[2] == 'verified', ARGV[2] == 'verified'
if was ~= now_state then
  set_counted({counts = KEYS[5], totals = KEYS[6], pp = KEYS[7], marathons = KEYS[8],
               rows = KEYS[9], rev = KEYS[10], stats = KEYS[11], touched = KEYS[12]},
              {meta = KEYS[1], counts = KEYS[2], people = KEYS[3]}, ARGV[1], now_state)
end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'state_reason', ARGV[3])
else redis.call('HDEL', KEYS[1], 'state_reason') end
if ARGV[2] == 'pending' then
  redis.call('ZADD', KEYS[13], tonumber(m[3]) or tonumber(ARGV[5]), ARGV[1])
else
  redis.call('ZREM', KEYS[13], ARGV[1])
end
redis.call('RPUSH', KEYS[4], ARGV[4])
redis.call('SADD', KEYS[14], 'm:' .. ARGV[1], 'e:' .. m[1])
return {'ok', m[2] or ''}
