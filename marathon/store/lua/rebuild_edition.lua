-- Rebuild an edition's indexes from its marathons' counters and states (after each
-- marathon's own counters were rebuilt from its stream), in one atomic step.
--
-- KEYS[1] edition counts   KEYS[2] totals   KEYS[3] per-participant   KEYS[4] marathons
-- KEYS[5] rows   KEYS[6] rows revision   KEYS[7] stats   KEYS[8] touched
-- KEYS[9] review queue   KEYS[10] live changed set
-- KEYS[11..] meta, counts, people, held of each marathon of the edition, in fours (what
-- a verified marathon holds beyond its plausibility envelope stays out: lib/envelope.lua)
-- ARGV[1] edition id   ARGV[2..] the marathons' ids, in the same order
--
-- Returns {verified, pending, rejected} counts of marathons.
--
-- uses: row, edition

local ek = {counts = KEYS[1], totals = KEYS[2], pp = KEYS[3], marathons = KEYS[4],
            rows = KEYS[5], rev = KEYS[6], stats = KEYS[7], touched = KEYS[8]}
local version = tonumber(redis.call('HGET', KEYS[7], '~v') or '0')
for i = 1, 9 do if i ~= 6 then redis.call('DEL', KEYS[i]) end end
redis.call('HSET', KEYS[7], '~v', version + 1)
local tally = {verified = 0, pending = 0, rejected = 0}
for i = 2, #ARGV do
  local base = 11 + (i - 2) * 4
  local mk = {meta = KEYS[base], counts = KEYS[base + 1], people = KEYS[base + 2],
              held = KEYS[base + 3]}
  local f = redis.call('HMGET', mk.meta, 'state', 'created')
  local state = f[1] or 'pending'
  tally[state] = (tally[state] or 0) + 1
  if state == 'verified' then
    set_counted(ek, mk, ARGV[i], true)
  elseif state == 'pending' then
    redis.call('ZADD', KEYS[9], tonumber(f[2]) or 0, ARGV[i])
  end
end
redis.call('INCR', KEYS[6])
redis.call('SADD', KEYS[10], 'e:' .. ARGV[1])
return {tally['verified'], tally['pending'], tally['rejected']}
