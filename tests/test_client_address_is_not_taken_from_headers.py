"""The client's address (audit log, SMS-code caps, rate limits) is the one that connected; a
forwarded header counts only from the proxies PROXY_FIX names, never from whoever sends it."""

from app_processes import app_env, run_app

import workflows
from models import AuditLog, SmsCode

FORGED = {"X-Real-IP": "6.6.6.6", "X-Forwarded-For": "6.6.6.6"}


def test_a_reviewer_cannot_write_another_address_into_the_audit_log(client, make, login):
    unit = make.complete_unit()
    unit = workflows.apply(unit, "submit", unit.user)
    login(make.staff("reviewer"))
    resp = client.post(f"/admin/review_units/{unit.id}", data={"event": "approve"}, headers=FORGED)
    assert resp.status_code == 302
    entry = AuditLog.get(AuditLog.object_type == "unit", AuditLog.object_id == unit.id, AuditLog.event == "approve")
    assert entry.ip == "127.0.0.1"  # the test client's own address


def test_a_visitor_cannot_spread_sms_codes_over_made_up_addresses(client, db_session):
    resp = client.post("/sms-code", data={"phone": "13912345671", "purpose": "register"}, headers=FORGED)
    assert resp.status_code == 200
    assert SmsCode.get(SmsCode.phone == "13912345671").ip == "127.0.0.1"


def test_behind_one_trusted_proxy_the_address_it_saw_is_used(app, db_session):
    """nginx appends the address it saw to X-Forwarded-For; what the client put before it is
    ignored, and X-Real-IP is not read at all."""
    answers, _log = run_app(app_env(app, PROXY_FIX={"x_for": 1, "x_proto": 1}, JOBS_MODE="sync"), """
        resp = client.post("/sms-code", data={"phone": "13912345672", "purpose": "register"},
                           headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.9", "X-Real-IP": "6.6.6.6",
                                    "X-Forwarded-Proto": "https"})
        print(json.dumps(resp.status_code))
    """)
    assert answers == 200
    assert SmsCode.get(SmsCode.phone == "13912345672").ip == "203.0.113.9"
