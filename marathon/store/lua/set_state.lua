-- Verify, reject or hide a marathon (or put it back in review), and move it into or out
-- of every index of its edition in the same atomic step; append the decision to the
-- marathon's audit trail.
--
-- KEYS[1] meta   KEYS[2] counts   KEYS[3] people   KEYS[4] audit (list)
-- KEYS[5] edition counts   KEYS[6] totals   KEYS[7] per-participant   KEYS[8] marathons
-- KEYS[9] rows   KEYS[10] rows revision   KEYS[11] stats   KEYS[12] touched
-- KEYS[13] review queue   KEYS[14] live changed set   KEYS[15] held (lib/envelope.lua)
-- ARGV[1] marathon id   ARGV[2] new state (pending, verified, rejected)   ARGV[3] reason
-- ARGV[4] audit entry (JSON)   ARGV[5] now (ms)
--
-- Every decision releases what the marathon held beyond its plausibility envelope: a
-- verification puts it into the edition (and the audit entry says how much), and the
-- envelope holds again only beyond what the coordinator saw.
--
-- Returns {"ok", previous state, amount released} or {"err", "not_found"}.
--
-- uses: row, edition, envelope

local m = redis.call('HMGET', KEYS[1], 'edition', 'state', 'created')
if not m[1] then return {'err', 'not_found'} end
local was, now_state = m[2] == 'verified', ARGV[2] == 'verified'
local ek = {counts = KEYS[5], totals = KEYS[6], pp = KEYS[7], marathons = KEYS[8],
            rows = KEYS[9], rev = KEYS[10], stats = KEYS[11], touched = KEYS[12]}
local mk = {meta = KEYS[1], counts = KEYS[2], people = KEYS[3], held = KEYS[15]}
local c = redis.call('HMGET', KEYS[2], 'seq', 'total')
local held = tonumber(redis.call('HGET', KEYS[15], 'total') or '0')
local released = 0
if was and now_state and held ~= 0 then
  -- Verified again: out of the edition with what it held, back in with all of it.
  set_counted(ek, mk, ARGV[1], false)
  release(KEYS[15], tonumber(c[1] or '0'), tonumber(c[2] or '0'))
  set_counted(ek, mk, ARGV[1], true)
  released = held
elseif was ~= now_state then
  set_counted(ek, mk, ARGV[1], now_state)
  if now_state then released = held end
end
release(KEYS[15], tonumber(c[1] or '0'), tonumber(c[2] or '0'))
local entry = ARGV[4]
if released ~= 0 then
  local a = cjson.decode(entry)
  a['released'] = released
  entry = cjson.encode(a)
end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'state_reason', ARGV[3])
else redis.call('HDEL', KEYS[1], 'state_reason') end
if ARGV[2] == 'pending' then
  redis.call('ZADD', KEYS[13], tonumber(m[3]) or tonumber(ARGV[5]), ARGV[1])
else
  redis.call('ZREM', KEYS[13], ARGV[1])
end
redis.call('RPUSH', KEYS[4], entry)
redis.call('SADD', KEYS[14], 'm:' .. ARGV[1], 'e:' .. m[1])
return {'ok', m[2] or '', released}
