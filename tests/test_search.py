"""产品信息查询: Chinese full-text search, filters, facets, exports, home page.

Runs on SQLite, and on PostgreSQL when ZLCP_TEST_DATABASE_URL is set.
"""

import csv
import io
import re
from datetime import datetime

import pytest

import workflows
from domain import search
from models import AssetInfo, Recognition, RecognitionRound, UnitChangeRequest, last_fiscal_year, today_shanghai


@pytest.fixture
def file_product(make):
    """file_product(unit=None, **fields): a product filed through submit → approve."""
    reviewer = make.staff("reviewer")

    def _file(unit=None, **fields):
        unit = unit or make.approved_unit(reviewer)
        AssetInfo.get_or_create(unit=unit, fiscal_year=last_fiscal_year())
        product = make.complete_product(unit, **fields)
        product = workflows.apply(product, "submit", unit.user)
        return workflows.apply(product, "approve", reviewer)

    return _file


def names(results):
    return [p.name for p in results.items]


def test_two_characters_find_a_longer_chinese_name(file_product):
    file_product(name="动力电池管理系统")
    file_product(name="工业机器人控制器", model="RC-7", intro="六轴关节控制。")
    assert names(search.search("电池", {})) == ["动力电池管理系统"]
    assert names(search.search("电池管理", {})) == ["动力电池管理系统"]
    assert names(search.search("管理电池", {})) == []  # tokens in order, not a bag of characters
    assert search.search("池", {}).total == 1  # one character
    assert names(search.search("bms", {})) == ["动力电池管理系统"]  # the model BMS-2000, any case
    assert names(search.search("ＢＭＳ－２０", {})) == ["动力电池管理系统"]  # full-width, word prefix


def test_unit_name_intro_and_trademark_are_searched(make, file_product):
    unit = make.approved_unit()
    file_product(unit, name="智能门锁", trademark="安芯", intro="指纹与人脸识别。")
    assert search.search(unit.name[:4], {}).total == 1
    assert names(search.search("人脸识别", {})) == ["智能门锁"]
    assert names(search.search("安芯", {})) == ["智能门锁"]


def test_a_former_unit_name_finds_its_products(make, file_product):
    unit = make.approved_unit()
    old_name = unit.name
    file_product(unit, name="光伏逆变器")
    change = UnitChangeRequest.create(unit=unit, old_values={"name": old_name},
                                                new_values={"name": "远航新能源股份有限公司"})
    workflows.apply(change, "approve", make.staff("reviewer"))
    assert names(search.search("远航新能源", {})) == ["光伏逆变器"]
    assert names(search.search(old_name, {})) == ["光伏逆变器"]


def test_products_that_are_not_public_never_appear(make, file_product):
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    draft = make.complete_product(unit, name="草稿电池")
    pending = workflows.apply(make.complete_product(unit, name="待审电池"), "submit", unit.user)
    file_product(unit, name="已备案电池")
    search.reindex([draft.id, pending.id])  # even when asked to index them
    assert names(search.search("电池", {})) == ["已备案电池"]
    assert [p.name for p in search.public_query("电池", {})] == ["已备案电池"]
    assert search.search("", {}).total == 1


def _recognise(product, status):
    round_ = RecognitionRound.get_or_create(year=2026, defaults={
        "name": "2026年度", "filing_from": datetime(2025, 1, 1), "filing_to": datetime(2026, 12, 31)})[0]
    rec = Recognition.create(product=product, round=round_, status=status)
    search.reindex([product.id])
    return rec


def test_facets_count_and_filters_narrow(make, file_product):
    a = file_product(name="动力电池管理系统", industry="3841")
    b = file_product(name="电池检测设备", industry="4028")
    c = file_product(name="电池隔膜", industry="2929")
    _recognise(b, "notice")
    _recognise(c, "recognised")
    year = str(today_shanghai().year)  # the filing year, in Beijing (16:00 UTC on 31 December is next year)

    results = search.search("电池", {})
    assert results.total == 3
    assert {f.value: f.count for f in results.facets["status"]} == {"filed": 1, "notice": 1, "recognised": 1}
    assert {f.value: f.count for f in results.facets["industry"]} == {"C": 3}
    assert {f.value: f.count for f in results.facets["province"]} == {"44": 3}
    assert {f.value: f.count for f in results.facets["year"]}.get(year) == 3
    assert [f.label for f in results.facets["province"]] == ["广东"]

    assert names(search.search("电池", {"status": "notice"})) == ["电池检测设备"]
    assert names(search.search("电池", {"industry": "38"})) == ["动力电池管理系统"]
    narrowed = search.search("电池", {"industry": "C"})
    assert narrowed.total == 3
    assert {f.value: f.count for f in narrowed.facets["division"]} == {"38": 1, "40": 1, "29": 1}
    assert search.search("电池", {"province": "11"}).total == 0
    assert search.search("电池", {"year": "2001"}).total == 0
    assert search.search("电池", {"category": "0101"}).total == 3
    assert search.search("电池", {"category": "02"}).total == 0
    selected = search.search("电池", {"status": "notice"})
    # a selected status still shows the other statuses' counts
    assert {f.value: (f.count, f.selected) for f in selected.facets["status"]}["filed"] == (1, False)
    assert a.id in [p.id for p in search.public_query("", {"status": "filed"})]


