-- Read everything an edition snapshot needs in one round trip.
--
-- KEYS[1] edition counts   KEYS[2] edition totals (zset)   KEYS[3] edition per-participant
-- KEYS[4] edition marathons (zset by start)   KEYS[5] edition live seq
-- KEYS[6] edition milestones (list)   KEYS[7] epoch
-- ARGV[1] "1" to advance the live seq (a broadcast), "0" to read it (a new watcher)
-- ARGV[2] how many marathons in each ranking   ARGV[3] earliest start of a marathon
-- that may still be running (ms)   ARGV[4] now (ms)   ARGV[5] milestones to return
--
-- Returns {counts (flat), seq, top by total (id, score, ...), top per participant
--          (id, score, ...), number of marathons, ids that started in the window,
--          recent milestones (JSON), epoch}

local seq
if ARGV[1] == '1' then
  seq = redis.call('INCR', KEYS[5])
else
  seq = tonumber(redis.call('GET', KEYS[5]) or '0')
end
local n = tonumber(ARGV[2]) - 1
return {
  redis.call('HGETALL', KEYS[1]),
  seq,
  redis.call('ZREVRANGE', KEYS[2], 0, n, 'WITHSCORES'),
  redis.call('ZREVRANGE', KEYS[3], 0, n, 'WITHSCORES'),
  redis.call('ZCARD', KEYS[4]),
  redis.call('ZRANGEBYSCORE', KEYS[4], ARGV[3], ARGV[4]),
  redis.call('LRANGE', KEYS[6], 0, tonumber(ARGV[5]) - 1),
  redis.call('GET', KEYS[7]) or '',
}
