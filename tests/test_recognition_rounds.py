"""认定批次 and 认定候选 (manual §七, SPEC §7.2): who takes part in a round, the round's criteria
at their boundaries, only one open round, 开始公示 with the 10 working days counted over 国庆 and
春节 (调休 Saturdays included), the count the officer confirms recomputed on the server, and the
pages closed to everyone but the 认定管理 officer and administrators."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from conftest import first_year_not_entered, outbox_texts
from test_public_products import filed_product

import workflows
from domain.recognition import candidates as recognition_candidates
from domain.recognition import criteria as recognition_criteria
from domain.recognition import rounds as recognition_rounds
from infra.validators import FormErrors
from models import (
    AuditLog,
    Patent,
    Product,
    ProductPatent,
    Recognition,
    RecognitionRound,
    Unit,
    YearlyUpdate,
)
from workflows import RecognitionStatus, UnitStatus, UpdateStatus

BEIJING = ZoneInfo("Asia/Shanghai")


def at(day, hour=10):
    return datetime(day.year, day.month, day.day, hour, tzinfo=BEIJING)


def a_round(year=2026, criteria=None, **kw):
    values = {"name": f"{year}年度专利密集型产品认定", "filing_from": date(year, 1, 1),
              "filing_to": date(year, 12, 31), "criteria": criteria or {}, **kw}
    return RecognitionRound.create(year=year, **values)


def ids(rows):
    return {row.product.id for row in rows}


# ---------------------------------------------------------------- who takes part


def test_products_filed_in_the_period_or_updated_that_year_take_part_and_the_others_are_told_why(make, clock):
    clock(at(date(2025, 6, 17)))
    updated = filed_product(make, name="去年备案今年已更新")
    not_updated = filed_product(make, name="去年备案未更新")
    update_pending = filed_product(make, name="去年备案更新待审核")
    clock(at(date(2026, 6, 17)))
    YearlyUpdate.create(product=updated, year=2026, status=UpdateStatus.APPROVED)
    YearlyUpdate.create(product=update_pending, year=2026, status=UpdateStatus.PENDING)
    YearlyUpdate.create(product=not_updated, year=2025, status=UpdateStatus.APPROVED)  # another year's
    in_period = filed_product(make, name="本年度备案")
    revoked = filed_product(make, name="已撤销备案")
    workflows.apply(revoked, "admin_revoke", make.staff("admin"), reason="虚假材料")
    unverified = filed_product(make, name="单位认证异常")
    Unit.update(status=UnitStatus.PENDING).where(Unit.id == unverified.unit_id).execute()
    rnd = a_round(2026, filing_from=date(2026, 1, 1), filing_to=date(2026, 12, 31))

    eligible, out = recognition_candidates.assess(rnd)

    assert ids(eligible) == {in_period.id, updated.id}
    assert {row.product.id: row.basis for row in eligible} == {in_period.id: "in_period", updated.id: "updated"}
    reasons = {row.product.id: str(row.reason) for row in out}
    assert reasons == {
        not_updated.id: "未在2026年产品备案信息更新期间完成信息更新",
        update_pending.id: "未在2026年产品备案信息更新期间完成信息更新",
        unverified.id: "单位实名认证未处于审核通过状态",
    }
    assert revoked.id not in reasons


def test_the_filing_period_is_counted_in_beijing_dates(make, clock):
    # 2026-03-31 23:30 in Beijing is still 31 March there (15:30 UTC): inside a period ending that day
    clock(datetime(2026, 3, 31, 23, 30, tzinfo=BEIJING))
    last_evening = filed_product(make)
    clock(datetime(2026, 4, 1, 0, 30, tzinfo=BEIJING))
    next_morning = filed_product(make)
    rnd = a_round(2026, filing_from=date(2025, 4, 1), filing_to=date(2026, 3, 31))
    eligible, out = recognition_candidates.assess(rnd)
    assert ids(eligible) == {last_evening.id}
    assert [str(r.reason) for r in out if r.product.id == next_morning.id] == [
        "备案时间晚于本批次备案期（2026-03-31止），参加下一年度认定"]


def test_products_already_in_notice_in_the_round_are_no_longer_candidates(make, fixed_clock):
    product = filed_product(make)
    rnd = a_round()
    assert recognition_candidates.start_notice_for(rnd, [product.id], make.staff("officer")) == 1
    eligible, out = recognition_candidates.assess(rnd)
    assert product.id not in ids(eligible) | ids(out)


# ---------------------------------------------------------------- the criteria at their boundaries


def _checks(product, criteria):
    figures = recognition_criteria.patent_figures([product.id])
    return {c.criterion.key: c.met for c in recognition_criteria.evaluate(criteria, product, figures.get(product.id))}


@pytest.mark.parametrize("key, field, at_least, below", [
    ("min_contribution_index", "contribution_index", "35.00", "34.99"),
    ("min_sales", "last_year_sales", "1200.00", "1199.99"),
    ("min_gross_margin", "gross_margin", "33.33", "33.32"),
])
def test_a_figure_exactly_at_the_minimum_meets_it_and_a_cent_below_does_not(make, fixed_clock, key, field,
                                                                            at_least, below):
    product = filed_product(make, **{field: Decimal(at_least)})
    assert _checks(product, {"base": {key: at_least}}) == {key: True}
    product = filed_product(make, **{field: Decimal(below)})
    assert _checks(product, {"base": {key: at_least}}) == {key: False}
    Product.update(**{field: None}).where(Product.id == product.id).execute()  # not filled in: not met
    assert _checks(Product.get_by_id(product.id), {"base": {key: at_least}}) == {key: False}


def _link(product, n, kind="invention", legal_status="valid", **link):
    body = f"2020{1 if kind == 'invention' else 2}{product.id:04d}{n:03d}"
    patent = Patent.create(number=body + "0", display_number=f"ZL{body}.0", name=f"专利{n}", kind=kind,
                           patentees=[product.unit.name], legal_status=legal_status)
    return ProductPatent.create(product=product, patent=patent, **link)


def test_valid_invention_patents_are_counted_against_the_minimum(make, fixed_clock):
    product = filed_product(make)  # one valid core invention patent
    _link(product, 1, kind="utility")
    _link(product, 2, legal_status="invalid")  # a lapsed invention does not count
    criteria = {"base": {"min_invention_patents": 1}}
    assert _checks(product, criteria) == {"min_invention_patents": True}
    assert _checks(product, {"base": {"min_invention_patents": 2}}) == {"min_invention_patents": False}
    _link(product, 3)
    assert _checks(product, {"base": {"min_invention_patents": 2}}) == {"min_invention_patents": True}


def test_at_least_one_valid_core_patent_is_needed(make, fixed_clock):
    product = filed_product(make)
    criteria = {"base": {"core_patent": True}}
    assert _checks(product, criteria) == {"core_patent": True}
    Patent.update(legal_status="invalid").where(
        Patent.id.in_(ProductPatent.select(ProductPatent.patent).where(ProductPatent.product == product))).execute()
    assert _checks(product, criteria) == {"core_patent": False}


def test_a_litigated_patent_without_its_case_number_fails_the_criterion(make, fixed_clock):
    product = filed_product(make)
    criteria = {"base": {"litigation_case_number": True}}
    link = _link(product, 1, litigated=True, case_number="  ")
    assert _checks(product, criteria) == {"litigation_case_number": False}
    ProductPatent.update(case_number="（2025）京73民初123号").where(ProductPatent.id == link.id).execute()
    assert _checks(product, criteria) == {"litigation_case_number": True}


def test_a_rule_for_an_industry_or_a_category_replaces_the_rounds_threshold(make, fixed_clock):
    product = filed_product(make, industry="3841", category="0101010101", last_year_sales=Decimal(1200),
                            contribution_index=Decimal(35))
    criteria = {"base": {"min_sales": "1000.00", "min_contribution_index": "30.00"},
                "rules": [{"scope": "industry", "code": "C", "min_sales": "1500.00"},
                          {"scope": "category", "code": "0101", "min_sales": "1100.00"},
                          {"scope": "industry", "code": "A", "min_contribution_index": "90.00"}]}
    # the category rule is the most specific: 1,100 (met); 制造业 (C) rule outranked; 农业 (A) does not apply
    assert _checks(product, criteria) == {"min_sales": True, "min_contribution_index": True}
    criteria["rules"].pop(1)
    assert _checks(product, criteria) == {"min_sales": False, "min_contribution_index": True}


# ---------------------------------------------------------------- rounds


ROUND_FORM = {"name": "2026年度专利密集型产品认定", "year": "2026", "filing_from": "2025-04-01",
              "filing_to": "2026-03-31", "notice_start": "2026-06-01", "min_contribution_index": "30",
              "min_sales": "500", "core_patent": "1"}


def test_round_form_reports_every_mistake_at_once(make, fixed_clock):
    with pytest.raises(FormErrors) as refused:
        recognition_rounds.create_round({"name": "", "year": "二〇二六", "filing_from": "2026-05-01",
                                         "filing_to": "2026-04-01", "notice_start": "明天",
                                         "min_contribution_index": "120", "min_sales": "-5",
                                         "rule-0-scope": "category", "rule-0-code": ""}, make.staff("officer"))
    errors = {k: str(v) for k, v in refused.value.errors.items()}
    assert errors == {"name": "请填写批次名称", "year": "年份应在2015到2027之间",
                      "filing_to": "备案期结束日期不能早于开始日期", "notice_start": "日期格式应为 YYYY-MM-DD",
                      "min_contribution_index": "应在0到100之间", "min_sales": "不能为负数",
                      "rule-0-code": "请填写行业或产品分类代码"}
    assert not RecognitionRound.select().exists()


def test_only_one_round_is_open_at_a_time_and_one_round_per_year(make, fixed_clock):
    officer = make.staff("officer")
    first = recognition_rounds.create_round(ROUND_FORM, officer)
    assert first.criteria["base"]["min_sales"] == "500.00" and first.criteria["base"]["core_patent"] is True
    assert recognition_rounds.current_round().id == first.id

    with pytest.raises(FormErrors) as refused:
        recognition_rounds.create_round({**ROUND_FORM, "year": "2027", "name": "2027年度"}, officer)
    assert str(refused.value.errors["year"]).startswith("认定批次“2026年度专利密集型产品认定”尚未关闭")

    recognition_rounds.close_round(first)
    assert recognition_rounds.current_round() is None
    with pytest.raises(FormErrors) as refused:
        recognition_rounds.create_round(ROUND_FORM, officer)
    assert str(refused.value.errors["year"]) == (
        "2026年度已有认定批次“2026年度专利密集型产品认定”，每年只设一个认定批次")
    second = recognition_rounds.create_round({**ROUND_FORM, "year": "2027", "name": "2027年度"}, officer)
    assert recognition_rounds.current_round().id == second.id
    with pytest.raises(FormErrors):
        recognition_rounds.reopen_round(first)


def test_a_closed_round_starts_no_notice(make, fixed_clock):
    product = filed_product(make)
    rnd = a_round(closed_at=datetime(2026, 6, 1))
    with pytest.raises(workflows.WorkflowError) as refused:
        recognition_candidates.start_notice_for(rnd, [product.id], make.staff("officer"))
    assert str(refused.value.message) == f"认定批次“{rnd.name}”已关闭，不能再开始公示"


# ---------------------------------------------------------------- 开始公示


@pytest.mark.parametrize("start, end", [
    (date(2026, 9, 28), date(2026, 10, 15)),  # 国庆 1–7 Oct off, Saturday 10 Oct worked (调休)
    (date(2026, 2, 9), date(2026, 2, 27)),  # 春节 16–23 Feb off, Saturday 14 Feb worked (调休)
])
def test_the_notice_lasts_ten_working_days_across_national_holidays_and_their_makeup_saturdays(make, clock,
                                                                                              start, end):
    clock(at(start))
    products = [filed_product(make), filed_product(make)]
    rnd = a_round(start.year)
    officer = make.staff("officer")

    assert recognition_candidates.start_notice_for(rnd, [p.id for p in products], officer) == 2

    recs = list(Recognition.select().where(Recognition.round == rnd))
    assert {(r.status, r.notice_start, r.notice_end) for r in recs} == {(RecognitionStatus.NOTICE, start, end)}
    audit = AuditLog.select().where(AuditLog.object_type == "recognition", AuditLog.event == "start_notice")
    assert audit.count() == 2 and {a.actor_id for a in audit} == {officer.id}
    for product in products:
        texts = outbox_texts("sms", product.unit.user.phone)
        assert texts[-1] == f"您的产品“{product.name}”已进入专利密集型产品认定公示阶段，公示期至{end.isoformat()}。"
        assert outbox_texts("inbox", product.unit.user_id)[-1] == texts[-1]


def test_notice_into_a_year_not_entered_is_refused_and_nothing_starts(make, clock):
    year = first_year_not_entered()
    clock(at(date(year - 1, 12, 21)))
    product = filed_product(make)
    rnd = a_round(year - 1)
    with pytest.raises(workflows.GuardFailed) as refused:
        recognition_candidates.start_notice_for(rnd, [product.id], make.staff("officer"))
    assert str(refused.value.message).startswith(f"{year}年的法定节假日安排尚未录入，无法计算公示截止日期")
    assert not Recognition.select().where(Recognition.status == RecognitionStatus.NOTICE).exists()


def test_a_round_whose_notice_starts_later_waits_for_that_day(make, fixed_clock):
    product = filed_product(make)
    rnd = a_round(notice_start=date(2026, 7, 1))
    with pytest.raises(workflows.WorkflowError) as refused:
        recognition_candidates.start_notice_for(rnd, [product.id], make.staff("officer"))
    assert str(refused.value.message) == "本批次公示开始日期为2026-07-01，届时方可开始公示"


def test_only_eligible_products_of_a_selection_start(make, clock):
    clock(at(date(2025, 6, 17)))
    old = filed_product(make)  # filed last year, not updated
    clock(at(date(2026, 6, 17)))
    new = filed_product(make)
    rnd = a_round()
    assert recognition_candidates.start_notice_for(rnd, [old.id, new.id, 999999], make.staff("officer")) == 1
    assert [r.product_id for r in Recognition.select().where(Recognition.status == RecognitionStatus.NOTICE)] == [
        new.id]
