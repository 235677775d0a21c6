"""统计分析 and the 工作台 of each role (issue 15 items 2 and 3): the figures equal counts taken
directly in SQL; each role sees its own blocks and no other's; a count's link leads to a list of
that many rows; the charts carry one titled bar per figure; the public home page summary."""

import re
from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

import workflows
from domain import statistics
from domain.dashboards import OBJECTION_WORKING_DAYS
from infra.calendar import add_working_days
from infra.validators import USCC_CHARSET, uscc_check_char
from models import AssetInfo, Objection, Product, Recognition, RecognitionRound, Unit, db, last_fiscal_year
from workflows import ProductStatus, RecognitionStatus

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 17, 10, 0, tzinfo=BEIJING)


def _unit(make, region_code, reviewer):
    body = f"91{region_code}MA{make._next():07d}"[:17]
    body = "".join(c if c in USCC_CHARSET else "0" for c in body)
    unit = make.complete_unit(region_code=region_code, credit_code=body + uscc_check_char(body))
    unit = workflows.apply(unit, "submit", unit.user)
    unit = workflows.apply(unit, "approve", reviewer)
    AssetInfo.get_or_create(unit=unit, fiscal_year=last_fiscal_year())
    AssetInfo.get_or_create(unit=unit, fiscal_year=last_fiscal_year() - 1)
    return unit


def _file(make, clock, unit, reviewer, submitted, decided=None, **values):
    """A product submitted at `submitted` and (when `decided`) approved then (Beijing times)."""
    clock(submitted)
    product = workflows.apply(make.complete_product(unit, **values), "submit", unit.user)
    if decided:
        clock(decided)
        product = workflows.apply(product, "approve", reviewer)
    return product


@pytest.fixture
def seeded(make, clock, enter_holidays):
    """Filings over three months in 广东 and 北京, one waiting past the target, one just in."""
    clock(datetime(2026, 1, 5, 9, 0, tzinfo=BEIJING))
    reviewer = make.staff("reviewer")
    guangdong, beijing = _unit(make, "440305", reviewer), _unit(make, "110105", reviewer)
    at = lambda m, d, h=10: datetime(2026, m, d, h, 0, tzinfo=BEIJING)
    _file(make, clock, guangdong, reviewer, at(3, 10), at(3, 12))  # 2 days
    _file(make, clock, guangdong, reviewer, at(3, 31, 23), at(4, 1, 1))  # 31 March late: filed in April
    _file(make, clock, beijing, reviewer, at(5, 5, 9), at(5, 5, 15), industry="2710")  # same day
    _file(make, clock, beijing, reviewer, at(5, 6), at(5, 30))  # 24 days
    old = _file(make, clock, beijing, reviewer, at(6, 1))  # waits past the 5-day target
    new = _file(make, clock, guangdong, reviewer, at(6, 16))
    clock(NOW)
    return {"reviewer": reviewer, "old": old, "new": new}


def sql_count(where, *params):
    """A count taken directly in SQL, without the statistics module."""
    sql = "SELECT COUNT(*) FROM product p JOIN unit u ON u.id = p.unit_id WHERE " + where
    return db.database.execute_sql(sql.replace("?", db.database.param), params).fetchone()[0]