def test_every_facet_count_is_the_total_that_choosing_it_gives(make, file_product):
    """Each facet counts under every filter but its own, and the total under all of them."""
    from itertools import product as combinations

    from infra.validators import uscc_check_char
    from models import Unit

    beijing = make.approved_unit()
    body = "91110105MA0000077"
    Unit.update(region_code="110105", credit_code=body + uscc_check_char(body)).where(
        Unit.id == beijing.id).execute()
    beijing = Unit.get_by_id(beijing.id)
    rows = [(None, "动力电池管理系统", "3841", None), (None, "电池检测设备", "4028", "notice"),
            (beijing, "电池隔膜", "2929", "recognised"), (beijing, "储能电池柜", "3841", "notice"),
            (beijing, "电池化成设备", "3562", None)]
    for unit, name, industry, status in rows:
        product = file_product(unit, name=name, industry=industry)
        if status:
            _recognise(product, status)

    choices = {"status": [None, "notice"], "province": [None, "11"], "industry": [None, "C", "38"]}
    for picked in combinations(*choices.values()):
        filters = {k: v for k, v in zip(choices, picked) if v}
        results = search.search("电池", filters)
        assert results.total == search.public_query("电池", filters).count(), filters
        for facet in ("status", "province", "industry", "division"):
            for value in results.facets[facet]:
                key = "industry" if facet == "division" else facet
                expected = search.public_query("电池", {**filters, key: value.value}).count()
                assert value.count == expected, (filters, facet, value.value)


def test_sort_by_date_and_relevance(file_product):
    first = file_product(name="电池")
    second = file_product(name="储能系统", intro="配套电池组。")
    assert names(search.search("电池", {}, sort="date")) == [second.name, first.name]
    assert names(search.search("电池", {}, sort="relevance")) == [first.name, second.name]


def test_pages(file_product):
    for i in range(3):
        file_product(name=f"电池{i}")
    page = search.search("电池", {}, page=2, per_page=2)
    assert (page.total, page.page, page.pages, len(page.items)) == (3, 2, 2, 1)
    past = search.search("电池", {}, page=99, per_page=2)
    assert past.page == 2 and past.messages


@pytest.mark.parametrize("q", ['"电池', "电池*", "电池 AND", "NEAR(电池", "电池'", "'; DROP TABLE product;--",
                               "电池" * 80, "*", "AND", '"', "NEAR(", "OR NOT", "电池) OR (1=1", "电\x00池"])
def test_bad_input_gives_a_normal_page(client, file_product, q):
    file_product(name="动力电池管理系统")
    results = search.search(q, {"nonsense": "1", "year": "abc", "province": "99"}, sort="x", page="-3")
    assert results.page == 1
    assert results.messages
    resp = client.get("/search", query_string={"q": q, "page": "999", "nope": "1", "industry": "ZZ"})
    assert resp.status_code == 200
    assert "产品信息查询" in resp.get_data(as_text=True) and "\x00" not in resp.get_data(as_text=True)


def test_long_query_is_cut_with_a_message(client, file_product):
    file_product(name="动力电池管理系统")
    resp = client.get("/search", query_string={"q": "电池" + "x" * 200})
    assert "查询内容过长" in resp.get_data(as_text=True)


def test_index_follows_approve_then_revoke(make, file_product):
    product = file_product(name="动力电池管理系统")
    assert search.search("电池", {}).total == 1
    rec = _recognise(product, "recognised")
    assert search.search("电池", {"status": "recognised"}).total == 1
    workflows.apply(rec, "revoke", make.staff("handler"), reason="异议成立")
    assert search.search("电池", {}).total == 0
    assert search.status_counts() == {"filed": 0, "notice": 0, "recognised": 0}


def test_search_page_shows_cards_and_facets(client, file_product):
    product = file_product(name="动力电池管理系统")
    html = client.get("/search?q=电池").get_data(as_text=True)
    assert "动力电池管理系统" in html and product.filing_number in html
    assert f"/products/{product.token}" in html
    card = html.split(f'href="/products/{product.token}"', 1)[1].split("</li>", 1)[0]
    assert re.search(r'zl-badge-filed">\s*已备案<', card)  # the card's own status
    assert re.search(r'广东 <span class="zl-count">1</span>', html)  # the province facet
    assert client.get("/search?q=不存在的产品").status_code == 200
    assert "没有找到" in client.get("/search?q=不存在的产品").get_data(as_text=True)
    on_notice = file_product(name="电池检测设备")
    _recognise(on_notice, "notice")
    html = client.get("/search?q=电池").get_data(as_text=True)
    card = html.split(f'href="/products/{on_notice.token}"', 1)[1].split("</li>", 1)[0]
    assert re.search(r'zl-badge-notice">\s*公示中<', card)


