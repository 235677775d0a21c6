"""产品备案 rules (SPEC §6.1–6.3): the 产品信息 form's hard errors, the submit rules, and the
pre-review checks shown to reviewers and to the unit's self-check panel.

Pure functions over plain data and the product's rows; the wizard views and
workflows' submit guard both call them, so a unit and a reviewer see the same rules.
"""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from domain import patents
from infra import validators
from models import (
    AssetInfo,
    Country,
    Industry,
    Option,
    ProductCategory,
    ProductPatent,
    UnitPatent,
    last_fiscal_year,
    shanghai_time,
    today_shanghai,
)

FIRST_YEAR_MIN = 1985
INTRO_MAX = 500
EXPLANATION_MAX = 500
METHODS = {"method1": _l("方法一"), "method2": _l("方法二"), "method3": _l("方法三"), "own": _l("自行测算")}
MONEY = (
    ("last_year_cost", _l("产品上年度总成本")),
    ("ip_investment", _l("产品知识产权投入")),
    ("last_year_sales", _l("产品上年度销售额")),
    ("last_year_export", _l("产品上年度出口总额")),
    ("last_year_net_profit", _l("产品上年度净利润")),
    ("last_year_output", _l("产品上年度总产值")),
)
FILE_KINDS = {
    "main_image": _l("产品主图"), "other_image": _l("其它图片"), "economic_proof": _l("经济效益证明文件"),
    "production_licence": _l("生产许可证"), "certification": _l("认证证明"),
    "intro_image": _l("产品介绍图片"), "intro_video": _l("产品介绍视频"),
}
ALLOWED_PATENT_KINDS = ("invention", "utility", "design")
# What the 产品分类 field holds when the unit chose 其他 (the picker's last entry).
OTHER_CATEGORY = ("其他", "other")


def method1_index(ip_investment, last_year_cost, k):
    """方法一: (产品知识产权投入 / 产品上年度总成本) × K, as a percentage with two decimals,
    capped at 100. None when it cannot be computed (no cost)."""
    if ip_investment is None or not last_year_cost or k is None:
        return None
    value = Decimal(ip_investment) / Decimal(last_year_cost) * Decimal(k) * 100
    return min(value, Decimal(100)).quantize(Decimal("0.01"))


