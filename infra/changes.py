"""The counter of changes to what the public pages show.

Every change to public data (a reindex, a patent import that changes names or legal
statuses) adds one to it inside the changing transaction; the public pages kept by
public_site/page_cache.py are filed under its value, so a change shows on the next request
after its commit.
"""

import time

from models import Sequence

GENERATION = "search-index"


_generation = {"value": None, "read_at": 0.0}  # this process's last reading


def touch():
    """Say that what the public pages show has changed (inside the caller's transaction)."""
    Sequence.take(GENERATION, lambda: 0)
    _generation["value"] = None  # this process reads it afresh next time


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
