"""Outbox → delivery job: SMS to the log sender, e-mail to a real SMTP server on
127.0.0.1, 站内消息 to the message centre; failures are retried with backoff and
shown to staff."""

import os
from datetime import timedelta

import pytest

import jobs
from infra import notifications
from models import Message, Outbox, utcnow


def test_email_reaches_a_real_smtp_server(app, db_session, smtp_server):
    _controller, received = smtp_server
    received.clear()
    ids = notifications.queue("email_code", email="clerk@example.cn", payload={"code": "123456", "minutes": 5})
    notifications.deliver_soon(ids)
    row = Outbox.get_by_id(ids[0])
    assert row.status == "sent" and row.tries == 1
    assert len(received) == 1
    msg = received[0]
    assert msg["To"] == "clerk@example.cn"
    body = msg.get_payload(decode=True).decode(msg.get_content_charset())
    assert "您的验证码为123456，5分钟内有效" in body


def test_inbox_message_appears_in_the_message_centre_with_unread_count(client, make, login):
    user = make.unit_user()
    ids = notifications.queue("unit_approved", phone=user.phone, user=user)
    notifications.deliver(ids)
    assert Message.unread_count(user) == 1
    login(user)
    html = client.get("/portal/messages").get_data(as_text=True)
    assert "单位实名认证审核通过" in html and 'badge badge-danger">1<' in html
    msg = Message.get(Message.user == user)
    client.post(f"/portal/messages/{msg.id}/read")
    assert Message.unread_count(user) == 0


class BrokenSms:
    def send(self, phone, text, timeout):
        raise ConnectionError("provider unreachable")


def test_failed_delivery_is_retried_with_backoff_then_marked_failed(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_SENDER", f"{__name__}:BrokenSms")
    monkeypatch.setitem(app.config, "NOTIFY_MAX_TRIES", 2)
    ids = notifications.queue("sms_code", phone="13912345678", payload={"code": "000111", "minutes": 5})
    notifications.deliver(ids)
    row = Outbox.get_by_id(ids[0])
    assert (row.status, row.tries) == ("pending", 1)
    assert "provider unreachable" in row.last_error
    assert row.next_try_at > utcnow() + timedelta(seconds=90)  # 2 minutes of backoff
    assert notifications.deliver()["failed"] == 0  # not due yet: nothing attempted
    Outbox.update(next_try_at=utcnow()).where(Outbox.id == row.id).execute()
    jobs.run_periodic_once()  # the periodic retry job
    row = Outbox.get_by_id(row.id)
    assert (row.status, row.tries) == ("failed", 2)
    monkeypatch.setitem(app.config, "SMS_SENDER", "log")
    assert notifications.retry_failed([row.id]) == 1
    notifications.deliver()
    assert Outbox.get_by_id(row.id).status == "sent"


def test_delivery_is_idempotent(app, db_session):
    ids = notifications.queue("sms_code", phone="13912345678", payload={"code": "222333", "minutes": 5})
    assert notifications.deliver(ids)["sent"] == 1
    assert notifications.deliver(ids)["sent"] == 0
    assert Outbox.get_by_id(ids[0]).tries == 1


def test_job_progress_is_readable_by_id(app, db_session, monkeypatch):
    def counting(n):
        for i in range(1, n + 1):
            jobs.progress(i, n)
        return n

    monkeypatch.setitem(jobs.JOBS, "test.counting", f"{__name__}:_counting")
    globals()["_counting"] = counting
    job_id = jobs.enqueue("test.counting", 3)
    state = jobs.status(job_id)
    assert state["status"] == "finished"
    assert (state["done"], state["total"], state["result"]) == (3, 3, 3)


@pytest.mark.skipif(not os.environ.get("ZLCP_TEST_REDIS_URL"), reason="Redis not configured")
def test_rq_worker_on_real_redis_delivers_the_outbox(app, db_session, monkeypatch):
    from rq import SimpleWorker

    monkeypatch.setitem(app.config, "JOBS_MODE", "rq")
    ids = notifications.queue("sms_code", phone="13912345678", payload={"code": "454545", "minutes": 5})
    job_id = jobs.enqueue("notifications.deliver", ids, queue="mail")
    assert jobs.status(job_id)["status"] == "queued"
    assert Outbox.get_by_id(ids[0]).status == "pending"
    worker = SimpleWorker([jobs._queue("mail")], connection=jobs.connection())
    worker.work(burst=True)
    assert jobs.status(job_id)["status"] == "finished"
    assert Outbox.get_by_id(ids[0]).status == "sent"


def test_thread_mode_runs_jobs_in_the_background(app, db_session, monkeypatch):
    import time

    monkeypatch.setitem(app.config, "JOBS_MODE", "thread")
    monkeypatch.setitem(app.config, "REDIS_URL", "")
    ids = notifications.queue("sms_code", phone="13912345678", payload={"code": "777888", "minutes": 5})
    job_id = jobs.enqueue("notifications.deliver", ids, queue="mail")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (jobs.status(job_id) or {}).get("status") != "finished":
        time.sleep(0.05)
    assert jobs.status(job_id)["status"] == "finished"
    assert Outbox.get_by_id(ids[0]).status == "sent"
