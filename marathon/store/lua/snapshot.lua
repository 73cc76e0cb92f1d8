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
local recent = redis.call('XREVRANGE', KEYS[5], '+', '-', 'COUNT', tonumber(ARGV[2]))
local starts = 0
for i = 1, #meta, 2 do if meta[i] == 'starts' then starts = tonumber(meta[i + 1]) end end
local hour = math.floor((tonumber(ARGV[3]) - starts) / 3600000)
local leader_pid = hour >= 0 and redis.call('HGET', KEYS[2], 'lt:' .. hour) or nil

-- Every person named (top writers, recent entries, the hour's leader) in one HMGET.
local pids = {}
for i = 1, #top, 2 do table.insert(pids, top[i]) end
for _, e in ipairs(recent) do
  local pid = ''
  for i = 1, #e[2], 2 do if e[2][i] == 'p' then pid = e[2][i + 1] end end
  table.insert(pids, pid)
end
if leader_pid then table.insert(pids, leader_pid) end
local people = #pids > 0 and redis.call('HMGET', KEYS[4], unpack(pids)) or {}
local function person(i) return people[i] or '' end

local top_people, recent_people, n = {}, {}, #top / 2
for i = 1, n do table.insert(top_people, person(i)) end
for i = 1, #recent do table.insert(recent_people, person(n + i)) end
local leader = {}
if leader_pid then
  leader = {leader_pid, redis.call('HGET', KEYS[6], hour .. ':' .. leader_pid) or '0',
            person(#pids)}
end
return {meta, counts, top, top_people, redis.call('HLEN', KEYS[4]), recent, recent_people,
        leader, redis.call('GET', KEYS[7]) or '', redis.call('HGETALL', KEYS[8]),
        redis.call('HGETALL', KEYS[9])}
