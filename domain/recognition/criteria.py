"""认定条件 (SPEC §7.2): the thresholds a recognition round sets, and which of them a product meets.

A round's criteria (RecognitionRound.criteria, JSON) are the round's own thresholds and,
optionally, rules for a product category or an industry that replace some of them:

    {"base": {"min_contribution_index": "30.00", "min_sales": "500.00", "min_gross_margin": null,
              "min_invention_patents": 1, "core_patent": true, "litigation_case_number": true},
     "rules": [{"scope": "industry", "code": "C", "min_sales": "1000.00"},
               {"scope": "category", "code": "0101", "min_contribution_index": "40.00"}]}

An empty threshold is no condition. A rule applies to a product whose 产品分类 code (category)
or 产品所属行业 (industry: a 门类 letter such as C, or a code prefix such as 38) starts with its
code; the industry rules apply first, then the category rules, the longer code after the
shorter, so the most specific one wins. The figures are the product's current data (an approved
yearly update has replaced them): 专利市场贡献指数, 产品上年度销售额, 产品上年度毛利润率, and its
linked patents (有效 invention patents, 核心专利, 涉诉专利 and their 案件编号).
"""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from peewee import JOIN, Case, fn

from domain.search import section_of
from infra import validators
from infra.validators import ValidationError
from models import Patent, ProductPatent


@dataclass(frozen=True)
class Criterion:
    key: str
    label: object  # the form's label
    short: object  # the column heading of the candidate list
    kind: str  # "percent", "money", "count" (a threshold) or "flag" (a yes/no rule)
    unit: str = ""


CRITERIA = (
    Criterion("min_contribution_index", _l("专利市场贡献指数不低于"), _l("专利市场贡献指数"), "percent", "%"),
    Criterion("min_sales", _l("产品上年度销售额不低于"), _l("产品上年度销售额"), "money", _l("万元")),
    Criterion("min_gross_margin", _l("产品上年度毛利润率不低于"), _l("毛利润率"), "margin", "%"),
    Criterion("min_invention_patents", _l("有效发明专利数量不少于"), _l("有效发明专利"), "count", _l("件")),
    Criterion("core_patent", _l("至少关联一件有效的核心专利"), _l("核心专利"), "flag"),
    Criterion("litigation_case_number", _l("涉诉专利均已填写案件编号"), _l("涉诉专利案件编号"), "flag"),
)
BY_KEY = {c.key: c for c in CRITERIA}
THRESHOLDS = tuple(c for c in CRITERIA if c.kind != "flag")
FLAGS = tuple(c for c in CRITERIA if c.kind == "flag")
SCOPES = {"industry": _l("产品所属行业"), "category": _l("产品分类")}
MAX_RULES = 10


# ---------------------------------------------------------------- reading the form


def _threshold(criterion, text):
    if criterion.kind == "count":
        return validators.digits(text, _l("请输入整数"), maximum=1000)
    if criterion.kind == "percent":
        return str(validators.percent(text))
    if criterion.kind == "margin":
        return str(validators.percent(text, lo=-100, hi=100))
    return str(validators.money(text))


def parse(form, errors):
    """The criteria of the round form (a MultiDict): {"base": …, "rules": […]}; every problem is
    added to `errors` under the field's name (base: the criterion's key; a rule:
    rule-<n>-<key>)."""
    base = {}
    for c in THRESHOLDS:
        text = validators.normal(form.get(c.key))
        try:
            base[c.key] = _threshold(c, text) if text else None
        except ValidationError as exc:
            errors[c.key] = exc.message
    for c in FLAGS:
        base[c.key] = form.get(c.key) in ("1", "on", "y", "true")
    rules = []
    for n in range(MAX_RULES):
        prefix = f"rule-{n}-"
        scope = form.get(prefix + "scope", "")
        code = validators.normal(form.get(prefix + "code")).upper()
        values = {c.key: validators.normal(form.get(prefix + c.key)) for c in THRESHOLDS}
        if not scope and not code and not any(values.values()):
            continue
        rule = {"scope": scope, "code": code}
        if scope not in SCOPES:
            errors[prefix + "scope"] = _l("请选择适用范围")
        if not code:
            errors[prefix + "code"] = _l("请填写行业或产品分类代码")
        elif not (code.isascii() and code.isalnum()) or len(code) > 10:
            errors[prefix + "code"] = _l("代码只能由字母和数字组成，如 C、38、0101")
        for c in THRESHOLDS:
            if values[c.key]:
                try:
                    rule[c.key] = _threshold(c, values[c.key])
                except ValidationError as exc:
                    errors[prefix + c.key] = exc.message
        if not any(c.key in rule for c in THRESHOLDS) and not {prefix + "scope", prefix + "code"} & set(errors):
            errors[prefix + "code"] = _l("请至少填写一项该范围适用的条件")
        rules.append(rule)
    return {"base": base, "rules": rules}


