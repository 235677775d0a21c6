"""The counter of changes to what the public pages show.

Every change to public data (a reindex, a patent import that changes names or legal
statuses) adds one to it inside the changing transaction; the public pages kept by
public_site/page_cache.py are filed under its value, so a change shows on the next request
after its commit.

`kept(name, compute)` holds a figure computed from public data (the home page's counts and
lists, the counts of a filter-only search) once per value of the counter and Beijing date in
this process, so it is read again only after a public change, for every visitor alike.
"""

import time

from models import Sequence, today_shanghai

GENERATION = "search-index"


_generation = {"value": None, "read_at": 0.0}  # this process's last reading
_kept = {}  # name: ((generation, date), value)
MAX_KEPT = 256  # names kept at most (a filter-only search keeps one per grouping)


def touch():
    """Say that what the public pages show has changed (inside the caller's transaction)."""
    Sequence.take(GENERATION, lambda: 0)
    _generation["value"] = None  # this process reads it afresh next time
    _kept.clear()


def generation(max_age=0.0):
    """The number of changes to public data so far (the page cache's key). With max_age,
    a reading of this process at most that many seconds old will do: another process's
    change is then seen up to max_age seconds late, this process's own at once."""
    now = time.monotonic()
    value = _generation["value"]
    if value is None or now - _generation["read_at"] > max_age:
        value = Sequence.select(Sequence.last).where(Sequence.name == GENERATION).scalar() or 0
        _generation.update(value=value, read_at=now)
    return value


def kept(name, compute, max_age=1.0):
    """compute()'s value, computed again only after a public change (or on a new Beijing
    date): another process's change is seen up to max_age seconds late, like the page cache."""
    stamp = (generation(max_age=max_age), today_shanghai())
    found = _kept.get(name)
    if found is None or found[0] != stamp:
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        found = (stamp, compute())
        _kept[name] = found
    return found[1]
