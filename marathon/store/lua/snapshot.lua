-- Read everything a marathon snapshot needs in one round trip.
--
-- KEYS[1] meta   KEYS[2] counts   KEYS[3] board   KEYS[4] people   KEYS[5] log
-- KEYS[6] ph     KEYS[7] epoch   KEYS[8] teams   KEYS[9] team counters
-- ARGV[1] number of top writers   ARGV[2] number of recent entries   ARGV[3] now (ms)
--
-- Returns {meta, counts, top (pid, score, ...), top people JSON, participants,
--          recent entries, recent people JSON, {hour leader pid, count, person JSON}, epoch,
--          teams (flat), team counters (flat)}
-- or {} when the marathon does not exist.

local meta = redis.call('HGETALL', KEYS[1])
if #meta == 0 then return {} end
local counts = redis.call('HGETALL', KEYS[2])
local top = redis.call('ZREVRANGE', KEYS[3], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
local top_people = {}
for i = 1, #top, 2 do table.insert(top_people, redis.call('HGET', KEYS[4], top[i]) or '') end
local recent = redis.call('XREVRANGE', KEYS[5], '+', '-', 'COUNT', tonumber(ARGV[2]))
local recent_people = {}
for _, e in ipairs(recent) do
  local pid = ''
  for i = 1, #e[2], 2 do if e[2][i] == 'p' then pid = e[2][i + 1] end end
  table.insert(recent_people, redis.call('HGET', KEYS[4], pid) or '')
end
local starts = tonumber(redis.call('HGET', KEYS[1], 'starts'))
local hour = math.floor((tonumber(ARGV[3]) - starts) / 3600000)
local leader = {}
if hour >= 0 then
  local pid = redis.call('HGET', KEYS[2], 'lt:' .. hour)
  if pid then
    leader = {pid, redis.call('HGET', KEYS[6], hour .. ':' .. pid) or '0',
              redis.call('HGET', KEYS[4], pid) or ''}
  end
end
return {meta, counts, top, top_people, redis.call('HLEN', KEYS[4]), recent, recent_people,
        leader, redis.call('GET', KEYS[7]) or '', redis.call('HGETALL', KEYS[8]),
        redis.call('HGETALL', KEYS[9])}