def clean_product_info(data):
    """Validate step 1 (产品信息). Returns (values, errors); every problem at once."""
    values, errors = {}, {}

    def take(name, check, required=True, label=None, choose=False):
        raw = data.get(name)
        raw = raw.strip() if isinstance(raw, str) else raw
        if raw in (None, "", []):
            if required:
                errors[name] = (_l("请选择%(label)s", label=label) if choose
                                else _l("请填写%(label)s", label=label))
            values[name] = None
            return None
        try:
            values[name] = check(raw)
        except validators.ValidationError as exc:
            errors[name] = exc.message
            values[name] = None
        return values[name]

    take("gtin", validators.gtin13, required=False)
    take("name", lambda v: _text(v, 100), label=_l("产品名称"))
    take("model", lambda v: _text(v, 100), label=_l("规格型号"))
    values["category_other"] = ""
    if str(data.get("category") or "").strip() in OTHER_CATEGORY:
        # 其他: the catalogue (大类 01–22 only) does not list it; the unit types it (no code).
        values["category"] = None
        take("category_other", lambda v: _text(v, 100), label=_l("产品分类（其他）"))
    else:
        take("category", lambda v: _exists(ProductCategory, v.split(" ")[0], _l("请从列表中选择产品分类，"
                                            "目录中没有时请选择“其他”并填写产品分类")),
             label=_l("产品分类"), choose=True)
    take("industry", lambda v: _exists(Industry, v.split(" ")[0], _l("请从列表中选择产品所属行业")),
         label=_l("产品所属行业"), choose=True)
    take("trademark", lambda v: _text(v, 100), required=False)
    take("intro", lambda v: _text(v, INTRO_MAX), label=_l("产品简介"))
    purpose = take("purpose", lambda v: _choice("filing_purpose", v, _l("请选择备案目的")), label=_l("备案目的"),
                   choose=True)
    values["purpose_other"] = ""
    if purpose == "other":
        take("purpose_other", lambda v: _text(v, 100), label=_l("其他备案目的"))
    countries = data.get("export_countries") or []
    countries = countries if isinstance(countries, list) else [countries]
    known = {c for (c,) in Country.select(Country.code).where(Country.code.in_(countries)).tuples()}
    values["export_countries"] = [c for c in countries if c in known or c == "other"]
    if len(values["export_countries"]) != len(countries):
        errors["export_countries"] = _l("出口地不正确，请从列表中选择")
    values["export_other"] = ""
    if "other" in values["export_countries"]:
        take("export_other", lambda v: _text(v, 200), label=_l("其他出口地"))
    this_year = today_shanghai().year
    take("first_year", lambda v: validators.year(v, FIRST_YEAR_MIN, this_year), label=_l("本产品首次生产年份"))
    for name, label in MONEY:
        take(name, lambda v, n=name: validators.money(v, allow_negative=(n == "last_year_net_profit")),
             required=False)
    take("market_share", lambda v: validators.percent(v), required=False)
    take("gross_margin", lambda v: validators.percent(v, lo=-100, hi=100), required=False)
    method = take("contribution_method", lambda v: _choice_of(METHODS, v, _l("请选择测算方式")),
                  label=_l("测算方式"), choose=True)
    values["method_k"] = None
    values["method_explanation"] = ""
    if method == "method1":
        take("method_k", lambda v: _positive(v), label=_l("系数K"))
    if method == "own":
        take("method_explanation", lambda v: _text(v, EXPLANATION_MAX), label=_l("计算说明"))
    index = take("contribution_index", lambda v: validators.percent(v), label=_l("专利市场贡献指数"))
    if method == "method1" and "contribution_index" not in errors:
        computed = method1_index(values.get("ip_investment"), values.get("last_year_cost"), values.get("method_k"))
        if computed is None and "method_k" not in errors:
            errors["last_year_cost"] = _l("方法一需要填写产品上年度总成本和产品知识产权投入")
        elif computed is not None and index is not None and abs(computed - index) > Decimal("0.01"):
            errors["contribution_index"] = _l("按方法一计算应为%(value)s%%", value=computed)
    export, sales = values.get("last_year_export"), values.get("last_year_sales")
    if export is not None and sales is not None and export > sales and "last_year_export" not in errors:
        errors["last_year_export"] = _l("产品上年度出口总额不能大于产品上年度销售额")
    return values, errors


def _text(value, limit):
    if len(value) > limit:
        raise validators.ValidationError(_l("不能超过%(n)s个字", n=limit))
    return value


def _exists(model, code, message):
    if not model.select().where(model.code == code).exists():
        raise validators.ValidationError(message)
    return code


def _choice(kind, value, message):
    if value not in dict(Option.choices(kind)):
        raise validators.ValidationError(message)
    return value


def _choice_of(choices, value, message):
    if value not in choices:
        raise validators.ValidationError(message)
    return value


K_PLACES = 4  # the column keeps four decimals


def _positive(value):
    """系数K: a positive number with at most four decimals (stored as typed)."""
    number = validators._decimal(value)
    if number.normalize().as_tuple().exponent < -K_PLACES:
        raise validators.ValidationError(_l("系数K最多四位小数"))
    if number <= 0:
        raise validators.ValidationError(_l("系数K应大于0"))
    if number > 10**6:
        raise validators.ValidationError(_l("数值过大"))
    return number.quantize(Decimal(1).scaleb(-K_PLACES))


# ---------------------------------------------------------------- submit rules (SPEC §6.2, §6.3)


@dataclass(frozen=True)
class Problem:
    """A reason the product cannot be submitted, with the wizard step (info / patents /
    materials) and the field (or patent id) where the unit fixes it."""

    message: object
    step: str
    field: str = ""
    at_field: object = None  # the shorter text shown next to the field itself

    def __str__(self):
        return str(self.message)


