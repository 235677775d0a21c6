"""产品信息查询 without reading every match (issue 16): a broad text query's counts are
estimated from a sample and say 约, filter-only pages and narrow queries stay exact, a broad
query ranks only its newest matches, the home page's figures are read once per public change,
and an API page costs a fixed number of statements.

The thresholds are lowered here (a few products stand for thousands); the code paths are the
ones a full index takes. Runs on SQLite, and on PostgreSQL when ZLCP_TEST_DATABASE_URL is set.
"""

import os
import re
from contextlib import contextmanager

import pytest

import workflows
from domain import search
from infra import changes
from models import AssetInfo, Product, Recognition, RecognitionRound, db, last_fiscal_year


@pytest.fixture
def file_product(make):
    """file_product(unit=None, **fields): a product filed through submit → approve."""
    reviewer = make.staff("reviewer")
    units = []

    def _file(unit=None, **fields):
        if unit is None:  # a few units are enough; approving one costs more than a product
            if len(units) < 3:
                units.append(make.approved_unit(reviewer))
                AssetInfo.get_or_create(unit=units[-1], fiscal_year=last_fiscal_year())
            unit = units[len(units) - 1]
        product = make.complete_product(unit, **fields)
        product = workflows.apply(product, "submit", unit.user)
        return workflows.apply(product, "approve", reviewer)

    return _file


