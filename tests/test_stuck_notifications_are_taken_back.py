"""A mail server or SMS provider that takes the connection and never answers holds no outbox row
and no queue: every send has a timeout, a send that outlived its claim is taken back and tried
again, SMS codes travel on a queue of their own, and staff and /healthz see what is stuck."""

import re
import socket
import threading
from datetime import timedelta

import pytest

import jobs
from infra import notifications
from models import Outbox, db, utcnow


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts every connection and never says a word: an SMTP
    server (or an SMS provider's API) that took the message and hangs."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self):
        for conn in self.connections:
            conn.close()  # a client still waiting (a send without a timeout) is released
        self.sock.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


class SilentProviderSms:
    """An SMS provider's client that waits for the provider's answer as long as it is told to."""

    port = None

    def send(self, phone, text, timeout):
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as conn:
            if not conn.recv(1):
                raise ConnectionError("provider closed the connection")


def _deliver_in_thread(app, job, ids, seconds=20):
    """Run a delivery job as a worker would; False when it is still running after `seconds`."""
    def work():
        with app.app_context(), db.database.connection_context():
            job(ids)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive()


def test_a_mail_server_that_never_answers_times_out_and_the_mail_is_retried(app, db_session, silent_server,
                                                                          monkeypatch):
    mailman = app.extensions["mailman"]
    assert mailman.timeout == app.config["MAIL_TIMEOUT"] == 30  # config.toml's timeout reaches the SMTP client
    monkeypatch.setattr(mailman, "port", silent_server.port)
    monkeypatch.setattr(mailman, "timeout", 1)  # the same, shorter for the test
    ids = notifications.queue("email_code", email="clerk@example.cn", payload={"code": "123456", "minutes": 5})
    assert _deliver_in_thread(app, notifications.deliver_mail, ids), "the send still hangs"
    row = Outbox.get_by_id(ids[0])
    assert (row.status, row.tries) == ("pending", 1)
    assert "timed out" in row.last_error and row.next_try_at > utcnow()  # retried later, with backoff


def test_an_sms_provider_that_never_answers_is_given_the_configured_timeout(app, db_session, silent_server,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "SMS_SENDER", f"{__name__}:SilentProviderSms")
    monkeypatch.setitem(app.config, "SMS_TIMEOUT", 1)
    monkeypatch.setattr(SilentProviderSms, "port", silent_server.port)
    ids = notifications.queue("sms_code", phone="13912345678", payload={"code": "654321", "minutes": 5})
    assert _deliver_in_thread(app, notifications.deliver_sms, ids), "the send still hangs"
    row = Outbox.get_by_id(ids[0])
    assert (row.status, row.tries) == ("pending", 1) and "timed out" in row.last_error


def test_a_send_that_never_finished_is_taken_back_and_delivered_by_the_periodic_job(app, db_session):
    """A worker took the rows and died mid-send (or its provider never answered): the rows
    stayed 发送中. Past their claim the periodic job takes them back, the try counted."""
    ids = notifications.queue("sms_code", phone="13912345678", payload={"code": "111222", "minutes": 5})
    ids += notifications.queue("email_code", email="clerk@example.cn", payload={"code": "111222", "minutes": 5})
    Outbox.update(status="sending", next_try_at=utcnow() - timedelta(minutes=1)).where(Outbox.id.in_(ids)).execute()
    jobs.run_periodic_once()
    for row in Outbox.select().where(Outbox.id.in_(ids)):
        assert (row.status, row.tries) == ("sent", 2), (row.channel, row.status, row.last_error)


def test_a_send_still_within_its_claim_is_left_alone_and_one_past_its_last_try_fails(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_MAX_TRIES", 3)
    busy, hopeless = (notifications.queue("sms_code", phone=f"1391234567{n}", payload={"code": "1", "minutes": 5})[0]
                      for n in (1, 2))
    Outbox.update(status="sending", next_try_at=utcnow() + timedelta(minutes=4)).where(Outbox.id == busy).execute()
    Outbox.update(status="sending", tries=2, next_try_at=utcnow() - timedelta(seconds=1)).where(
        Outbox.id == hopeless).execute()
    notifications.deliver_sms()
    assert Outbox.get_by_id(busy).status == "sending"  # another worker is sending it right now
    row = Outbox.get_by_id(hopeless)
    assert (row.status, row.tries) == ("failed", 3) and row.last_error == "发送超时：超过5分钟未完成"


def test_a_registration_code_goes_to_the_sms_queue_not_behind_the_mail(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_MODE", "rq")
    monkeypatch.setitem(app.config, "REDIS_URL", "")  # rq on the process's own fake Redis: no other run's jobs
    sms_queue, mail_queue = jobs._queue("sms"), jobs._queue("mail")
    before = len(sms_queue), len(mail_queue)
    mail = notifications.queue("email_code", email="clerk@example.cn", payload={"code": "1", "minutes": 5})
    notifications.deliver_soon(mail)  # a mail waits on the "mail" queue (its server may be slow)
    resp = client.post("/sms-code", data={"phone": "13912345678", "purpose": "register"})
    assert resp.status_code == 200 and resp.get_json()["ok"] is True
    assert (len(sms_queue) - before[0], len(mail_queue) - before[1]) == (1, 1)
    sms_queue.jobs[-1].perform()  # what `flask zlcp worker --queue sms` does with it
    code = Outbox.get(Outbox.channel == "sms", Outbox.recipient == "13912345678")
    assert code.status == "sent" and "您的验证码为" in code.body
    assert Outbox.get_by_id(mail[0]).status == "pending"
    usage = app.test_cli_runner().invoke(args=["zlcp", "worker", "--help"]).output
    assert "--queue" in usage and "sms" in usage


def _outbox_rows():
    """One row in each situation staff must tell apart; returns the stuck rows' recipients."""
    now = utcnow()
    rows = {
        "13900000001": {"status": "sending", "next_try_at": now - timedelta(minutes=1)},  # past its claim
        "13900000002": {"status": "pending", "next_try_at": now - timedelta(minutes=30)},  # no job running
        "13900000003": {"status": "sending", "next_try_at": now + timedelta(minutes=4)},  # being sent
        "13900000004": {"status": "pending", "next_try_at": now + timedelta(minutes=2)},  # waiting to retry
        "13900000005": {"status": "failed", "next_try_at": now},
        "13900000006": {"status": "sent", "next_try_at": now},
    }
    for phone, values in rows.items():
        Outbox.create(channel="sms", recipient=phone, template="sms_code", body="测试短信", **values)
    return {"13900000001", "13900000002"}


def test_staff_see_how_many_notifications_are_stuck_or_failed_and_list_them(client, make, login):
    stuck = _outbox_rows()
    login(make.staff("admin"))
    html = client.get("/admin/outbox/").get_data(as_text=True)
    summary = re.search(r'<div class="mb-3" id="delivery-summary">(.*?)</div>', html, re.DOTALL).group(1)
    counts = dict(re.findall(r'>\s*(\S+) <span class="badge badge-light">(\d+)</span>', summary))
    assert counts == {"待发送": "2", "发送中": "2", "卡住": "2", "发送失败": "1"}
    link = re.search(r'<a href="([^"]+)"[^>]*>\s*卡住 ', summary).group(1).replace("&amp;", "&")
    listed = client.get(link).get_data(as_text=True)
    assert {p for p in re.findall(r"139000000\d\d", listed)} == stuck


def test_healthz_counts_stuck_and_failed_notifications(client, db_session):
    _outbox_rows()
    resp = client.get("/healthz")
    data = resp.get_json()
    assert resp.status_code == 200 and data["ok"] is True  # the site still serves
    assert data["outbox"] == {"pending": 2, "sending": 2, "stuck": 2, "failed": 1}
    assert {"outbox_stuck", "outbox_failed"} <= set(data["problems"])