def filing_rules(product):
    """Every reason the product cannot be submitted yet (empty list: it can)."""
    problems = []
    info = {f: _form_value(product, f) for f in (
        "gtin", "name", "model", "category", "category_other", "industry", "trademark", "intro", "purpose",
        "purpose_other", "export_countries", "export_other", "first_year", *(n for n, _ in MONEY), "market_share",
        "gross_margin", "contribution_method", "method_k", "method_explanation", "contribution_index")}
    if product.category_other and not product.category_id:
        info["category"] = OTHER_CATEGORY[0]
    _values, errors = clean_product_info(info)
    problems += [Problem(_l("产品信息：%(message)s", message=m), "info", name) for name, m in errors.items()]
    kinds = {pf.kind for pf in product.files}
    if "main_image" not in kinds:
        problems.append(Problem(_l("请上传%(label)s", label=FILE_KINDS["main_image"]), "info", "main_image"))
    links = list(product.patent_links.join(ProductPatent.patent.rel_model))
    if not links:
        problems.append(Problem(_l("请至少关联一项专利"), "patents"))
    elif not any(link.core for link in links):
        problems.append(Problem(_l("请至少标记一项核心专利"), "patents"))
    facts = UnitFacts([product.unit_id])
    for link in links:
        patent, place = link.patent, f"patent-{link.patent_id}"
        claim = facts.claim(product.unit_id, patent)
        if patent.legal_status != "valid":
            problems.append(Problem(_l("专利%(n)s已失效，产品备案的专利应当是维持有效的中国专利",
                                       n=patent.display_number), "patents", place,
                                    _l("该专利已失效，产品备案的专利应当是维持有效的中国专利，请移除")))
        if patent.kind not in ALLOWED_PATENT_KINDS:
            problems.append(Problem(_l("专利%(n)s不是发明、实用新型或外观设计专利", n=patent.display_number),
                                    "patents", place, _l("该专利不是发明、实用新型或外观设计专利，请移除")))
        if claim is None:
            problems.append(Problem(_l("专利%(n)s不在本单位专利信息管理列表中", n=patent.display_number),
                                    "patents", place, _l("该专利已不在本单位专利信息管理列表中，请移除")))
        elif not claim.stands:
            problems.append(Problem(_l("专利%(n)s不能作为本单位持有或被许可的专利：%(why)s", n=patent.display_number,
                                       why=claim.reason), "patents", place,
                                    _l("该专利不能作为本单位持有或被许可的专利：%(why)s", why=claim.reason)))
        if link.litigated and not link.case_number.strip():
            problems.append(Problem(_l("涉诉专利%(n)s须注明案件编号", n=patent.display_number), "patents",
                                    f"case-{link.patent_id}", _l("涉诉专利须注明案件编号")))
    required = [("economic_proof", True), ("production_licence", product.special_industry),
                ("certification", product.compulsory_cert)]
    for kind, needed in required:
        if needed and kind not in kinds:
            problems.append(Problem(_l("请上传%(label)s", label=FILE_KINDS[kind]), "materials", kind))
    return problems


def _form_value(product, name):
    field = type(product)._meta.fields[name]
    value = getattr(product, name + "_id") if hasattr(field, "rel_model") else getattr(product, name)
    if value is None:
        return ""
    return value if isinstance(value, list) else decimal_text(value)


def decimal_text(value):
    """A stored value as the form shows it: decimals without trailing zeros (PostgreSQL
    returns a numeric(10,4) K as 8.5000, which the two-decimal rules would refuse)."""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


# ---------------------------------------------------------------- pre-review checks (SPEC §6.5)

PASS, WARN, FAIL = "pass", "warn", "fail"


@dataclass(frozen=True)
class Check:
    level: str
    message: object


