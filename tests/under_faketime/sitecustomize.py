"""Loaded by every Python process of a test run under `faketime` (tests/conftest.py puts this
folder on PYTHONPATH and leaves libfaketime's monotonic clock real, so that timed waits end).
libfaketime 0.9.10 then refuses Python's `time.sleep` (an absolute clock_nanosleep on the
monotonic clock: EINVAL); this sleeps by select() on that same, real, monotonic clock instead.
Nothing here is loaded by the application or outside such a run."""

import os

if "faketime" in os.environ.get("LD_PRELOAD", "") and os.environ.get("DONT_FAKE_MONOTONIC") == "1":
    import select
    import time

    def _sleep(seconds):
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            select.select([], [], [], left)

    time.sleep = _sleep
