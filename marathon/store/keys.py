"""Every Redis key name, in one place.

All keys of one marathon share the hash tag ``{<marathon id>}``, and an edition's keys
``{<edition id>}``. The write scripts do *not* stay in one slot: ``log.lua`` also moves
the edition's indexes, marks ``live:changed`` and counts the address's rate-limit window,
so the data set runs on one Redis (or a primary with replicas), not Redis Cluster.
Sharding by marathon would first need the edition writes moved out of the marathon's
script (docs/capacity.md says when that matters). Nothing outside this module formats
a key.
"""

from __future__ import annotations

import hashlib
import zlib

# Global keys.
EPOCH = "epoch"  # random id of this data set; changes when Redis was wiped
EDITIONS = "editions"  # hash: edition id -> edition JSON
CURRENT_EDITION = "editions:current"  # string: id of the edition shown first
CHANGED = "live:changed"  # set of rooms ("m:<id>", "e:<id>") changed since last tick
LIVE_LAST = "live:last"  # hash: room -> total at the previous broadcast (milestones)
LIVE_LOCK = "live:lock"  # broadcaster tick lock
COORDINATORS = "coordinators"  # hash: email -> account JSON
SCHEMA = "schema"  # string: the data layout version `upgrade` brought the data set to


def join_code(code: str) -> str:
    """Map a join code to its marathon id."""
    return f"join:{code}"


def host_token(token_hash: str) -> str:
    """Map a hashed host token to its marathon id (for the secret host link)."""
    return f"host:{token_hash}"


def session(digest: str) -> str:
    """A browser session (JSON), named by the SHA-256 of the id in its cookie: the cookie
    alone opens it, and a copy of the data set gives no cookie."""
    return f"sess:{digest}"


def account_sessions(address: str) -> str:
    """The set of a coordinator's session digests, so logout or a new password ends them
    all. The e-mail is hashed: a key holds no address."""
    return f"acct:{{{_digest(address)}}}:sessions"


def login_failures(address: str) -> str:
    """hash: failed logins of one e-mail ("n") and until when it must wait ("until", ms),
    whether or not an account has it (the answer must not tell which exist)."""
    return f"acct:{{{_digest(address)}}}:failures"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def group_match(match_key: str) -> str:
    """Map a group's identity (`domain.groups.match_key`) to its group id. The identity is
    hashed: it is free text of any length and script, and a key needs neither."""
    return f"grp:key:{hashlib.sha256(match_key.encode()).hexdigest()[:32]}"


def group_marathons(gid: str) -> str:
    """The hash of a group's marathons: marathon id -> its edition id."""
    return f"grp:{{{gid}}}:marathons"


class MarathonKeys:
    """The keys of one marathon, all tagged with its id."""

    __slots__ = ("mid", "meta", "ptok", "idem", "counts", "mine", "board", "hidden",
                 "banned", "people", "log", "ph", "recv", "audit", "voids", "undone", "teams",
                 "tcounts", "held")

    def __init__(self, mid: str) -> None:
        p = f"m:{{{mid}}}"
        self.mid = mid
        self.meta = f"{p}:meta"  # hash: marathon fields
        self.ptok = f"{p}:ptok"  # hash: sha256(participant token) -> participant id
        # Schema 2 and before: the one hash client_id -> "<stream id>|<fingerprint>[|<stream
        # id of the compensation>]". Only `upgrade` reads it now: see `idem` below.
        self.idem = f"{p}:idem"
        self.counts = f"{p}:counts"  # hash: seq, total, k:<kind>, c:<case>, h:<hour>
        self.mine = f"{p}:mine"  # hash: <pid> and <pid>:<kind> -> participant tally
        self.board = f"{p}:board"  # zset: visible participants by total
        self.hidden = f"{p}:hidden"  # set: participants kept off the board
        self.banned = f"{p}:banned"  # set: banned participants
        self.people = f"{p}:people"  # hash: participant id -> JSON (nickname, ...)
        self.log = f"{p}:log"  # stream: the append-only action log
        self.ph = f"{p}:ph"  # hash: "<hour>:<pid>" -> actions in that hour
        # hash, by the hour the server received them (ms // 3,600,000): "<hour>:<pid>"
        # actions of one participant (or "host"), "a:<hour>" all actions, "j:<hour>" joins
        self.recv = f"{p}:recv"
        self.audit = f"{p}:audit"  # list: JSON of every moderation decision (who, when, why)
        self.voids = f"{p}:voids"  # hash: pid -> JSON list of the seqs voided all at once
        # hash: packed client_id -> seq of the entry that undid or voided it (kept as long
        # as the stream: a void of all a participant did must skip what is already undone)
        self.undone = f"{p}:undone"
        self.teams = f"{p}:teams"  # hash: team id -> JSON {"n": name, "k": name's key}
        # hash, kept by the write scripts: "<team id>" its members' total, "<team id>:p"
        # its members (a participant's team is "t" in their `people` entry)
        self.tcounts = f"{p}:tcounts"
        # hash, kept by the write scripts (lua/lib/envelope.lua): "total", "k:<kind>",
        # "c:<case>" what a verified marathon logged beyond its plausibility envelope,
        # held out of its edition; "ok" its edition share at its last verification; "rel"
        # the seq of the last entry that verification released
        self.held = f"{p}:held"

    def all(self) -> list[str]:
        return [getattr(self, name) for name in self.__slots__[1:]] + idem_buckets(self.mid)