@contextmanager
def statements():
    """The SQL statements run inside the block."""
    database = getattr(db.database, "obj", db.database)
    seen = []
    original = database.execute_sql

    def recording(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return original(sql, params, *args, **kwargs)

    database.execute_sql = recording
    try:
        yield seen
    finally:
        del database.execute_sql


@pytest.fixture
def small_thresholds(monkeypatch):
    """Exact up to 4 matches; a broad query ranks its newest 3; a sample should hold 2 matches."""
    monkeypatch.setattr(search, "EXACT_UP_TO", 4)
    monkeypatch.setattr(search, "RANK_CANDIDATES", 3)
    monkeypatch.setattr(search, "SAMPLE_ROWS", 2)


@pytest.fixture
def analysed():
    """analysed(): the index's statistics counted afresh (ANALYZE), as a server's autovacuum
    does, and read afresh by search."""
    def _analyse():
        db.database.execute_sql("ANALYZE searchdoc")
        changes._kept.clear()

    return _analyse


def test_a_broad_query_says_about_and_a_narrow_one_is_exact(client, file_product, small_thresholds):
    for i in range(12):
        file_product(name=f"动力电池{i}")
    file_product(name="工业机器人")
    file_product(name="焊接机器人")

    broad = search.search("电池", {})
    assert broad.estimated
    matches = [p.id for p in search.public_query("电池", {})]
    assert len(matches) > 4
    # the matches of the first k sample buckets (k of 256) read, scaled up: k is chosen to hold
    # about SAMPLE_ROWS of them, not all 256
    scaled = {round(sum(search.fine_sample_of(pid) < k for pid in matches) * 256 / k) for k in range(1, 256)}
    assert broad.total in scaled
    html = client.get("/search?q=电池").get_data(as_text=True)
    assert re.search(r"“电池”的查询结果：约[0-9,]+个产品", html)
    assert f"共{len(matches)}个产品" not in html

    narrow = search.search("机器人", {})
    assert not narrow.estimated and narrow.total == 2
    html = client.get("/search?q=机器人").get_data(as_text=True)
    assert "“机器人”的查询结果：共2个产品" in html and "约" not in html.split('id="facet-status"')[1][:400]

    # filter-only pages are exact whatever their size
    everything = search.search("", {"status": "filed"})
    assert not everything.estimated and everything.total == 14
    assert "共14个产品" in client.get("/search?status=filed").get_data(as_text=True)


def test_a_few_matches_under_filters_are_counted_not_scaled_up(file_product, small_thresholds):
    odd = file_product(name="电池检测仪", industry="4028")
    for i in range(8):
        file_product(name=f"动力电池{i}")
    results = search.search("电池", {"industry": "4028"})
    assert results.estimated  # the text is broad
    # scaled up from the first k sample buckets of 256, if in them, else counted
    bucket = search.fine_sample_of(odd.id)
    assert results.total in {1} | {round(256 / k) for k in range(bucket + 1, 256)}


def test_filter_only_counts_equal_what_choosing_them_gives(file_product):
    """The counts of a page without text come from the kept groups; each must be the number
    of results that choosing it gives, at every width of industry and category filter."""
    rows = [("动力电池", "3841", "0101010101"), ("电池检测", "4028", "0102"), ("隔膜", "2929", "0101"),
            ("储能柜", "3841", "0201"), ("化成设备", "3562", None)]
    for name, industry, category in rows:
        fields = {"name": name, "industry": industry}
        if category:
            fields["category"] = category
        file_product(**fields)
    checked = 0
    for filters in ({}, {"industry": "C"}, {"industry": "38"}, {"industry": "3841"}, {"category": "01"},
                    {"category": "0101"}, {"status": "filed", "industry": "C"}):
        results = search.search("", filters)
        assert not results.estimated
        assert results.total == search.public_query("", filters).count(), filters
        # (under a chosen category the category facet lists its subclasses: a drill-down, not a choice)
        for facet in ("status", "province", "industry", "division", "year", *(() if "category" in filters
                                                                                 else ("category",))):
            for value in results.facets[facet]:
                key = "industry" if facet == "division" else facet
                expected = search.public_query("", {**filters, key: value.value}).count()
                assert value.count == expected, (filters, facet, value.value)
                checked += 1
    assert checked > 30


def test_a_broad_query_ranks_its_newest_matches_then_lists_the_rest_by_date(file_product, small_thresholds):
    oldest = file_product(name="电池")  # the best match, but not among the newest 3
    older = [file_product(name="储能系统", intro=f"配套电池组{i}。") for i in range(3)]
    best_new = file_product(name="锂电池")
    newest = [file_product(name="控制柜", intro=f"含备用电池{i}。") for i in range(2)]
    broad = search.search("电池", {}, per_page=10)
    assert broad.estimated
    ids = [p.id for p in broad.items]
    # the newest three (best_new and newest) ranked by relevance: the name match first;
    # then the others by date, newest first, the old best match last
    assert ids[0] == best_new.id and set(ids[1:3]) == {p.id for p in newest}
    assert ids[3:] == [p.id for p in reversed(older)] + [oldest.id]
    # the second page continues where the first stopped, across the end of the ranked ones
    second = search.search("电池", {}, per_page=2, page=2)
    assert [p.id for p in second.items] == ids[2:4]
    third = search.search("电池", {}, per_page=4, page=2)
    assert [p.id for p in third.items] == ids[4:7]
    # with a filter the candidates are the newest matches that pass it
    year = str(search.SearchDoc.get_by_id(oldest.id).year)  # the filing year in Beijing, as the filter reads it
    filtered = search.search("电池", {"year": year}, per_page=10)
    assert [p.id for p in filtered.items] == ids
    # the newest matches are looked for among the newest ids first (PostgreSQL): when all of them
    # are older, they are still found
    for i in range(12):
        file_product(name=f"储能柜{i}", intro="配套储能设备。")
    assert [p.id for p in search.search("电池", {}, per_page=10).items] == ids
    if not search.is_postgres():  # the count that replaces a thin sample's under filters
        toks = search.clean("电池", {})[1]
        assert search._fts_count(toks, 100, {"year": year}) == 7 and search._fts_count(toks, 5) == 5
        assert search._fts_count(toks, 100, {"year": "1999"}) == 0


def test_a_narrow_query_ranks_a_name_match_before_a_newer_intro_match(file_product):
    name_match = file_product(name="电池")
    intro_match = file_product(name="储能系统", intro="配套电池组。")
    results = search.search("电池", {})
    assert not results.estimated
    assert [p.id for p in results.items] == [name_match.id, intro_match.id]
    assert [p.id for p in search.search("电池", {}, sort="date").items] == [intro_match.id, name_match.id]


def test_home_figures_are_read_once_per_public_change(client, make, login, file_product):
    unit = make.approved_unit()
    file_product(name="动力电池管理系统")
    login(unit.user)  # a signed-in visitor: never served by the page cache
    assert "动力电池管理系统" in client.get("/").get_data(as_text=True)
    with statements() as seen:
        html = client.get("/").get_data(as_text=True)
    assert "动力电池管理系统" in html and "<strong>1</strong>已备案" in html
    assert not [sql for sql in seen if "searchdoc" in sql or '"product"' in sql], seen

    file_product(name="电池检测设备")  # a public change: the figures are read again
    html = client.get("/").get_data(as_text=True)
    assert "电池检测设备" in html and "<strong>2</strong>已备案" in html


def test_an_api_page_costs_a_fixed_number_of_statements(client, file_product):
    products = [file_product(name=f"动力电池{i}") for i in range(21)]
    round_ = RecognitionRound.create(year=2026, name="2026年度", filing_from="2025-01-01", filing_to="2026-12-31")
    Recognition.create(product=products[0], round=round_, status="expired")  # shown as 已过期
    search.reindex([products[0].id])
    with statements() as seen:
        body = client.get("/api/v1/products?q=电池&limit=20").get_json()
    assert len(body["items"]) == 20 and body["next_cursor"]
    assert len(seen) <= 10, seen
    assert body["items"][0]["status"] == "expired" and body["items"][0]["status_label"] == "已过期"
    assert body["items"][1]["status"] == "filed" and body["items"][1]["industry"]["name"]
    rest = client.get(f"/api/v1/products?q=电池&limit=20&cursor={body['next_cursor']}").get_json()
    assert [i["token"] for i in rest["items"]] == [products[-1].token] and rest["next_cursor"] is None
    assert {i["token"] for i in body["items"]} == {p.token for p in Product.select().order_by(Product.id).limit(20)}


@pytest.mark.skipif(not os.environ.get("ZLCP_TEST_DATABASE_URL"), reason="PostgreSQL not configured")
def test_a_token_in_most_rows_is_checked_on_each_row_with_the_same_results(file_product, analysed, monkeypatch):
    """PostgreSQL: GIN reads a token's whole list of rows, so a token in most rows (by the
    statistics) is checked on the rows the rest of the query picks instead: same results."""
    for i in range(10):
        file_product(name=f"动力电池{i}", intro="含储能模块。" if i % 3 else "动力电池。")
    file_product(name="焊接机器人", intro="用于汽车焊装生产线。")
    analysed()
    assert search._dense(search.clean("电池", {})[1]) == ["电池"]
    assert search._dense(search.clean("储能", {})[1]) == ["储能"]  # 6 of 11 rows: above 0.3

    def results(q, filters, **kw):
        r = search.search(q, filters, **kw)
        return [p.id for p in r.items], r.total, {k: [(v.value, v.count) for v in vs] for k, vs in r.facets.items()}

    queries = [("电池", {}), ("电池 储能", {}), ("动力电池", {"status": "filed"}), ("电池", {"year": "2020"})]
    with statements() as seen:
        dense = [results(q, f) for q, f in queries] + [results("电池", {}, sort="date")]
    assert any("COALESCE" in sql for sql in seen)
    monkeypatch.setattr(search, "DENSE", 2.0)  # no token is dense: every one through GIN
    with statements() as seen:
        assert [results(q, f) for q, f in queries] + [results("电池", {}, sort="date")] == dense
    assert not any("COALESCE" in sql for sql in seen)
    assert dense[0][1] == 10 and dense[1][1] == 6 and dense[2][1] == 10 and dense[3][1] == 0


def test_a_query_for_a_sample_token_finds_only_products_that_name_it(file_product):
    """The sample buckets live beside the text (searchfts.meta, "_s_" lexemes); a query for one
    by its name finds nothing that does not say it."""
    plain = file_product(name="动力电池")
    token = f"s{search.fine_sample_of(plain.id)}"
    assert search.search(token, {}).total == 0
    assert search.search(f"_s_{search.fine_sample_of(plain.id)}", {}).total == 0
    named = file_product(name=f"{token}型储能柜")
    assert [p.id for p in search.search(token, {}).items] == [named.id]


def test_ranges_of_sample_buckets_split_the_matches_without_overlap(file_product):
    """A sample is read a range of buckets at a time; the ranges up to 256 (the last read as
    "none of the first") give every match once."""
    for i in range(8):
        file_product(name=f"动力电池{i}")
    toks = search.clean("电池", {})[1]
    matches = {p.id for p in search.public_query("电池", {})}
    split = max(1, sorted(search.fine_sample_of(pid) for pid in matches)[len(matches) // 2])

    def ids_in(buckets):
        if search.is_postgres():
            condition = search._match(toks, extra=search._fine_sample(buckets))[0]
            return {pid for (pid,) in search.SearchDoc.select(search.SearchDoc.product).where(condition).tuples()}
        text = search._match(toks)[1] + search._sample_tokens(buckets)
        return {pid for (pid,) in db.database.execute_sql(
            'SELECT rowid FROM "searchfts" WHERE "searchfts" MATCH ?', [text]).fetchall()}

    first, rest = ids_in(range(split)), ids_in(range(split, 256))
    assert first == {pid for pid in matches if search.fine_sample_of(pid) < split}
    assert rest == matches - first and rest
    assert ids_in(range(256)) == matches


@pytest.mark.parametrize("broad", [False, True])
def test_text_with_filters_lists_what_the_index_columns_say(file_product, monkeypatch, broad):
    """The filters are also tokens of the text index (searchfts.meta, "_" lexemes): a text
    query under each kind of filter lists exactly the matches whose index columns pass it."""
    if broad:
        monkeypatch.setattr(search, "EXACT_UP_TO", 2)
        monkeypatch.setattr(search, "RANK_CANDIDATES", 2)
    rows = [("动力电池", "3841", "0101010101"), ("电池检测仪", "4028", "0102"), ("电池隔膜", "2929", None),
            ("储能电池柜", "3841", "0201"), ("化成设备", "3562", "0101")]
    for name, industry, category in rows:
        product = file_product(name=name, industry=industry, category=category or "0101")
        if category is None:  # a product without a category (其他), as older filings may be
            Product.update(category=None).where(Product.id == product.id).execute()
            search.reindex([product.id])
    doc = search.SearchDoc.get_by_id(search.public_query("电池", {}).first().id)
    checked = 0
    for filters in ({"industry": "C"}, {"industry": "38"}, {"industry": "3841"}, {"category": "01"},
                    {"category": "0101"}, {"category": search.OTHER_CATEGORY}, {"status": "filed"},
                    {"province": doc.province}, {"year": str(doc.year)}, {"year": "2001"},
                    {"industry": "38", "category": "02"}, {"industry": "29", "category": search.OTHER_CATEGORY}):
        text_matches = {pid for (pid,) in search.SearchDoc.select(search.SearchDoc.product)
                        .where(search._match(search.clean("电池", {})[1])[0]).tuples()}
        expected = {pid for (pid,) in search.SearchDoc.select(search.SearchDoc.product)
                    .where(*search._filter_conditions(filters)).tuples()} & text_matches
        results = search.search("电池", dict(filters), per_page=100)
        assert {p.id for p in results.items} == expected, filters
        assert {p.id for p in search.public_query("电池", dict(filters))} == expected, filters
        checked += bool(expected)
    assert checked >= 9


def test_a_card_whose_index_row_went_meanwhile_still_shows(file_product):
    """The cards are read after the ids; a product whose index row went in between (a reindex
    on another connection) is shown as 已备案, not an error."""
    product = file_product(name="动力电池")
    search.SearchDoc.delete().where(search.SearchDoc.product == product.id).execute()
    assert [(p.id, p.public_status) for p in search._products([product.id])] == [(product.id, "filed")]
