-- Void every action of one participant and ban them (the host's defence against an
-- outsider who joined with the code on the screen), or restore what such a void took.
-- Each voided action gets its own compensating entry, as a single void does, so the
-- stream still explains every count; a restore appends entries that add them back.
--
-- KEYS[1..18] the same keys as log.lua (KEYS[3] unused: no one client_id here)
-- KEYS[19] voids (hash: pid -> JSON list of the seqs of the log entries voided all at
-- once)   KEYS[20] audit (list)   KEYS[21] undone (hash: packed client_id -> seq of the
-- entry that compensated it; see compensate.lua)   KEYS[22] held (lib/envelope.lua)
-- KEYS[23] team counters (the last key: lib/tally.lua)
-- ARGV[1] marathon id   ARGV[2] participant id   ARGV[3] "void" or "restore"
-- ARGV[4] reason   ARGV[5] now (ms)   ARGV[6] audit entry (JSON)
-- ARGV[7] the envelope's actions per participant-hour (0: none)   ARGV[8] the host's
-- hourly tally bound: base   ARGV[9] ... plus this much per participant
--
-- A void takes back what each action still holds out of the edition; a restore goes
-- through the plausibility envelope like a new action (lib/envelope.lua).
--
-- Returns {"ok", how many actions, their total count} or {"err", "not_found"}.
--
-- uses: envelope, tally, entry

local mid, pid, op, why, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local m = redis.call('HMGET', KEYS[1], 'edition', 'state', 'starts', 'ends', 'created')
local raw = redis.call('HGET', KEYS[11], pid)
if not m[1] or not raw then return {'err', 'not_found'} end
local counted = m[2] == 'verified'
local actions, amount = 0, 0

-- Append the entry that takes back (sign -1) or gives back (+1) the action logged in
-- the entry `f` (see lib/entry.lua), and move every counter with it.
local function apply(f, sign, entry_op, seq_of_f)
  local n = sign * tonumber(f['n'])
  local x = 0
  if counted and sign < 0 then
    x = -held_back(KEYS[22], seq_of_f, f['x'], f['k'], f['c'])
  elseif counted and tonumber(ARGV[7]) > 0 then
    local envelope = envelope_at(tonumber(m[3]), tonumber(m[4]), now,
                                 redis.call('HLEN', KEYS[11]), tonumber(ARGV[7]),
                                 tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(m[5]))
    x = held_part(KEYS[22], n, tonumber(redis.call('HGET', KEYS[4], 'total') or '0'),
                  envelope)
  end
  local seq = redis.call('HINCRBY', KEYS[4], 'seq', 1)
  append_entry(KEYS[9], seq, {p = pid, cid = f['cid'], k = f['k'], c = f['c'], n = n,
                              written = f['written'], r = now, h = f['h'], op = entry_op,
                              by = 'host', why = why, x = x})
  if sign < 0 then
    redis.call('HSET', KEYS[21], f['cid'], seq)
  else
    redis.call('HDEL', KEYS[21], f['cid'])
  end
  add_count(mid, m[1], pid, f['k'], f['c'], f['h'], n, counted, nil, KEYS[22], x)
  actions, amount = actions + 1, amount + math.abs(n)
end

local person = cjson.decode(raw)
if op == 'void' then
  local voided = cjson.decode(redis.call('HGET', KEYS[19], pid) or '[]')
  local cursor = '-'
  while true do
    local chunk = redis.call('XRANGE', KEYS[9], cursor, '+', 'COUNT', 1000)
    for _, e in ipairs(chunk) do
      local f = {}
      for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
      if not f['op'] and f['p'] == pid and redis.call('HEXISTS', KEYS[21], f['cid']) == 0 then
        f['written'] = tonumber(f['r']) - tonumber(f['w'])
        local seq = tonumber(string.match(e[1], '^%d+'))
        apply(f, -1, 'void', seq)
        table.insert(voided, seq)
      end
    end
    if #chunk < 1000 then break end
    cursor = '(' .. chunk[#chunk][1]
  end
  if #voided > 0 then redis.call('HSET', KEYS[19], pid, cjson.encode(voided)) end
  person['x'] = true
  redis.call('SADD', KEYS[8], pid)
  redis.call('SADD', KEYS[7], pid)
  redis.call('ZREM', KEYS[6], pid)
else
  local voided = cjson.decode(redis.call('HGET', KEYS[19], pid) or '[]')
  for _, seq in ipairs(voided) do
    local f = read_entry(KEYS[9], seq)
    if f and redis.call('HEXISTS', KEYS[21], f['cid']) == 1 then
      apply(f, 1, 'restore', seq)
    end
  end
  redis.call('HDEL', KEYS[19], pid)
  person['x'] = false
  redis.call('SREM', KEYS[8], pid)
  if person['b'] then
    redis.call('SREM', KEYS[7], pid)
    redis.call('ZADD', KEYS[6], tonumber(redis.call('HGET', KEYS[5], pid) or '0'), pid)
  end
end
if counted and actions > 0 then retake_best_hour(mid) end
redis.call('HSET', KEYS[11], pid, cjson.encode(person))
redis.call('RPUSH', KEYS[20], ARGV[6])
redis.call('SADD', KEYS[12], 'm:' .. mid)
return {'ok', actions, amount}
