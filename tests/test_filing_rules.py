"""产品备案 rules: the 产品信息 hard errors, the submit rules, the pre-review checks, the
方法一 formula and the snapshot."""

from decimal import Decimal

import pytest

import workflows
from domain.filing.rules import FAIL, PASS, WARN, clean_product_info, filing_rules, method1_index, pre_review_checks
from models import AssetInfo, Patent, ProductFile, ProductPatent, UnitPatent, last_fiscal_year, today_shanghai

GOOD = {"name": "动力电池管理系统", "model": "BMS-2000", "category": "0101010101", "industry": "3841 锂离子电池制造",
        "intro": "用于动力电池组的监测。", "purpose": "recognition", "first_year": "2018",
        "last_year_cost": "800", "ip_investment": "40", "last_year_sales": "1200", "last_year_export": "100",
        "last_year_net_profit": "-20.5", "contribution_method": "method2", "contribution_index": "35"}


def errors_of(**changes):
    data = {**GOOD, **changes}
    return {k: str(v) for k, v in clean_product_info(data)[1].items()}


def test_good_product_info_has_no_errors(db_session):
    values, errors = clean_product_info(GOOD)
    assert errors == {}
    assert values["industry"] == "3841" and values["last_year_net_profit"] == Decimal("-20.50")


def test_required_fields_are_all_reported_at_once(db_session):
    errors = {k: str(v) for k, v in clean_product_info({})[1].items()}
    for name in ("name", "model", "category", "industry", "intro", "purpose", "first_year",
                 "contribution_method", "contribution_index"):
        assert name in errors, name
    assert errors["name"] == "请填写产品名称"


@pytest.mark.parametrize("changes, field, message", [
    ({"gtin": "6901234567891"}, "gtin", "商品条码校验位不正确"),
    ({"first_year": "1984"}, "first_year", "年份应在1985到{year}之间"),
    ({"first_year": str(today_shanghai().year + 1)}, "first_year", "年份应在1985到{year}之间"),
    ({"market_share": "101"}, "market_share", "应在0到100之间"),
    ({"contribution_index": "-1"}, "contribution_index", "不能为负数"),
    ({"gross_margin": "-100.01"}, "gross_margin", "应在-100到100之间"),
    ({"last_year_export": "1300"}, "last_year_export", "产品上年度出口总额不能大于产品上年度销售额"),
    ({"intro": "字" * 501}, "intro", "不能超过500个字"),
    ({"purpose": "other"}, "purpose_other", "请填写其他备案目的"),
    ({"export_countries": ["US", "XX"]}, "export_countries", "出口地不正确，请从列表中选择"),
    ({"export_countries": ["other"]}, "export_other", "请填写其他出口地"),
    ({"contribution_method": "own"}, "method_explanation", "请填写计算说明"),
    ({"contribution_method": "method1"}, "method_k", "请填写系数K"),
    ({"industry": "9999"}, "industry", "请从列表中选择产品所属行业"),
])
def test_hard_errors_are_refused_at_the_field(db_session, changes, field, message):
    assert errors_of(**changes)[field] == message.format(year=today_shanghai().year)


def test_method_one_computes_the_index():
    assert method1_index(Decimal(40), Decimal(800), Decimal(2)) == Decimal("10.00")
    assert method1_index(Decimal(400), Decimal(800), Decimal(5)) == Decimal(100)  # capped
    assert method1_index(Decimal(40), None, Decimal(2)) is None


def test_method_one_index_must_match_the_formula(db_session):
    assert errors_of(contribution_method="method1", method_k="2", contribution_index="10") == {}
    assert errors_of(contribution_method="method1", method_k="2", contribution_index="12")["contribution_index"] \
        == "按方法一计算应为10.00%"


