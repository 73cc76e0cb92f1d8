-- Read rooms' totals and swap in the highest total broadcast so far, for milestones.
--
-- Milestones fire when a broadcast's total passes one that no earlier broadcast
-- reached; keeping the high-water mark (not the last total) means an undo followed by
-- a new action does not celebrate the same milestone twice. The broadcaster runs this
-- in the same MULTI as the snapshot reads, so the totals match the snapshots.
--
-- KEYS[1] live last hash (room -> highest total broadcast)
-- KEYS[2], KEYS[3], ... each room's counts hash (field "total")
-- ARGV[1], ARGV[2], ... the rooms, in the order of their counts hashes
--
-- Returns {previous mark, total, previous mark, total, ...}; -1 for a room never
-- broadcast.

local out = {}
for i = 1, #ARGV do
  local room = ARGV[i]
  local total = tonumber(redis.call('HGET', KEYS[i + 1], 'total') or '0')
  local prev = tonumber(redis.call('HGET', KEYS[1], room) or '-1')
  if total > prev then redis.call('HSET', KEYS[1], room, total) end
  table.insert(out, prev)
  table.insert(out, total)
end
return out
