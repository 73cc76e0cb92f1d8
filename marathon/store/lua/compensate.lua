-- Undo (by its participant) or void (by the host) one logged action: append a
-- compensating entry that points at the original and take its count back out of
-- every counter. Compensating twice is a no-op that answers "already".
--
-- KEYS: the same eighteen keys as log.lua, in the same order, then KEYS[19] team counters.
-- ARGV[1] sha256 of the bearer token   ARGV[2] client_id of the original action
-- ARGV[3] now (ms)   ARGV[4] "undo" or "void"   ARGV[5] reason ("" for an undo)
-- ARGV[6] late-sync grace (ms)   ARGV[7] marathon id   ARGV[8] comma-separated kinds
--
-- Returns {"ok"|"already", seq, stream id of the compensation, owner pid, counts, mine}
-- or {"err", code, ...}.
--
-- uses: tally

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

local prior = redis.call('HGET', KEYS[3], cid)
if not prior then return {'err', 'action_not_found'} end
local sid, fp, flag = string.match(prior, '^([^|]+)|([^|]+)|?(.*)$')
local entry = redis.call('XRANGE', KEYS[9], sid, sid)[1]
if not entry then return {'err', 'action_not_found'} end
local f = {}
for i = 1, #entry[2], 2 do f[entry[2][i]] = entry[2][i + 1] end
local pid, kind, case, n, hour = f['p'], f['k'], f['c'], tonumber(f['n']), f['h']
if actor ~= 'host' and actor ~= pid then return {'err', 'forbidden'} end

local function mine() return mine_of(pid, ARGV[8]) end

if flag ~= '' then
  return {'already', tonumber(redis.call('HGET', KEYS[4], 'seq')), flag, pid,
          redis.call('HGETALL', KEYS[4]), mine()}
end
if op == 'undo' then
  if redis.call('SISMEMBER', KEYS[8], actor) == 1 then return {'err', 'banned'} end
  if m[3] then return {'err', 'closed', m[1], m[2]} end
  if now > ends + grace then return {'err', 'too_late', m[1], m[2]} end
end

local seq = redis.call('HINCRBY', KEYS[4], 'seq', 1)
local counted = m[6] == 'verified'
add_count(mid, m[5], pid, kind, case, hour, -n, counted)

local csid = redis.call('XADD', KEYS[9], '*', 'op', op, 'p', pid, 'cid', cid, 'k', kind,
  'c', case, 'n', -n, 'w', f['w'], 'r', now, 'h', hour, 's', seq, 'why', ARGV[5], 'by', actor)
redis.call('HSET', KEYS[3], cid, sid .. '|' .. fp .. '|' .. csid)

-- The best hour may have been this one: take the maximum again (an undo is rare).
if counted then retake_best_hour(mid) end

return {'ok', seq, csid, pid, redis.call('HGETALL', KEYS[4]), mine()}
