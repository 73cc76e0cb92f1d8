-- End a broadcaster tick: hold the lock one more period after emitting, or free it.
--
-- KEYS[1] broadcaster lock
-- ARGV[1] this process's lock token   ARGV[2] hold (ms); 0 frees the lock at once
-- (nothing was emitted, so the previous emit is already a period old)
--
-- Returns 1, or 0 when the lease had already passed to another process.

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
else
  redis.call('DEL', KEYS[1])
end
return 1
