"""Background jobs: rq on Redis in production, threads in process when no Redis is set.

Every job is named in JOBS and takes ids or plain values, never objects; every job is
idempotent. `run(name, *args)` is what a worker executes: it enters the app (the one
init_app() was given: `flask zlcp worker` builds it before it starts rq's worker), opens a
database connection and calls the function. Jobs are named by "module:function" strings and
loaded when they run, so this module imports no module that queues jobs. Long jobs report
progress with `progress(done, total)`; pages read it with `status(job_id)`.

Modes (config JOBS_MODE, "" = auto):
- "rq": Queue per purpose (sms, default, mail, docs) on REDIS_URL; `make worker` runs
  `flask zlcp worker` (rq's worker with its scheduler), a second worker for the "sms" queue
  alone (codes never wait behind a slow mail server) and `rq cron cron_config.py` runs
  PERIODIC. When Redis does not answer, enqueue() runs the job in a thread of this process
  instead (logged) rather than fail the request that asked for it.
- "thread": the job runs in a thread of this process; rq's own bookkeeping (status,
  meta) lives in an in-process fake Redis so pages read progress the same way.
  `flask zlcp serve` also runs PERIODIC from a scheduler thread.
- "sync": the job runs at once in the caller (tests).
"""

import importlib
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import fakeredis
from flask import current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job

from models import db

log = logging.getLogger("zlcp.jobs")

# A worker serving several queues takes from the first non-empty one: SMS codes first.
QUEUES = ("sms", "default", "mail", "docs")

# name -> "module:function"
JOBS = {
    "notifications.deliver": "infra.notifications:deliver",
    "notifications.deliver_sms": "infra.notifications:deliver_sms",
    "notifications.deliver_mail": "infra.notifications:deliver_mail",
    "patents.import": "domain.patents:import_job",
    "reference.import": "domain.reference_data:import_job",  # 基础数据: a catalogue CSV from the back office
    "patents.auto_import": "domain.patents:auto_import",
    "patents.sync_status": "domain.filing.watch:daily",
    "accounts.purge": "domain.accounts:purge_expired",
    "objections.purge": "domain.objections.intake:forget_unsent_attachments",  # 公众异议 forms never sent
    "calendar.remind": "domain.statistics:remind_calendar_missing",
    "updates.remind": "domain.updates.reminders:remind",
    "recognition.daily": "domain.recognition.notices:daily",
    "recognition.documents": "domain.recognition.documents:generate",  # 认定证书, QR code, 认定标识
}
# The queue of each job that is not on "default".
JOB_QUEUES = {"notifications.deliver": "mail", "notifications.deliver_mail": "mail", "notifications.deliver_sms": "sms",
              "recognition.documents": "docs"}

# Periodic jobs: (job name, queue, seconds between runs or None, cron expression or None).
PERIODIC = (
    ("notifications.deliver_sms", "sms", 60, None),  # retries undelivered SMS, takes back stuck sends
    ("notifications.deliver_mail", "mail", 60, None),  # the same for e-mail and 站内消息
    ("patents.sync_status", "default", 86400, "30 2 * * *"),  # daily legal-status update, 02:30
    ("accounts.purge", "default", 86400, "10 3 * * *"),  # ended sessions, expired captchas, old tries
    ("objections.purge", "default", 86400, "20 3 * * *"),  # attachments of objection forms never sent
    ("calendar.remind", "default", 86400, "0 9 * * *"),  # holiday arrangement missing: tell administrators, 09:00
    ("updates.remind", "default", 86400, "0 9 * * *"),  # 产品备案信息更新: window opened, 30/7/1 days left, 09:00
    ("recognition.daily", "default", 86400, "15 0 * * *"),  # notices over → 已认定, validity over → 已过期, 00:15
)

_state = {"executor": None, "fake": None, "app": None}
_lock = threading.Lock()


def init_app(app):
    app.extensions["zlcp_jobs"] = {"mode": mode(app)}
    _state["app"] = app


def mode(app=None):
    app = app or current_app
    configured = app.config.get("JOBS_MODE") or ""
    if configured:
        return configured
    return "rq" if app.config.get("REDIS_URL") else "thread"


def connection():
    """The Redis connection rq uses: the real one when REDIS_URL is set, else an
    in-process fake (thread and sync modes without Redis). A Redis that does not answer
    fails within seconds (rq's worker lengthens the read timeout for its own waits)."""
    if current_app.config.get("REDIS_URL"):
        return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)
    return _fake()


