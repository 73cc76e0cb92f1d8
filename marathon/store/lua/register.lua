-- Register a marathon: claim its join code, store its fields, list it in its edition
-- and, when it is verified from the start (an open edition, or the edition's
-- registration code given), index it where the edition's totals are read.
--
-- KEYS[1] meta   KEYS[2] join-code key   KEYS[3] host-token key   KEYS[4] hidden
-- KEYS[5] edition marathons (zset by start)   KEYS[6] edition totals   KEYS[7] edition per-participant
-- KEYS[8] live changed set   KEYS[9] edition rows (compare table)   KEYS[10] edition rows revision
-- KEYS[11] edition every (zset: all its marathons by start)   KEYS[12] edition review queue
-- KEYS[13] edition counts   KEYS[14] edition stats   KEYS[15] edition touched
-- KEYS[16] marathon counts   KEYS[17] marathon people
-- KEYS[18] group match key   KEYS[19] group marathons (lib/group.lua)
-- ARGV[1] marathon id   ARGV[2] edition id   ARGV[3] starts (ms)   ARGV[4] state
-- ARGV[5] now (ms)   ARGV[6] group id   ARGV[7] "new" (the group's identity names no
-- group yet) or "old" (it names ARGV[6])   ARGV[8..] field, value pairs
--
-- Returns "ok", "code_taken" when the join code already belongs to another marathon, or
-- "group_moved" when the group's identity changed since it was read.
--
-- uses: row, edition, group

if not group_as_read(KEYS[18], ARGV[6], ARGV[7]) then return 'group_moved' end
if redis.call('SET', KEYS[2], ARGV[1], 'NX') == false then return 'code_taken' end
redis.call('SET', KEYS[3], ARGV[1])
local fields = {'state', ARGV[4], 'gid', ARGV[6]}
for i = 8, #ARGV do table.insert(fields, ARGV[i]) end
redis.call('HSET', KEYS[1], unpack(fields))
attach_group(KEYS[18], KEYS[19], ARGV[6], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[4], 'host')
redis.call('ZADD', KEYS[11], tonumber(ARGV[3]), ARGV[1])
if ARGV[4] == 'verified' then
  set_counted({counts = KEYS[13], totals = KEYS[6], pp = KEYS[7], marathons = KEYS[5],
               rows = KEYS[9], rev = KEYS[10], stats = KEYS[14], touched = KEYS[15]},
              {meta = KEYS[1], counts = KEYS[16], people = KEYS[17]}, ARGV[1], true)
  redis.call('SADD', KEYS[8], 'm:' .. ARGV[1], 'e:' .. ARGV[2])
else
  redis.call('ZADD', KEYS[12], tonumber(ARGV[5]), ARGV[1])
  redis.call('SADD', KEYS[8], 'm:' .. ARGV[1])
end
return 'ok'
