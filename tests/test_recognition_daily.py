"""The daily recognition job (manual §七, SPEC §7.3): a notice is recognised the day after its
last day and never on it; a notice that ended with an objection open stays 公示中 until the
objection is decided; recognitions are valid one year, the unit is reminded 30 days before and
told on the day they expire — once each, however often the job runs."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import outbox_texts
from test_public_products import filed_product

import jobs
import workflows
from domain.recognition import candidates as recognition_candidates
from domain.recognition import notices
from domain.transitions import one_year_from
from models import AuditLog, Objection, Outbox, Recognition, RecognitionRound
from workflows import RecognitionStatus

BEIJING = ZoneInfo("Asia/Shanghai")


def at(day, hour=10):
    return datetime(day.year, day.month, day.day, hour, tzinfo=BEIJING)


def in_notice(make, clock, start=date(2026, 6, 17)):
    clock(at(start))
    product = filed_product(make)
    rnd = RecognitionRound.create(year=start.year, name=f"{start.year}年度认定", filing_from=date(start.year, 1, 1),
                                  filing_to=date(start.year, 12, 31))
    recognition_candidates.start_notice_for(rnd, [product.id], make.staff("officer"))
    return Recognition.get(Recognition.product == product)


def run_daily(clock, day):
    clock(at(day, hour=0))
    return jobs.run("recognition.daily")


def test_a_notice_is_recognised_the_day_after_its_last_day_not_on_it(make, clock):
    rec = in_notice(make, clock)  # Wednesday 17 June 2026; 端午节 Friday 19 June
    assert rec.notice_end == date(2026, 7, 1)

    run_daily(clock, date(2026, 7, 1))
    assert Recognition.get_by_id(rec.id).status == RecognitionStatus.NOTICE

    assert run_daily(clock, date(2026, 7, 2))["recognitions"] == 1
    rec = Recognition.get_by_id(rec.id)
    assert rec.status == RecognitionStatus.RECOGNISED
    assert rec.valid_until == one_year_from(date(2026, 7, 2)) == date(2027, 7, 1)
    assert rec.certificate_number.startswith("ZLCP2026")

    assert run_daily(clock, date(2026, 7, 2)) == {"recognitions": 0, "held": 0, "expiries": 0, "reminders": 0}
    assert AuditLog.select().where(AuditLog.event == "recognise").count() == 1
    phone = rec.product.unit.user.phone
    assert outbox_texts("sms", phone).count(
        f"您的产品“{rec.product.name}”已认定为专利密集型产品，证书编号{rec.certificate_number}。") == 1


def test_a_notice_that_ends_with_an_objection_open_stays_in_notice_until_it_is_decided(make, clock):
    rec = in_notice(make, clock)
    objection = Objection.create(tracking_number="YY2026000001", recognition=rec, name="公众", phone="13900000000",
                                 email="public@example.cn", content="该产品未实施所关联专利")

    assert run_daily(clock, date(2026, 7, 2))["held"] == 1
    assert Recognition.get_by_id(rec.id).status == RecognitionStatus.NOTICE
    [row] = notices.notice_rows(notices.notice_query())
    assert row.held_by_objection and row.objections == 1 and row.days_left == 0

    workflows.apply(objection, "dismiss", make.staff("handler"), reason="经核查异议不成立")
    assert run_daily(clock, date(2026, 7, 3))["recognitions"] == 1
    assert Recognition.get_by_id(rec.id).status == RecognitionStatus.RECOGNISED


def test_working_days_left_count_today_and_skip_holidays(make, clock):
    clock(at(date(2026, 6, 17)))
    # 17 June (Wed) … 1 July: 18, 22–26, 29, 30, 1 July; 19 June is 端午节
    assert notices.working_days_left(date(2026, 7, 1)) == 10
    clock(at(date(2026, 6, 19)))
    assert notices.working_days_left(date(2026, 7, 1)) == 8
    assert notices.working_days_left(date(2026, 6, 18)) == 0


def test_validity_ends_after_a_year_with_a_reminder_30_days_before_and_a_message_on_the_day(make, clock):
    rec = in_notice(make, clock)
    run_daily(clock, date(2026, 7, 2))
    rec = Recognition.get_by_id(rec.id)
    valid_until = rec.valid_until
    phone = rec.product.unit.user.phone

    def sent(template):
        return Outbox.select().where(Outbox.template == template, Outbox.recipient == phone).count()

    run_daily(clock, valid_until - timedelta(days=31))
    assert sent("recognition_expiring") == 0
    for _ in range(2):
        run_daily(clock, valid_until - timedelta(days=30))
    run_daily(clock, valid_until - timedelta(days=3))
    assert sent("recognition_expiring") == 1
    assert outbox_texts("sms", phone)[-1] == (
        f"您的专利密集型产品“{rec.product.name}”（证书编号{rec.certificate_number}）认定有效期至"
        f"{valid_until.isoformat()}，即将到期。")

    run_daily(clock, valid_until)  # its last valid day
    assert Recognition.get_by_id(rec.id).status == RecognitionStatus.RECOGNISED
    for _ in range(2):
        run_daily(clock, valid_until + timedelta(days=1))
    assert Recognition.get_by_id(rec.id).status == RecognitionStatus.EXPIRED
    assert sent("recognition_expired") == 1 and sent("recognition_expiring") == 1
    assert AuditLog.select().where(AuditLog.event == "expire").count() == 1


def test_flask_zlcp_run_periodic_runs_the_recognition_job(app, make, clock):
    rec = in_notice(make, clock)
    clock(at(date(2026, 7, 2), hour=0))
    result = app.test_cli_runner().invoke(args=["zlcp", "run-periodic"])
    assert result.exit_code == 0, result.output
    assert "recognition.daily" in result.output
    assert Recognition.get_by_id(rec.id).status == RecognitionStatus.RECOGNISED


def test_the_daily_job_is_a_periodic_job():
    assert "recognition.daily" in {name for name, *_rest in jobs.PERIODIC}