class UnitFacts:
    """The unit rows the checks read (asset info by year, the patents of its list, its
    current and former names), loaded once for many products of many units (bulk 通过)
    instead of for each product."""

    def __init__(self, unit_ids):
        ids = list(set(unit_ids))
        self.assets = {(a.unit_id, a.fiscal_year): a for a in AssetInfo.select().where(AssetInfo.unit.in_(ids))}
        self.links = {uid: {} for uid in ids}
        for link in UnitPatent.select().where(UnitPatent.unit.in_(ids)):
            self.links[link.unit_id][link.patent_id] = link
        self.names = patents.unit_names(ids)
        self.today = today_shanghai()

    def asset(self, unit_id, year):
        return self.assets.get((unit_id, year))

    def claim(self, unit_id, patent):
        """The unit's claim to the patent (domain.patents.claim_basis: held or licensed, on the
        registry's word or an upload's), or None when the patent is not in the unit's list."""
        link = self.links.get(unit_id, {}).get(patent.id)
        if link is None:
            return None
        return patents.link_claim(link, patent, self.names.get(unit_id, []), self.today)


def fiscal_year_of(product):
    """The fiscal year whose asset info a filing is checked against: the year before the one it
    was submitted in, in Beijing time as the submit guard counts it (a filing of 1 January 02:00
    is of the new year), or before this one while it is a draft."""
    if product.submitted_at is None:
        return last_fiscal_year()
    return int(shanghai_time(product.submitted_at, "%Y")) - 1


def pre_review_checks(product, facts=None):
    """The automated checks a reviewer (and the unit's self-check panel) sees. `facts`
    (UnitFacts) supplies the unit rows when checking many products at once."""
    checks = []
    year = fiscal_year_of(product)
    facts = facts or UnitFacts([product.unit_id])
    asset = facts.asset(product.unit_id, year)

    def compare(mine, theirs, fail_message, pass_message, level=WARN):
        if mine is None or theirs is None:
            return
        checks.append(Check(level, fail_message) if Decimal(mine) > Decimal(theirs) else Check(PASS, pass_message))

    if asset is None:
        checks.append(Check(FAIL, _l("缺少%(year)s年度单位资产信息", year=year)))
    else:
        compare(product.last_year_sales, asset.total_sales, _l("产品上年度销售额大于单位年度所有产品总销售额"),
                _l("产品销售额不超过单位总销售额"))
        compare(product.ip_investment, asset.ip_investment, _l("产品知识产权投入大于单位年度知识产权总投入"),
                _l("产品知识产权投入不超过单位知识产权总投入"))
    if product.category_other and not product.category_id:
        checks.append(Check(WARN, _l("产品分类为“其他”：%(text)s（统计用产品分类目录中没有，请人工核对）",
                                     text=product.category_other)))
    compare(product.last_year_net_profit, product.last_year_sales, _l("产品上年度净利润大于产品上年度销售额"),
            _l("产品净利润不超过产品销售额"))
    compare(product.last_year_export, product.last_year_sales, _l("产品上年度出口总额大于产品上年度销售额"),
            _l("产品出口额不超过产品销售额"), level=FAIL)
    if product.contribution_method == "method1":
        computed = method1_index(product.ip_investment, product.last_year_cost, product.method_k)
        if (computed is None or product.contribution_index is None
                or abs(computed - product.contribution_index) > Decimal("0.01")):
            checks.append(Check(WARN, _l("专利市场贡献指数与方法一计算结果不一致")))
        else:
            checks.append(Check(PASS, _l("方法一计算正确")))
    links = list(product.patent_links)
    if not any(link.core for link in links):
        checks.append(Check(FAIL, _l("没有核心专利")))
    patent_checks = []
    for link in links:
        number = link.patent.display_number
        if link.patent.legal_status != "valid":
            patent_checks.append(Check(FAIL, _l("关联专利%(n)s已失效", n=number)))
        claim = facts.claim(product.unit_id, link.patent)
        if claim is None:
            patent_checks.append(Check(FAIL, _l("关联专利%(n)s不由本单位持有或被许可", n=number)))
        elif not claim.stands:
            patent_checks.append(Check(FAIL, _l("关联专利%(n)s不由本单位持有或被许可：%(why)s",
                                                n=number, why=claim.reason)))
        elif claim.on_upload:  # stands on the unit's upload alone: the reviewer looks at it
            patent_checks.append(Check(WARN, _l("关联专利%(n)s需人工核验：%(why)s",
                                                n=number, why=claim.reason)))
    checks += patent_checks
    if links and not patent_checks:
        checks.append(Check(PASS, _l("关联专利均有效且由本单位持有或被许可")))
    return checks
