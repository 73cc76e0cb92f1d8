-- Undo (by its participant) or void (by the host) one logged action: append a
-- compensating entry that points at the original and take its count back out of
-- every counter. Compensating twice is a no-op that answers "already".
--
-- KEYS[1..18] the same keys as log.lua, in the same order (KEYS[3]: the idempotency
-- bucket of the original's client_id)   KEYS[19] undone (hash: packed client_id -> seq
-- of the entry that compensated it)   KEYS[20] held (lib/envelope.lua)
-- KEYS[21] team counters (the last key: lib/tally.lua)
-- ARGV[1] sha256 of the bearer token   ARGV[2] client_id of the original action, packed
-- ARGV[3] now (ms)   ARGV[4] "undo" or "void"   ARGV[5] reason ("" for an undo)
-- ARGV[6] late-sync grace (ms)   ARGV[7] marathon id   ARGV[8] comma-separated kinds
--
-- Returns {"ok"|"already", seq, stream id of the compensation, owner pid, counts, mine}
-- or {"err", code, ...}.
--
-- uses: envelope, tally, entry

local tok, cid, now, op = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local grace, mid = tonumber(ARGV[6]), ARGV[7]

local m = redis.call('HMGET', KEYS[1], 'starts', 'ends', 'closed', 'host', 'edition', 'state')
if not m[1] then return {'err', 'not_found'} end
local ends = tonumber(m[2])

local actor = redis.call('HGET', KEYS[2], tok)
if not actor then
  if m[4] == tok then actor = 'host' else return {'err', 'unauthorized'} end
end
if op == 'void' and actor ~= 'host' then return {'err', 'forbidden'} end

local original = redis.call('HGET', KEYS[3], cid)
if not original then return {'err', 'action_not_found'} end
local f = read_entry(KEYS[9], original)
if not f then return {'err', 'action_not_found'} end
local pid, kind, case, n, hour = f['p'], f['k'], f['c'], tonumber(f['n']), f['h']
if actor ~= 'host' and actor ~= pid then return {'err', 'forbidden'} end

local function mine() return mine_of(pid, ARGV[8]) end

local undone = redis.call('HGET', KEYS[19], cid)
if undone then
  return {'already', tonumber(redis.call('HGET', KEYS[4], 'seq')), undone .. '-0', pid,
          redis.call('HGETALL', KEYS[4]), mine()}
end
if op == 'undo' then
  if redis.call('SISMEMBER', KEYS[8], actor) == 1 then return {'err', 'banned'} end
  if m[3] then return {'err', 'closed', m[1], m[2]} end
  if now > ends + grace then return {'err', 'too_late', m[1], m[2]} end
end

local counted = m[6] == 'verified'
-- What the original still holds out of the edition comes back out of the held amounts.
local x = counted and -held_back(KEYS[20], original, f['x'], kind, case) or 0
local seq = redis.call('HINCRBY', KEYS[4], 'seq', 1)
append_entry(KEYS[9], seq, {p = pid, cid = cid, k = kind, c = case, n = -n,
                            written = f['written'], r = now, h = hour, op = op, by = actor,
                            why = ARGV[5], x = x})
-- Kept as long as the stream: void_participant.lua reads it to skip what is compensated.
redis.call('HSET', KEYS[19], cid, seq)
add_count(mid, m[5], pid, kind, case, hour, -n, counted, nil, KEYS[20], x)

-- The best hour may have been this one: take the maximum again (an undo is rare).
if counted then retake_best_hour(mid) end

return {'ok', seq, seq .. '-0', pid, redis.call('HGETALL', KEYS[4]), mine()}
