"""认定管理 pages of the back office (manual §七): only the 认定管理 officer and administrators
enter; a round form with mistakes answers every one at its field, keeping what was typed; the
count of a bulk 开始公示 is recomputed on the server, on the confirmation page and again when
the notice starts; a missing holiday arrangement is told, not a 500; 撤销认定 needs a reason."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from conftest import first_year_not_entered
from test_public_products import filed_product

import workflows
from models import Recognition, RecognitionRound
from workflows import RecognitionStatus

BEIJING = ZoneInfo("Asia/Shanghai")
PAGES = ("/admin/recognition_rounds/", "/admin/recognition_rounds/new", "/admin/recognition_candidates/",
         "/admin/recognition_candidates/export", "/admin/recognition_notices/", "/admin/recognitions/")


def a_round(year=2026, **kw):
    return RecognitionRound.create(year=year, name=f"{year}年度专利密集型产品认定", filing_from=date(year, 1, 1),
                                   filing_to=date(year, 12, 31), **kw)


@pytest.mark.parametrize("path", PAGES)
def test_reviewers_units_and_strangers_cannot_open_the_recognition_pages(app, make, client, login, path):
    a_round()
    assert client.get(path).status_code == 302  # signed out: to the staff login
    login(make.staff("reviewer"))
    assert client.get(path).status_code == 403
    client.post("/logout")
    login(make.unit_user())
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_the_officer_and_administrators_open_them(make, client, login, fixed_clock, role):
    filed_product(make, name="候选产品甲")
    a_round()
    login(make.staff(role))
    page = client.get("/admin/recognition_candidates/")
    assert page.status_code == 200 and "候选产品甲" in page.get_data(as_text=True)
    export = client.get("/admin/recognition_candidates/export")
    assert export.mimetype.endswith("spreadsheetml.sheet") and export.data[:2] == b"PK"


def test_a_round_form_with_mistakes_shows_each_at_its_field_and_keeps_what_was_typed(make, client, login,
                                                                                       fixed_clock):
    login(make.staff("officer"))
    page = client.post("/admin/recognition_rounds/new", data={
        "name": "第一批认定", "year": "2026", "filing_from": "2026-05-01", "filing_to": "2026-04-01",
        "notice_start": "2026-06-01", "min_sales": "abc", "min_contribution_index": "30"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="e-filing_to">备案期结束日期不能早于开始日期' in html
    assert 'id="e-min_sales">请输入数字，最多两位小数' in html
    assert 'value="第一批认定"' in html and 'value="abc"' in html and 'value="30"' in html
    assert not RecognitionRound.select().exists()

    page = client.post("/admin/recognition_rounds/new", data={
        "name": "第一批认定", "year": "2026", "filing_from": "2026-01-01", "filing_to": "2026-12-31",
        "notice_start": "2026-06-01", "min_contribution_index": "30", "core_patent": "1"}, follow_redirects=True)
    assert "已新建认定批次：第一批认定" in page.get_data(as_text=True)
    rnd = RecognitionRound.get(RecognitionRound.year == 2026)
    assert rnd.criteria["base"]["min_contribution_index"] == "30.00" and rnd.criteria["base"]["core_patent"]


def test_bulk_start_names_the_count_recomputed_on_the_server_and_starts_what_is_eligible_then(make, client, login,
                                                                                              fixed_clock):
    meeting = [filed_product(make, contribution_index=Decimal(40)) for _ in range(3)]
    filed_product(make, contribution_index=Decimal(10))  # does not meet the minimum
    a_round(criteria={"base": {"min_contribution_index": "30.00"}})
    login(make.staff("officer"))

    page = client.post("/admin/recognition_candidates/confirm", data={"mode": "all", "meets": "all"})
    html = page.get_data(as_text=True)
    assert 'data-confirm-count="3"' in html and "确认开始公示：共3个产品" in html
    assert "自2026-06-17至2026-07-01" in html

    # meanwhile one of them is revoked: the start recomputes and starts the two still eligible
    workflows.apply(meeting[0], "admin_revoke", make.staff("admin"), reason="撤销")
    page = client.post("/admin/recognition_candidates/start", data={"mode": "all", "meets": "all"},
                       follow_redirects=True)
    assert "已对2个产品开始公示" in page.get_data(as_text=True)
    started = Recognition.select().where(Recognition.status == RecognitionStatus.NOTICE)
    assert {r.product_id for r in started} == {meeting[1].id, meeting[2].id}
    assert "2026-07-01" in page.get_data(as_text=True)  # the 公示管理 list, with the end date


def test_selected_products_are_checked_again_on_the_server(make, client, login, fixed_clock):
    chosen = filed_product(make)
    a_round()
    login(make.staff("officer"))
    page = client.post("/admin/recognition_candidates/confirm", data={"ids": [str(chosen.id), "99999999", "x"]})
    assert 'data-confirm-count="1"' in page.get_data(as_text=True)
    page = client.post("/admin/recognition_candidates/confirm", data={}, follow_redirects=True)
    assert "请先勾选要开始公示的产品。" in page.get_data(as_text=True)


def test_a_missing_holiday_arrangement_is_told_on_the_confirmation_page_and_nothing_starts(make, client, login,
                                                                                           clock):
    year = first_year_not_entered()
    clock(datetime(year - 1, 12, 21, 10, tzinfo=BEIJING))
    product = filed_product(make)
    a_round(year - 1)
    login(make.staff("officer"))
    page = client.post("/admin/recognition_candidates/confirm", data={"ids": [str(product.id)]})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"{year}年的法定节假日安排尚未录入，无法计算公示截止日期" in html
    page = client.post("/admin/recognition_candidates/start", data={"ids": [str(product.id)]},
                       follow_redirects=True)
    assert page.status_code == 200 and f"{year}年的法定节假日安排尚未录入" in page.get_data(as_text=True)
    assert not Recognition.select().where(Recognition.status == RecognitionStatus.NOTICE).exists()


def test_the_officer_revokes_a_recognition_by_decision_with_a_reason(make, client, login, fixed_clock):
    product = filed_product(make)
    rec = Recognition.create(product=product, round=a_round(), status=RecognitionStatus.RECOGNISED,
                             certificate_number="ZLCP2026000001", valid_until=date(2027, 6, 1))
    login(make.staff("officer"))
    page = client.post(f"/admin/recognitions/{rec.id}/revoke", data={"reason": " ", "seen_status": rec.status})
    assert 'id="e-reason">请填写理由' in page.get_data(as_text=True)
    assert Recognition.get_by_id(rec.id).status == RecognitionStatus.RECOGNISED
    page = client.post(f"/admin/recognitions/{rec.id}/revoke", data={"reason": "经核查销售额不实",
                                                                       "seen_status": rec.status},
                       follow_redirects=True)
    html = page.get_data(as_text=True)
    assert Recognition.get_by_id(rec.id).status == RecognitionStatus.REVOKED
    assert "经核查销售额不实" in html  # the 撤销认定 list shows the reason


def test_the_officers_dashboard_counts_link_to_their_lists(make, client, login, fixed_clock):
    filed_product(make)
    a_round()
    login(make.staff("officer"))
    html = client.get("/admin/").get_data(as_text=True)
    assert 'data-count="candidates"><a href="/admin/recognition_candidates/">1</a>' in html
    assert 'data-count="in_notice"><a href="/admin/recognition_notices/">0</a>' in html