def utc(y, m, d):
    return datetime(y, m, d, tzinfo=BEIJING).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def test_figures_equal_counts_taken_in_sql(seeded):
    months = dict(statistics.filings_per_month())
    assert len(months) == 24 and list(months)[-1] == "2026-06"
    for month in ("2026-03", "2026-04", "2026-05", "2026-06"):
        y, m = int(month[:4]), int(month[5:])
        expected = sql_count("p.filed_at >= ? AND p.filed_at < ?", utc(y, m, 1), utc(y + m // 12, m % 12 + 1, 1))
        assert months[month] == expected
    assert (months["2026-03"], months["2026-04"], months["2026-05"]) == (1, 1, 2)
    provinces = dict(statistics.by_province())
    for code, name in (("44", "广东"), ("11", "北京")):
        assert provinces[name] == sql_count("p.filed_at IS NOT NULL AND u.region_code LIKE ?", code + "%")
    only_beijing = statistics.Filters(province="11")
    assert sum(n for _m, n in statistics.filings_per_month(only_beijing)) == 2
    sections = dict(statistics.by_section())
    assert sum(sections.values()) == sql_count("p.filed_at IS NOT NULL")
    assert any(label.startswith("C ") for label in sections)  # 3841 and 2710: 制造业
    times = [n for _label, n in statistics.review_times()]
    assert times == [2, 1, 0, 0, 1, 0]  # 6 h and 2 h ; 2 days ; 24 days
    assert sum(times) == sql_count("p.filed_at IS NOT NULL")


def test_statistics_filters_refuse_nonsense_at_the_field(seeded, client, login, make):
    login(make.staff("officer"))
    html = client.get("/admin/statistics/?year=abc&province=99&section=C").get_data(as_text=True)
    assert 'id="e-year">请选择正确的年度' in html and 'id="e-province">请选择正确的省份' in html
    table = html.split('data-table="provinces"', 1)[1].split("</table>", 1)[0]
    assert "广东" in table and "北京" in table  # the bad filters are dropped, the good one kept


def test_statistics_export_is_a_formula_safe_workbook(seeded, client, login, make):
    Unit.update(name="=HYPERLINK()").execute()
    login(make.staff("admin"))
    resp = client.get("/admin/statistics/export?province=11")
    book = load_workbook(BytesIO(resp.data))
    rows = [tuple(r) for r in book["months"].iter_rows(values_only=True)]
    assert ("2026-05", 2) in rows and sum(r[1] for r in rows[1:]) == 2
    assert ("province", "11") in [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def test_charts_carry_a_titled_bar_per_figure(seeded, client, login, make):
    login(make.staff("reviewer"))
    html = client.get("/admin/").get_data(as_text=True)
    months = html.split('data-chart="months"', 1)[1].split("</svg>", 1)[0]
    assert months.count('<g class="zl-bar">') == 24
    assert "<title>2026-05：2</title>" in months and "<title>2026-03：1</title>" in months
    provinces = html.split('data-chart="provinces"', 1)[1].split("</svg>", 1)[0]
    assert "<title>广东：2</title>" in provinces and "<title>北京：2</title>" in provinces
    assert "<script" not in html.split('data-dashboard="charts"', 1)[1].split("</section>", 1)[0]


BLOCKS = {"reviewer": "reviewer", "officer": "officer", "handler": "handler", "admin": "admin"}


@pytest.mark.parametrize("role", list(BLOCKS))
def test_each_role_sees_its_own_blocks_and_no_others(seeded, client, login, make, role):
    login(make.staff(role))
    html = client.get("/admin/").get_data(as_text=True)
    shown = set(re.findall(r'data-dashboard="(\w+)"', html)) - {"charts"}
    assert shown == {BLOCKS[role]}


def _row_count(html):
    return len(re.findall(r'<tr data-product="\d+"', html))


def _link(html, key):
    match = re.search(rf'data-count="{key}"><a[^>]* href="([^"]+)">(\d+)</a>', html)
    assert match, key
    return match.group(1).replace("&amp;", "&"), int(match.group(2))


def test_the_reviewers_counts_lead_to_lists_of_that_many(seeded, client, login):
    login(seeded["reviewer"])
    html = client.get("/admin/").get_data(as_text=True)
    for key, expected in (("products_pending", 2), ("products_overdue", 1)):
        href, n = _link(html, key)
        assert n == expected
        assert _row_count(client.get(href).get_data(as_text=True)) == n
    href, n = _link(html, "units_overdue")
    assert n == 0 and "没有待审核的实名认证" in client.get(href).get_data(as_text=True)
    # today's decisions: the reviewer approves one now, the count and the list on the page follow
    workflows.apply(Product.get_by_id(seeded["new"].id), "approve", seeded["reviewer"])
    html = client.get("/admin/").get_data(as_text=True)
    href, n = _link(html, "decided_today")
    assert href == "#decided-today" and n == 1
    listed = html.split('data-list="decided_today"', 1)[1].split("</ul>", 1)[0]
    assert listed.count("data-row") == 1


def test_the_officers_counts_lead_to_lists_of_that_many(seeded, client, login, make, enter_holidays):
    rnd = RecognitionRound.create(year=2026, name="2026年度专利密集型产品认定", filing_from=datetime(2026, 1, 1).date(),
                                  filing_to=datetime(2026, 12, 31).date())
    product = Product.get(Product.status == ProductStatus.FILED)
    officer = make.staff("officer")
    rec = Recognition.create(product=product, round=rnd)
    workflows.apply(rec, "start_notice", officer, start=NOW.date())
    login(officer)
    html = client.get("/admin/").get_data(as_text=True)
    href, n = _link(html, "candidates")
    assert n == 3  # four filed in the period, one of them in its notice
    assert len(re.findall(r'<tr[^>]*data-product="\d+"', client.get(href).get_data(as_text=True))) == n
    href, n = _link(html, "in_notice")
    assert n == 1 and len(re.findall(r"<tr data-recognition=", client.get(href).get_data(as_text=True))) == 1


def test_the_handler_sees_open_objections_with_their_deadlines(seeded, client, login, make):
    rnd = RecognitionRound.create(year=2026, name="2026年度", filing_from=datetime(2026, 1, 1).date(),
                                  filing_to=datetime(2026, 12, 31).date())
    rec = Recognition.create(product=Product.get(Product.status == ProductStatus.FILED), round=rnd,
                             status=RecognitionStatus.NOTICE)
    received = NOW - timedelta(days=40)
    Objection.create(tracking_number="YY2026000001", recognition=rec, name="王先生", phone="13900139000",
                     email="a@example.cn", content="请核查",
                     created_at=received.astimezone(ZoneInfo("UTC")).replace(tzinfo=None))
    Objection.create(tracking_number="YY2026000002", recognition=rec, name="李女士", phone="13900139001",
                     email="b@example.cn", content="请核查")
    login(make.staff("handler"))
    html = client.get("/admin/").get_data(as_text=True)
    assert re.search(r'data-count="objections_open"><a href="/admin/review_objections/">2</a>', html)
    assert re.search(r'data-count="objections_overdue"><a href="/admin/review_objections/\?overdue=1">1</a>', html)
    deadline = add_working_days(received.date(), OBJECTION_WORKING_DAYS)
    assert deadline.isoformat() in html and "已超期" in html
    assert html.split('data-list="objections"', 1)[1].split("</table>", 1)[0].count("data-row") == 2


def test_the_administrators_counts_lead_to_their_lists(seeded, client, login, make):
    login(make.staff("admin"))
    html = client.get("/admin/").get_data(as_text=True)
    href, n = _link(html, "staff")
    listed = client.get(href).get_data(as_text=True)
    assert n >= 2 and listed.count('<td class="list-buttons-column">') == n
    assert 'data-count="storage"' in html and "年法定节假日" in html


def test_role_names_are_looked_up_once_per_request(seeded, client, login, make, app):
    login(make.staff("admin"))
    queries = []
    database = getattr(db.database, "obj", db.database)
    original = database.execute_sql

    def counting(sql, *args, **kw):
        queries.append(sql)
        return original(sql, *args, **kw)

    database.execute_sql = counting
    try:
        assert client.get("/admin/").status_code == 200
    finally:
        database.execute_sql = original
    role_queries = [q for q in queries if 'FROM "role"' in q and "userroles" in q.lower()]
    assert len(role_queries) <= 2, len(role_queries)


def test_the_public_home_page_summary(seeded, client):
    summary = statistics.public_summary()
    assert summary["total"] == 4
    assert {name: n for _c, name, n in summary["provinces"]} == {"广东": 2, "北京": 2}
    html = client.get("/").get_data(as_text=True)
    block = html.split("data-public-summary", 1)[1].split("</section>", 1)[0]
    assert "广东" in block and "北京" in block and ">4<" in block


def test_the_demo_spreads_its_filings_decisions_and_audit_over_24_months(db_session):
    from conftest import PASSWORD

    from models import AuditLog, shanghai_time
    from seed.demo import load
    from seed.demo_updates import PLAN

    load(PASSWORD, products=60)
    months = statistics.filings_per_month()
    assert sum(1 for _m, n in months if n) >= 10  # not one bar: the month `make run` first ran
    assert sum(n for _m, n in months) == Product.select().where(Product.filed_at.is_null(False)).count()
    redated = 0  # seed/demo_updates.py dates a few as filed last November (due for this year's update)
    for product in Product.select().where(Product.filed_at.is_null(False)):
        assert product.submitted_at <= product.filed_at
        approved = AuditLog.get(AuditLog.object_type == "product", AuditLog.object_id == product.id,
                                AuditLog.event == "approve")
        if approved.created_at != product.filed_at:
            redated += 1
            continue
        # the filing number, the audit row and the filing time all of the day it was filed
        assert product.filing_number and shanghai_time(product.filed_at, "%Y") in product.filing_number
    assert redated <= len(PLAN)
    waiting = [q for q in statistics.review_times() if q[1]]
    assert len(waiting) >= 3  # review times of several lengths


def test_an_approved_change_of_a_units_region_shows_in_the_figures_at_once(seeded):
    from models import UnitChangeRequest

    assert dict(statistics.figures()["provinces"][2]) == {"广东": 2, "北京": 2}  # now kept
    beijing = Unit.get(Unit.region_code == "110105")
    change = UnitChangeRequest.create(unit=beijing, old_values={"region_code": "110105"},
                                      new_values={"region_code": "310115"})
    workflows.apply(change, "approve", seeded["reviewer"])
    assert dict(statistics.by_province()) == {"广东": 2, "上海": 2}
    assert dict(statistics.figures()["provinces"][2]) == {"广东": 2, "上海": 2}  # not the figures kept before