def form_values(criteria):
    """The round form's fields from stored criteria (for editing)."""
    criteria = criteria or {}
    values = {}
    for key, value in (criteria.get("base") or {}).items():
        values[key] = value if value is not None else ""
    for n, rule in enumerate(criteria.get("rules") or []):
        for key, value in rule.items():
            values[f"rule-{n}-{key}"] = value
    return values


# ---------------------------------------------------------------- evaluating


@dataclass(frozen=True)
class Check:
    criterion: Criterion
    threshold: object  # Decimal / int for a threshold, True for a flag
    figure: object  # the product's figure (None: not filled in)
    met: bool


def thresholds_for(criteria, category_code, industry_code):
    """The thresholds that apply to a product of this category and industry."""
    criteria = criteria or {}
    merged = dict(criteria.get("base") or {})
    section = section_of(industry_code or "")

    def applies(rule):
        code = rule.get("code") or ""
        if rule.get("scope") == "category":
            return bool(category_code) and category_code.startswith(code)
        if rule.get("scope") == "industry":
            return (code.isalpha() and code == section) or (bool(industry_code) and industry_code.startswith(code))
        return False

    order = {"industry": 0, "category": 1}
    for rule in sorted((r for r in criteria.get("rules") or [] if applies(r)),
                       key=lambda r: (order.get(r.get("scope"), 2), len(r.get("code") or ""))):
        merged.update({c.key: rule[c.key] for c in THRESHOLDS if rule.get(c.key) is not None})
    return merged


def patent_figures(product_ids):
    """{product id: {"inventions", "core", "unnumbered"}}: its linked 有效 invention patents, its
    有效 core patents, and its 涉诉 patents without a 案件编号. One query."""
    valid = Patent.legal_status == "valid"
    invention = (Patent.kind == "invention") & valid
    core = ProductPatent.core & valid
    unnumbered = ProductPatent.litigated & (fn.TRIM(fn.COALESCE(ProductPatent.case_number, "")) == "")
    query = (ProductPatent.select(
        ProductPatent.product,
        fn.SUM(Case(None, [(invention, 1)], 0)).alias("inventions"),
        fn.SUM(Case(None, [(core, 1)], 0)).alias("core"),
        fn.SUM(Case(None, [(unnumbered, 1)], 0)).alias("unnumbered"),
    ).join(Patent, JOIN.INNER).where(ProductPatent.product.in_(list(product_ids))).group_by(ProductPatent.product))
    return {row["product"]: {k: int(row[k] or 0) for k in ("inventions", "core", "unnumbered")}
            for row in query.dicts()}


NO_PATENTS = {"inventions": 0, "core": 0, "unnumbered": 0}


def evaluate(criteria, product, patents=None):
    """Every criterion of the round that applies to `product`: a Check each, in CRITERIA order
    (conditions the round does not set are left out). `patents`: its patent_figures() entry."""
    patents = patents or NO_PATENTS
    wanted = thresholds_for(criteria, product.category_id, product.industry_id)
    checks = []
    for c in CRITERIA:
        value = wanted.get(c.key)
        if value in (None, "", False):
            continue
        if c.key == "core_patent":
            checks.append(Check(c, True, patents["core"], patents["core"] > 0))
        elif c.key == "litigation_case_number":
            checks.append(Check(c, True, patents["unnumbered"], patents["unnumbered"] == 0))
        elif c.key == "min_invention_patents":
            checks.append(Check(c, int(value), patents["inventions"], patents["inventions"] >= int(value)))
        else:
            figure = {"min_contribution_index": product.contribution_index, "min_sales": product.last_year_sales,
                      "min_gross_margin": product.gross_margin}[c.key]
            threshold = Decimal(str(value))
            checks.append(Check(c, threshold, figure, figure is not None and Decimal(figure) >= threshold))
    return checks


def describe(criteria):
    """The criteria as short sentences (the round list, the confirmation page)."""
    criteria = criteria or {}
    lines = [_rule_text(criteria.get("base") or {})]
    for rule in criteria.get("rules") or []:
        lines.append(f"{SCOPES.get(rule.get('scope'), '')} {rule.get('code')}：{_rule_text(rule)}")
    return [line for line in lines if line]


def _rule_text(values):
    parts = []
    for c in CRITERIA:
        value = values.get(c.key)
        if value in (None, "", False):
            continue
        parts.append(str(c.label) if c.kind == "flag" else
                     str(_l("%(criterion)s%(value)s%(unit)s", criterion=c.label, value=value, unit=c.unit)))
    return "；".join(parts)
