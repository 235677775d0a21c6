"""Periodic jobs for `rq cron cron_config.py` (production; see jobs.PERIODIC)."""

from rq import cron

import jobs

for name, queue_name, every, expression in jobs.PERIODIC:
    cron.register(jobs.run, queue_name, args=(name,), interval=None if expression else every,
                  cron=expression, name=name)
