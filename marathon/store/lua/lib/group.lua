-- A marathon's group (see domain/groups.py): `match` maps the group's identity (name,
-- city, country, folded) to its group id; `list` lists the group's marathons (marathon
-- id -> edition id).

-- Whether the identity still names `gid` (`mode` "old") or no group yet ("new"), as the
-- caller read it before choosing `gid`.
local function group_as_read(match, gid, mode)
  local current = redis.call('GET', match)
  if mode == 'new' then return current == false end
  return current == gid
end

local function attach_group(match, list, gid, mid, eid)
  redis.call('SET', match, gid)
  redis.call('HSET', list, mid, eid)
end