def test_submit_rules_list_every_problem(db_session, make):
    unit = make.approved_unit()
    product = make.complete_product(unit)
    assert filing_rules(product) == []
    link = product.patent_links.get()
    ProductPatent.update(core=False, litigated=True).where(ProductPatent.id == link.id).execute()
    Patent.update(legal_status="invalid").where(Patent.id == link.patent_id).execute()
    UnitPatent.delete().where(UnitPatent.patent == link.patent_id).execute()
    ProductFile.delete().where(ProductFile.kind == "main_image").execute()
    product = type(product).get_by_id(product.id)
    type(product).update(compulsory_cert=True, first_year=1980).where(type(product).id == product.id).execute()
    found = filing_rules(type(product).get_by_id(product.id))
    problems = [str(p) for p in found]
    assert [(p.step, p.field) for p in found] == [
        ("info", "first_year"), ("info", "main_image"), ("patents", ""),
        ("patents", f"patent-{link.patent_id}"), ("patents", f"patent-{link.patent_id}"),
        ("patents", f"case-{link.patent_id}"), ("materials", "certification")]
    number = link.patent.display_number
    assert problems == [
        f"产品信息：年份应在1985到{today_shanghai().year}之间",
        "请上传产品主图",
        "请至少标记一项核心专利",
        f"专利{number}已失效，产品备案的专利应当是维持有效的中国专利",
        f"专利{number}不在本单位专利信息管理列表中",
        f"涉诉专利{number}须注明案件编号",
        "请上传认证证明",
    ]


def test_a_product_without_patents_cannot_be_submitted(db_session, make):
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    product = make.complete_product(unit)
    ProductPatent.delete().execute()
    with pytest.raises(workflows.GuardFailed) as exc:
        workflows.apply(product, "submit", unit.user)
    assert "请至少关联一项专利" in [str(e) for e in exc.value.errors]


def test_pre_review_checks_warn_and_fail(db_session, make):
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year(), total_sales=1000, ip_investment=100)
    product = make.complete_product(unit, last_year_sales=Decimal(1200), last_year_export=Decimal(1300),
                                    last_year_net_profit=Decimal(1500), contribution_method="method1",
                                    method_k=Decimal(2), contribution_index=Decimal(12))
    checks = {(c.level, str(c.message)) for c in pre_review_checks(product)}
    assert (WARN, "产品上年度销售额大于单位年度所有产品总销售额") in checks
    assert (PASS, "产品知识产权投入不超过单位知识产权总投入") in checks
    assert (WARN, "产品上年度净利润大于产品上年度销售额") in checks
    assert (FAIL, "产品上年度出口总额大于产品上年度销售额") in checks
    assert (WARN, "专利市场贡献指数与方法一计算结果不一致") in checks
    assert (PASS, "关联专利均有效且由本单位持有或被许可") in checks


def test_submission_snapshot_keeps_fields_patents_and_files(db_session, make):
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    product = workflows.apply(make.complete_product(unit), "submit", unit.user)
    data = product.versions.get().data
    assert data["fields"]["name"] == "动力电池管理系统" and data["fields"]["industry"] == "3841"
    assert Decimal(data["fields"]["last_year_sales"]) == Decimal(1200)
    assert [p["core"] for p in data["patents"]] == [True]
    assert sorted(f["kind"] for f in data["files"]) == ["economic_proof", "main_image"]


def test_k_keeps_four_decimals_and_a_stored_k_is_read_back_as_typed(db_session, make):
    from decimal import Decimal

    from domain.filing.rules import decimal_text

    assert errors_of(contribution_method="method1", method_k="0.1255", ip_investment="40",
                     last_year_cost="800", contribution_index="0.63") == {}
    assert errors_of(contribution_method="method1", method_k="0.12555")["method_k"] == "系数K最多四位小数"
    assert decimal_text(Decimal("8.5000")) == "8.5" and decimal_text(Decimal("800.00")) == "800"
    unit = make.approved_unit()
    product = make.complete_product(unit, contribution_method="method1", method_k=Decimal("8.5000"),
                                    ip_investment=Decimal(40), last_year_cost=Decimal(800),
                                    contribution_index=Decimal("42.50"))
    assert filing_rules(type(product).get_by_id(product.id)) == []