def _fake():
    with _lock:  # one fake server per process, whichever thread asks first
        if _state["fake"] is None:
            _state["fake"] = fakeredis.FakeStrictRedis(server=fakeredis.FakeServer())
    return _state["fake"]


def _queue(name, is_async=True, redis=None):
    return Queue(name, connection=redis or connection(), is_async=is_async)


def queue_of(name):
    return JOB_QUEUES.get(name, "default")


def resolve(name):
    module, _, func = JOBS[name].partition(":")
    return getattr(importlib.import_module(module), func)


def enqueue(name, *args, queue="default", started_by=None):
    """Run job `name` in the background; returns its job id. `started_by` (a user id) is
    kept with the job: status() shows the job to its starter only when asked to."""
    if name not in JOBS:
        raise KeyError(name)
    current = mode()
    job_id = uuid.uuid4().hex
    meta = {"job": name, "started_by": started_by}
    if current == "sync":
        _queue(queue, is_async=False).enqueue(run, name, *args, job_id=job_id, meta=meta)
    elif current == "thread":
        _in_thread(queue, name, args, job_id, meta)
    else:
        try:
            _queue(queue).enqueue(run, name, *args, job_id=job_id, job_timeout=3600, meta=meta)
        except RedisError as exc:  # Redis down: do the work here rather than lose it or fail the request
            log.warning("Redis unavailable (%s: %s): job %s runs in this process", exc.__class__.__name__, exc, name)
            _in_thread(queue, name, args, job_id, meta, redis=_fake())
    return job_id


def _in_thread(queue, name, args, job_id, meta, redis=None):
    app = current_app._get_current_object()
    _executor().submit(_run_in_thread, app, queue, name, args, job_id, meta, redis)


def _executor():
    with _lock:
        if _state["executor"] is None:
            _state["executor"] = ThreadPoolExecutor(max_workers=2, thread_name_prefix="zlcp-job")
    return _state["executor"]


def _run_in_thread(app, queue, name, args, job_id, meta, redis=None):
    with app.app_context():
        try:
            _queue(queue, is_async=False, redis=redis).enqueue(run, name, *args, job_id=job_id, meta=meta)
        except Exception:
            log.exception("job %s failed", name)


def run(name, *args):
    """Worker entry point: app context + database connection, then the job."""
    if has_app_context():
        with db.database.connection_context():
            return resolve(name)(*args)
    app = _state["app"]
    if app is None:
        raise RuntimeError("jobs.init_app() was not called: start workers with `flask zlcp worker`")
    with app.app_context(), db.database.connection_context():
        return resolve(name)(*args)


def progress(done, total, **extra):
    """Record progress of the current job (visible through status())."""
    job = get_current_job()
    if job is None:
        return
    job.meta.update({"done": done, "total": total, **extra})
    job.save_meta()


def status(job_id, name=None, started_by=None):
    """{'status': queued/started/finished/failed, 'done', 'total', 'result'} or None when
    there is no such job — nor, when they are given, a job `name` started by `started_by`
    (someone else's job does not exist for the one asking)."""
    try:
        job = Job.fetch(job_id, connection=connection())
    except NoSuchJobError:
        return None
    if name is not None and job.meta.get("job") != name:
        return None
    if started_by is not None and job.meta.get("started_by") != started_by:
        return None
    state = job.get_status(refresh=True)
    return {
        "status": str(getattr(state, "value", state)),
        "done": job.meta.get("done", 0),
        "total": job.meta.get("total", 0),
        "result": job.return_value() if state == "finished" else None,
        "error": (job.latest_result().exc_string or "")[-500:] if state == "failed" else "",
    }


def queue_length():
    if mode() == "rq":
        return sum(len(_queue(q)) for q in QUEUES)
    executor = _state["executor"]
    return executor._work_queue.qsize() if executor else 0


def run_periodic_once(now=None):
    """Run every periodic job once (used by the in-process scheduler and by tests)."""
    results = {}
    for name, _queue_name, _every, _cron in PERIODIC:
        results[name] = run(name)
    return results


def start_in_process_scheduler(app, tick=30):
    """Thread mode: run PERIODIC in a daemon thread of the serving process."""
    last_run = {}

    def loop():
        while True:
            now = time.monotonic()
            for name, _queue_name, every, _cron in PERIODIC:
                if every and now - last_run.get(name, 0) >= every:
                    last_run[name] = now
                    with app.app_context():
                        try:
                            run(name)
                        except Exception:
                            log.exception("periodic job %s failed", name)
            time.sleep(tick)

    thread = threading.Thread(target=loop, name="zlcp-scheduler", daemon=True)
    thread.start()
    return thread
