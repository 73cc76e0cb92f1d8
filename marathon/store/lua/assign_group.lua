-- Give a marathon stored before groups (schema 4) its group, and index it there.
--
-- KEYS[1] meta   KEYS[2] group match key   KEYS[3] group marathons
-- KEYS[4] edition rows (compare table)   KEYS[5] edition rows revision
-- ARGV[1] marathon id   ARGV[2] group id   ARGV[3] "new" (the identity names no group
-- yet) or "old" (it names ARGV[2])   ARGV[4] edition id
--
-- Returns "ok", "has_group" (nothing to do) or "group_moved" (the identity changed
-- since it was read: read it again).
--
-- uses: row, group

if redis.call('HEXISTS', KEYS[1], 'gid') == 1 then return 'has_group' end
if not group_as_read(KEYS[2], ARGV[2], ARGV[3]) then return 'group_moved' end
redis.call('HSET', KEYS[1], 'gid', ARGV[2])
attach_group(KEYS[2], KEYS[3], ARGV[2], ARGV[1], ARGV[4])
if redis.call('HEXISTS', KEYS[4], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[4], ARGV[1], row(KEYS[1]))
  redis.call('INCR', KEYS[5])
end
return 'ok'
