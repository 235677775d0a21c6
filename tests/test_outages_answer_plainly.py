"""When PostgreSQL or Redis is down the site says so in a way its callers understand: /healthz
answers 503 (a load balancer takes the process out), the open-data API answers JSON in its own
error shape, and a registration code is still sent though Redis does not answer. Each outage is
a fresh app process pointed at a port where nothing listens."""

from app_processes import app_env, free_port, run_app

from models import Outbox, SmsCode

DEAD_POSTGRES = "postgresql://postgres@127.0.0.1:1/zlcp"


def test_with_the_database_down_healthz_answers_503_and_the_api_answers_json(app):
    answers, _log = run_app(app_env(app, DATABASE_URL=DEAD_POSTGRES), """
        answers = {}
        for path in ("/healthz", "/api/v1/products", "/api/v1/products/AbCdEf123"):
            resp = client.get(path)
            answers[path] = [resp.status_code, resp.mimetype, resp.get_json(silent=True), resp.get_data(as_text=True)]
        print(json.dumps(answers))
    """)
    status, mimetype, data, _body = answers["/healthz"]
    assert (status, mimetype) == (503, "application/json")
    assert data["ok"] is False and data["database"] == "error: OperationalError" and "database" in data["problems"]
    for path in ("/api/v1/products", "/api/v1/products/AbCdEf123"):
        status, mimetype, data, body = answers[path]
        assert (status, mimetype) == (503, "application/json"), (path, body[:300])
        assert data == {"error": "服务暂时不可用，请稍后再试"}


def test_with_redis_down_a_registration_code_is_still_sent(app, db_session):
    phone = "13912345670"
    answers, log = run_app(app_env(app, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"), f"""
        resp = client.post("/sms-code", data={{"phone": "{phone}", "purpose": "register"}})
        health = client.get("/healthz")
        print(json.dumps([resp.status_code, resp.get_json(), health.status_code, health.get_json()]))
    """)
    status, data, health_status, health = answers
    assert status == 200 and data["ok"] is True and data["message"] == "验证码已发送，请注意查收短信", data
    assert "runs in this process" in log  # the operator is told why
    assert SmsCode.select().where(SmsCode.phone == phone).count() == 1
    sms = Outbox.get(Outbox.channel == "sms", Outbox.recipient == phone)
    assert sms.status == "sent" and "您的验证码为" in sms.body
    # the process still serves (200) and says what is missing
    assert health_status == 200 and health["ok"] is True and health["queue"].startswith("error")
    assert "queue" in health["problems"]
