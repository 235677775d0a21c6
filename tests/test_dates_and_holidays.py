"""Next year's holidays and make-up working days are published by the State Council late each
year and entered by an administrator. Until they are, administrators are warned (工作台, a
daily message) and a notice whose 10 working days run into that year is refused: its end date
is never guessed. Days the calendar makes awkward are handled too: 29 February, and the first
hours of 1 January in Beijing, which are still 31 December in UTC."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import PASSWORD, first_year_not_entered
from test_public_products import filed_product

import jobs
import workflows
from domain.filing.rules import FAIL, pre_review_checks
from infra.calendar import add_working_days
from models import AssetInfo, AuditLog, Message, Outbox, Recognition, RecognitionRound, User, last_fiscal_year
from workflows import GuardFailed, RecognitionStatus

BEIJING = ZoneInfo("Asia/Shanghai")


def at(day, hour=10):
    return datetime(day.year, day.month, day.day, hour, tzinfo=BEIJING)


def candidate(make, year):
    rnd = RecognitionRound.create(year=year, name=f"{year}年度认定", filing_from=date(year, 1, 1),
                                  filing_to=date(year, 12, 31))
    return Recognition.create(product=filed_product(make), round=rnd)


@pytest.mark.parametrize("start", ["12-21 of the year before", "03-15 of the year itself"])
def test_an_officer_cannot_start_a_notice_whose_working_days_reach_a_year_not_entered(make, clock, enter_holidays,
                                                                                       start):
    year = first_year_not_entered()
    # late December: the notice ends in January; or already in that year, nobody having entered it
    today = date(year - 1, 12, 21) if start.endswith("before") else date(year, 3, 15)
    clock(at(today))
    rec = candidate(make, today.year)
    officer = make.staff("officer")

    with pytest.raises(GuardFailed) as refused:
        workflows.apply(rec, "start_notice", officer)
    assert str(refused.value.message) == (
        f"{year}年的法定节假日安排尚未录入，无法计算公示截止日期（公示期为10个工作日）。"
        "请系统管理员在“基础数据”中录入该年的法定节假日并登记“已录入节假日年份”后，再开始公示。")
    rec = Recognition.get_by_id(rec.id)
    assert (rec.status, rec.notice_start, rec.notice_end) == (RecognitionStatus.CANDIDATE, None, None)
    assert not AuditLog.select().where(AuditLog.object_type == "recognition").exists()
    assert not Outbox.select().where(Outbox.template == "notice_started").exists()

    enter_holidays(year, {date(year, 1, 1): False})  # 元旦
    rec = workflows.apply(rec, "start_notice", officer)
    assert rec.status == RecognitionStatus.NOTICE and rec.notice_start == today
    assert rec.notice_end == add_working_days(today, 10) and rec.notice_end.year == year
    assert rec.notice_end != date(year, 1, 1)


def dashboard(app, user):
    client = app.test_client()
    assert client.post("/admin/login", data={"identity": user.username, "password": PASSWORD}).status_code == 302
    resp = client.get("/admin/")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_from_1_november_administrators_see_that_next_years_holidays_are_missing(app, make, clock, enter_holidays):
    year = first_year_not_entered()
    admin, officer = make.staff("admin"), make.staff("officer")
    warning = f"{year}年的法定节假日安排尚未录入"

    clock(at(date(year - 1, 10, 31), 23))
    html = dashboard(app, admin)
    assert "您好" in html and warning not in html and "data-calendar-missing" not in html

    clock(at(date(year - 1, 11, 1), 8))
    html = dashboard(app, admin)
    assert warning in html and f'data-calendar-missing="{year}"' in html
    assert 'href="/admin/holidays/"' in html and 'href="/admin/calendar/"' in html
    assert warning not in dashboard(app, officer)  # administrators keep the calendar

    enter_holidays(year, {date(year, 1, 1): False})
    assert warning not in dashboard(app, admin)


def reminders():
    return list(Outbox.select().where(Outbox.template == "calendar_missing").order_by(Outbox.id))


def test_the_daily_job_tells_each_administrator_once_a_day_until_the_year_is_entered(make, clock, enter_holidays):
    year = first_year_not_entered()
    admins = [make.staff("admin"), make.staff("admin")]
    retired = make.staff("admin")
    User.update(active=False).where(User.id == retired.id).execute()
    make.staff("reviewer")

    clock(at(date(year - 1, 10, 31)))
    jobs.run_periodic_once()
    assert reminders() == []  # not due before 1 November

    clock(at(date(year - 1, 11, 2), 7))  # 23:00 UTC on 1 November
    jobs.run_periodic_once()
    clock(at(date(year - 1, 11, 2), 9))  # the same Beijing day, the next UTC day: a second worker, a rerun
    jobs.run_periodic_once()
    rows = reminders()
    assert sorted((r.user_id, r.channel) for r in rows) == sorted(
        (a.id, channel) for a in admins for channel in ("email", "inbox"))
    assert {r.status for r in rows} == {"sent"}
    assert {r.recipient for r in rows if r.channel == "email"} == {a.email for a in admins}
    for admin in admins:
        (message,) = Message.select().where(Message.user == admin)
        assert message.title == f"请录入{year}年法定节假日安排"
        assert message.body.startswith(f"{year}年的法定节假日安排尚未录入。")

    clock(at(date(year - 1, 11, 3), 9))
    jobs.run_periodic_once()
    assert len(reminders()) == 2 * len(rows)  # the next day: once more

    enter_holidays(year, {date(year, 1, 1): False})
    clock(at(date(year - 1, 11, 4), 9))
    jobs.run_periodic_once()
    assert len(reminders()) == 2 * len(rows)  # entered: nothing more


def test_a_product_recognised_on_29_february_is_valid_until_28_february_next_year(make, clock):
    clock(at(date(2028, 2, 29)))
    rec = candidate(make, 2028)
    Recognition.update(status=RecognitionStatus.NOTICE, notice_start=date(2026, 6, 1),
                       notice_end=date(2026, 6, 12)).where(Recognition.id == rec.id).execute()
    rec = workflows.apply(Recognition.get_by_id(rec.id), "recognise", workflows.SYSTEM)
    assert rec.status == RecognitionStatus.RECOGNISED and rec.valid_until == date(2029, 2, 28)


def test_a_filing_submitted_at_2am_on_1_january_is_checked_against_the_year_just_ended(client, make, login,
                                                                                       clock):
    clock(datetime(2027, 1, 1, 2, 0, tzinfo=BEIJING))  # 2026-12-31 18:00 UTC
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year(), total_sales=5000, ip_investment=300)
    assert last_fiscal_year() == 2026  # what the portal asked the unit for, and the submit guard checked
    product = workflows.apply(make.complete_product(unit), "submit", unit.user)

    assert not [c.message for c in pre_review_checks(product) if c.level == FAIL]
    login(make.staff("reviewer"))
    html = client.get(f"/admin/review_products/{product.id}").get_data(as_text=True)
    assert "单位资产信息（2026年度）" in html and "缺少2025年度单位资产信息" not in html
