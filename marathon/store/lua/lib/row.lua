-- The compare table's row of a marathon: its descriptive fields, rebuilt from its meta
-- hash `meta` (KEYS[1] when not given).
local function row(meta)
  local f = redis.call('HMGET', meta or KEYS[1], 'title', 'group', 'starts', 'ends',
                       'duration', 'tz', 'closed', 'gid')
  return cjson.encode({title = f[1], group = cjson.decode(f[2]), starts = tonumber(f[3]),
                       ends = tonumber(f[4]), duration = tonumber(f[5]), tz = f[6],
                       closed = tonumber(f[7]) or 0, gid = f[8] or ''})
end
