-- The action log's entry layout, written by log.lua, compensate.lua and
-- void_participant.lua, read back by actions.decode_entry (and by upgrade.py, which
-- brings older streams to it).
--
-- An entry's id is "<seq>-0", seq being the marathon's sequence number of that write
-- (every write takes the next one, so ids increase as a stream's must). Its fields:
--   p    participant id ("host" for the host's tally)
--   cid  client_id, packed (actions.pack_client_id: 22 characters instead of 36)
--   k    kind   c  case id ("" for none: an empty value costs less than a missing field)
--   n    count (negative for an undo or a void)
--   w    how long before `r` the phone says it was written (ms; small, so stored short)
--   r    received: the server's time of the write (ms)
--   h    hour of the window it counts in (kept, not derived: the host may move the start)
-- then, only where they apply: op ("undo", "void" or "restore"; none for a logged
-- action), by (who compensated), why (a reason or a host's note), x (the part of `n`
-- held out of the edition: beyond the plausibility envelope, lib/envelope.lua).
-- Logged actions thus all carry the same fields in the same order, so a stream node
-- stores their names once (in its master entry) instead of in every entry.

-- The fields of the entry of `seq` in the stream `log` (nil when there is none), with
-- `written` (absolute ms) worked out.
local function read_entry(log, seq)
  local e = redis.call('XRANGE', log, seq .. '-0', seq .. '-0')[1]
  if not e then return nil end
  local f = {}
  for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
  f['written'] = tonumber(f['r']) - tonumber(f['w'])
  return f
end

-- Append the entry of `seq`: `a` holds p, cid, k, c, n, written, r, h and, optionally,
-- op, by, why and x. An entry with an id not above the stream's last is refused by Redis,
-- so callers append right after taking `seq`, before any counter moves.
local function append_entry(log, seq, a)
  local fields = {'p', a.p, 'cid', a.cid, 'k', a.k, 'c', a.c, 'n', a.n,
                  'w', a.r - a.written, 'r', a.r, 'h', a.h}
  for _, name in ipairs({'op', 'by', 'why', 'x'}) do
    if a[name] and a[name] ~= '' and a[name] ~= 0 then
      table.insert(fields, name)
      table.insert(fields, a[name])
    end
  end
  return redis.call('XADD', log, seq .. '-0', unpack(fields))
end