def test_switching_language_keeps_the_search(client, file_product):
    file_product(name="动力电池管理系统")
    html = client.get("/search?q=电池&province=44").get_data(as_text=True)
    switch = re.search(r'href="([^"]*lang=en)">English<', html).group(1).replace("&amp;", "&")
    english = client.get(switch).get_data(as_text=True)
    assert "动力电池管理系统" in english and "Results for" in english
    assert "lang" not in text_between(english, "<main", "</main>").replace("language", "")


def text_between(html, start, end):
    return html.split(start, 1)[1].split(end, 1)[0]


def test_result_cards_show_the_main_image_thumbnail(client, file_product):
    product = file_product(name="动力电池管理系统")
    html = client.get("/search?q=电池").get_data(as_text=True)
    assert f'src="/products/{product.token}/thumb.jpg"' in html
    assert client.get(f"/products/{product.token}/thumb.jpg").status_code == 200


def test_exports_contain_only_public_columns(client, file_product):
    product = file_product(name="动力电池管理系统")
    resp = client.get("/search/export.csv?q=电池")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["产品名称", "规格型号", "单位名称", "状态", "备案号", "产品所属行业", "产品分类", "备案日期"]
    assert rows[1][:5] == ["动力电池管理系统", "BMS-2000", product.unit.name, "已备案", product.filing_number]
    assert len(rows) == 2
    resp = client.get("/search/export.xlsx?q=电池")
    assert resp.status_code == 200
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(resp.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "产品名称" and values[1][0] == "动力电池管理系统"
    assert len(values[0]) == 8
    # wide enough for Chinese text: 状态 "已备案" is 6 half-width characters wide
    assert sheet.column_dimensions["D"].width >= 8 and sheet.column_dimensions["A"].width >= 18
    assert client.get("/search/export.pdf").status_code == 404


def test_home_shows_counts_latest_and_notice_list(client, file_product):
    assert "暂无公示中的产品" in client.get("/").get_data(as_text=True)
    product = file_product(name="动力电池管理系统")
    other = file_product(name="电池检测设备")
    _recognise(other, "notice")
    html = client.get("/").get_data(as_text=True)
    assert "动力电池管理系统" in html and "电池检测设备" in html
    assert "<strong>1</strong>已备案" in html and "<strong>1</strong>公示中" in html
    assert "<strong>0</strong>已认定" in html
    notices = html.split('id="notice-title"', 1)[1].split("</section>", 1)[0]
    assert "电池检测设备" in notices and "动力电池管理系统" not in notices
    assert 'action="/search"' in html
    assert "产品信息查询" in html
    assert "暂无公示中的产品" not in html
    assert f"/products/{product.token}" in html


def test_reindex_all_rebuilds_the_index_from_the_products(file_product):
    from models import Product

    product = file_product(name="动力电池管理系统")
    Product.update(name="钠离子电池").where(Product.id == product.id).execute()  # behind the index
    assert names(search.search("钠离子", {})) == []
    assert search.reindex_all() == 1
    assert names(search.search("钠离子", {})) == ["钠离子电池"]
    assert names(search.search("管理系统", {})) == []


# ---------------------------------------------------------------- browser


@pytest.mark.browser
def test_home_and_search_pages_are_accessible(page, live_server, file_product):
    from axe_playwright_python.sync_playwright import Axe

    from tests.conftest import screenshot

    file_product(name="动力电池管理系统")
    axe = Axe()
    for path in ("/", "/search?q=电池", "/search?q=没有的东西"):
        page.goto(live_server + path)
        result = axe.run(page)
        serious = [v for v in result.response["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in serious]
    page.goto(live_server + "/search?q=电池")
    screenshot(page, "search-desktop")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server + "/search?q=电池")
    screenshot(page, "search-375")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.goto(live_server + "/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("searchbox", name="产品信息查询").fill("电池")
    page.get_by_role("button", name="查询").first.click()
    page.wait_for_url("**/search?**")
    assert page.get_by_role("link", name="动力电池管理系统").is_visible()


def test_bulk_approval_reindexes_its_batch_once_and_the_products_are_found(make):
    from domain.filing import review as product_review

    reviewer = make.staff("reviewer")
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year(), total_sales=100000, ip_investment=10000)
    pending = []
    for n in range(3):
        product = make.complete_product(unit, name=f"钠电池储能柜{n}")
        pending.append(workflows.apply(product, "submit", unit.user))
    calls = []
    original = search._write
    search._write = lambda docs: (calls.append(len(docs)), original(docs))
    try:
        approved, skipped = product_review.bulk_approve([p.id for p in pending], reviewer)
    finally:
        search._write = original
    assert (approved, skipped) == (3, []) and calls == [3]
    assert search.search("钠电池", {}).total == 3