class EditionKeys:
    """The per-edition indexes kept by the write scripts."""

    __slots__ = ("eid", "counts", "totals", "per_participant", "marathons", "rows", "stats",
                 "rev", "touched", "live_seq", "milestones", "every", "review", "policy",
                 "regions")

    def __init__(self, eid: str) -> None:
        p = f"e:{{{eid}}}"
        self.eid = eid
        self.counts = f"{p}:counts"  # hash: total, k:<kind>, c:<case>
        self.totals = f"{p}:totals"  # zset: marathon id -> total
        self.per_participant = f"{p}:pp"  # zset: marathon id -> total / participants
        # Only verified marathons are in counts, totals, per_participant, marathons, rows
        # and stats (see lua/lib/edition.lua); `every` and `review` list all of them.
        self.marathons = f"{p}:marathons"  # zset: verified marathon id -> starts_at (ms)
        self.every = f"{p}:every"  # zset: every marathon id -> starts_at (ms)
        self.review = f"{p}:review"  # zset: pending marathon id -> registered at (ms)
        # hash: "registration" review|code|open, "code" sha256 of the registration code
        self.policy = f"{p}:policy"
        # The compare table's indexes (issue 8), kept by the same write scripts:
        self.rows = f"{p}:rows"  # hash: marathon id -> JSON of its descriptive fields
        # hash: "<mid>:p" participants, "<mid>:b" best hour, "<mid>:k:<kind>", "<mid>:c:<case>",
        # and "~v", bumped by every write that changes it (readers cache until it moves)
        self.stats = f"{p}:stats"
        self.rev = f"{p}:rev"  # string: bumped whenever a row of `rows` changes
        # zset: marathon id -> the stats "~v" of its last write (readers catch up from it)
        self.touched = f"{p}:touched"
        # The live edition room (issue 4), kept by the broadcaster:
        self.live_seq = f"{p}:live_seq"  # string: seq of the edition's live snapshots
        self.milestones = f"{p}:milestones"  # list: JSON of marathons' recent milestones
        # string: JSON of the edition's region shapes for the live map (issue 19), kept
        # apart from the edition that every request reads
        self.regions = f"{p}:regions"

    def code_tries(self, hour: int) -> str:
        """string: registrations that gave a registration code in hour `hour` (epoch hours),
        expiring after it; beyond the edition's limit a code is not even checked."""
        return f"e:{{{self.eid}}}:code_tries:{hour}"


# A marathon's idempotency keys are spread over this many small hashes, so that each stays
# listpack-encoded (Redis's compact encoding: ~30 bytes a key instead of ~80 in a
# hashtable) while it holds at most `hash-max-listpack-entries` keys (512 by default):
# up to ~7,000 actions a marathon (~1,700 where a server is set to 128); past that its
# buckets turn into hashtables one by one, which costs memory and nothing else.
IDEM_BUCKETS = 16


def idem(mid: str, packed_client_id: str) -> str:
    """The hash holding this client_id's idempotency key: packed client_id -> the seq of
    its stream entry. It expires with the marathon's late-sync grace (see log.lua)."""
    return _idem_bucket(mid, zlib.crc32(packed_client_id.encode()) % IDEM_BUCKETS)


def idem_buckets(mid: str) -> list[str]:
    """Every idempotency hash of a marathon (see `idem`)."""
    return [_idem_bucket(mid, n) for n in range(IDEM_BUCKETS)]


def _idem_bucket(mid: str, n: int) -> str:
    return f"m:{{{mid}}}:idem:{n}"


def token_window(mid: str, token_hash: str, window: int) -> str:
    """A participant's (or host's) requests over a rate-limit window of `window` ms (a
    hash of sub-buckets, lua/lib/budget.lua), tagged with the marathon so the log
    script's keys stay together."""
    return f"m:{{{mid}}}:rl:{token_hash[:16]}:{window}"


def address_window(address: str, window: int) -> str:
    """The counted actions from one address over a window of `window` ms (sub-buckets)."""
    return f"ra:{address[:64]}:{window}"


def join_window(mid: str, window: int) -> str:
    """The joins of a marathon, from every address, over a window of `window` ms."""
    return f"m:{{{mid}}}:jb:{window}"


def join_address_window(mid: str, address: str, window: int) -> str:
    """The joins of a marathon from one address over a window of `window` ms."""
    return f"m:{{{mid}}}:ja:{address[:64]}:{window}"


def marathon_room(mid: str) -> str:
    return f"m:{mid}"


def phone_room(mid: str) -> str:
    """The room of a marathon's phones: they need its total, not the big screen's snapshot."""
    return f"p:{mid}"


def edition_room(eid: str) -> str:
    return f"e:{eid}"
