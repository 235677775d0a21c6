"""Open data API /api/v1: public products only, public fields only, cursor pages, filters,
errors in Chinese as JSON, a per-IP rate limit and CORS for GET."""

import json
import re
from math import inf

import pytest
from test_public_products import assert_no_secrets, filed_product, recognition, secret_product

import workflows
from models import Product, Unit


def get_json(client, path, status=200, **kw):
    resp = client.get(path, **kw)
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    return resp.get_json()


def test_list_and_detail_carry_public_fields_and_no_private_data(client, make):
    product = secret_product(make)
    listing = get_json(client, "/api/v1/products")
    assert listing["next_cursor"] is None and [i["token"] for i in listing["items"]] == [product.token]
    item = listing["items"][0]
    assert item["name"] == "动力电池管理系统" and item["status"] == "filed" and item["status_label"] == "已备案"
    assert item["filing_number"] == product.filing_number and item["unit_name"] == product.unit.name
    assert item["url"] == f"http://127.0.0.1/api/v1/products/{product.token}"  # the tests' SITE_URL
    detail = get_json(client, item["url"].removeprefix("http://127.0.0.1"))
    assert detail["model"] == "BMS-2000" and detail["trademark"] == "星河"
    assert detail["export_countries"] == ["美国", "德国"] and detail["first_year"] == 2018
    assert detail["category"]["code"] == product.category_id and detail["industry"]["name"]
    assert [p["name"] for p in detail["patents"]] == [product.patent_links.get().patent.name]
    assert detail["links"]["phone"] == f"http://127.0.0.1/m/{product.token}"
    for body in (listing, detail):
        assert_no_secrets(json.dumps(body, ensure_ascii=False))
        assert "id" not in keys_of(body)  # the database id is no public identifier


def keys_of(value):
    """Every key of a JSON document, at any depth."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


@pytest.mark.usefixtures("fixed_clock")  # notices count working days
def test_products_not_public_are_absent_and_not_found(client, make):
    shown = filed_product(make)
    unit = make.approved_unit()
    draft = make.complete_product(unit)
    revoked = filed_product(make)
    workflows.apply(revoked, "admin_revoke", make.staff("admin"), reason="违规")
    withdrawn = filed_product(make)
    recognition(withdrawn, make, to="revoked")
    tokens = [i["token"] for i in get_json(client, "/api/v1/products")["items"]]
    assert tokens == [shown.token]
    assert get_json(client, f"/api/v1/products/{draft.token}", 404) == {"error": "产品不存在或未公开"}
    assert get_json(client, "/api/v1/products/nosuchtoken", 404)["error"] == "产品不存在或未公开"
    gone = get_json(client, f"/api/v1/products/{revoked.token}")
    assert gone["status_label"] == "已撤销" and gone["public"] is False
    assert set(gone) <= {"token", "name", "unit_name", "status", "status_label", "public", "revoked_on"}
    assert get_json(client, f"/api/v1/products/{withdrawn.token}")["status_label"] == "已撤销认定"


def test_cursor_pages_walk_every_product_once(client, make):
    unit = make.approved_unit()
    from models import AssetInfo, last_fiscal_year

    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    reviewer = make.staff("reviewer")
    made = []
    for n in range(7):
        p = workflows.apply(make.complete_product(unit, name=f"产品{n}"), "submit", unit.user)
        made.append(workflows.apply(p, "approve", reviewer).token)
    seen, cursor, pages = [], None, 0
    while True:
        path = "/api/v1/products?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = get_json(client, path)
        seen += [i["token"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == made and pages == 3
    assert len(get_json(client, "/api/v1/products?limit=100")["items"]) == 7


@pytest.mark.parametrize("query,message", [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=abc", "limit"),
    ("cursor=%%%", "cursor"), ("cursor=bm90YWN1cnNvcg", "cursor"),
    ("status=revoked", "status"), ("industry=xyz", "industry"), ("category=abc", "category"),
    ("province=广东", "province"), ("year=99", "year"), ("colour=red", "colour"),
    ("q=" + "电" * 101, "q"),
    # an empty value is a bad value like any other (the document's patterns and enums admit none)
    ("status=", "status"), ("industry=", "industry"), ("category=", "category"), ("province=", "province"),
    ("year=", "year"), ("limit=", "limit"), ("cursor=", "cursor"), ("lang=", "lang"),
    # provinces the document's pattern never admitted, and a city's code
    ("province=00", "province"), ("province=99", "province"), ("province=000000", "province"),
    ("province=441234", "province"), ("province=%2044", "province"),
])
def test_bad_parameters_are_a_400_in_chinese(client, db_session, query, message):
    body = get_json(client, f"/api/v1/products?{query}", 400)
    assert list(body) == ["error"] and message in body["error"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"])


@pytest.mark.usefixtures("fixed_clock")  # notices count working days
def test_filters(client, make):
    from datetime import datetime

    filed = filed_product(make, industry="3841", category="0101010101")
    noticed = filed_product(make, industry="2710", category="010101")
    recognition(noticed, make, to="notice")
    recognised = filed_product(make, industry="3841")
    recognition(recognised, make, to="recognised")
    from domain import search
    from infra.validators import uscc_check_char

    body = "91110105MA0000042"  # a Beijing unit: the province comes from the credit code
    Unit.update(region_code="110105", credit_code=body + uscc_check_char(body)).where(
        Unit.id == recognised.unit_id).execute()
    Product.update(filed_at=datetime(2023, 6, 1)).where(Product.id == filed.id).execute()
    search.reindex([filed.id, recognised.id])  # the rows were changed behind the index's back

    def tokens(query):
        return {i["token"] for i in get_json(client, f"/api/v1/products?{query}")["items"]}

    assert tokens("status=filed") == {filed.token}
    assert tokens("status=notice") == {noticed.token} == tokens("status=公示中")
    assert tokens("status=recognised") == {recognised.token}
    assert tokens("industry=38") == {filed.token, recognised.token} == tokens("industry=3841")
    assert tokens("industry=C") == {filed.token, noticed.token, recognised.token}  # 制造业
    assert tokens("category=01010101") == {filed.token, recognised.token}
    assert len(tokens("category=010101")) == 3
    assert tokens("province=11") == {recognised.token} == tokens("province=110000")
    assert tokens("province=44") == {filed.token, noticed.token}
    assert tokens("year=2023") == {filed.token}
    assert tokens("status=filed&year=2023&province=44") == {filed.token}
    assert tokens("status=notice&year=2023") == set()


def test_text_query(client, make):
    from domain import search
    battery = filed_product(make, name="动力电池管理系统")
    motor = filed_product(make, name="永磁同步电机", intro="高效率电机。")
    search.reindex([battery.id, motor.id])
    tokens = [i["token"] for i in get_json(client, "/api/v1/products?q=电池")["items"]]
    assert tokens == [battery.token]
    assert [i["token"] for i in get_json(client, "/api/v1/products?q=电机&status=filed")["items"]] == [motor.token]


def test_rate_limit_per_ip_answers_429_in_json(client, make, app, monkeypatch):
    from infra.extensions import limiter

    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    limiter.reset()
    try:
        for _ in range(3):
            assert client.get("/api/v1/products").status_code == 200
        resp = client.get("/api/v1/products")
        assert resp.status_code == 429 and resp.get_json() == {"error": "请求过于频繁，请稍后再试"}
        other = client.get("/api/v1/products", environ_base={"REMOTE_ADDR": "10.0.0.2"})
        assert other.status_code == 200  # per IP
    finally:
        limiter.reset()


def test_cors_allows_get_from_any_origin(client, db_session):
    resp = client.get("/api/v1/products", headers={"Origin": "https://data.example.org"})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    pre = client.options("/api/v1/products", headers={
        "Origin": "https://data.example.org", "Access-Control-Request-Method": "GET"})
    assert "GET" in pre.headers["Access-Control-Allow-Methods"]
    assert "POST" not in pre.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in client.get("/").headers  # the API only
    assert client.post("/api/v1/products").status_code == 405
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json() == {"error": "接口地址不存在，请查阅 /api/v1/openapi.json"}


def test_openapi_document_describes_the_endpoints(client, db_session):
    doc = get_json(client, "/api/v1/openapi.json")
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) == {"/products", "/products/{token}", "/openapi.json"}
    names = {p["name"] for p in doc["paths"]["/products"]["get"]["parameters"]}
    assert names == {"status", "industry", "category", "province", "year", "q", "cursor", "limit", "lang"}
    from public_site.api import FILTERS

    assert names == set(FILTERS)
    detail = doc["components"]["schemas"]["Product"]["properties"]
    for private in ("last_year_sales", "ip_investment", "contribution_index", "case_number", "contact_phone"):
        assert private not in json.dumps(doc)
    assert {"certificate_number", "valid_until", "filing_number", "patents"} <= set(detail)


# ---------------------------------------------------------------- the document and the server agree


def parameter_schemas(client):
    doc = get_json(client, "/api/v1/openapi.json")
    return {p["name"]: p["schema"] for p in doc["paths"]["/products"]["get"]["parameters"]}


def admitted(schema, value):
    """Whether the document admits `value` (as sent in a query string) for a parameter."""
    if "enum" in schema:
        return value in schema["enum"]
    if schema["type"] == "integer":
        return (re.fullmatch(r"-?[0-9]+", value) is not None
                and schema.get("minimum", -inf) <= int(value) <= schema.get("maximum", inf))
    if len(value) > schema.get("maxLength", inf) or len(value) < schema.get("minLength", 0):
        return False
    return "pattern" not in schema or re.search(schema["pattern"], value) is not None


def sample_values():
    from models import today_shanghai
    from public_site.api import encode_cursor

    year = today_shanghai().year
    return {
        "province": ["44", "440000", "11", "65", "650000", "00", "99", "000000", "441234", "4400", "", " 44", "44 ",
                     "４４", "٤٤", "71", "81", "4"],
        "status": ["filed", "notice", "recognised", "已备案", "公示中", "已认定", "", "revoked", "FILED", " filed"],
        "industry": ["C", "c", "38", "3841", "384", "38411", "U", "", " C", "٣٨", "CC"],
        "category": ["01", "0101010101", "01010101011", "0", "", "abc", "٠١", "01 "],
        "year": ["2000", str(year), str(year + 1), str(year + 2), "1999", "", "２０２５", "99"],
        "limit": ["1", "100", "0", "101", "", "abc"],
        "lang": ["zh_Hans_CN", "en", "", "fr"],
        "cursor": [encode_cursor(5), "c0", "czzzzzzz", "c", "", "C5", "cDUy", "!!"],
        "q": ["", "电池", "x" * 100, "x" * 101],
    }


def test_every_value_the_document_admits_is_accepted_and_no_other(client, make):
    filed_product(make)
    schemas = parameter_schemas(client)
    for name, values in sample_values().items():
        for value in values:
            resp = client.get("/api/v1/products", query_string={name: value})
            assert resp.mimetype == "application/json"
            assert (resp.status_code == 200) == admitted(schemas[name], value), (name, value, resp.get_json())
            assert resp.status_code in (200, 400)


def test_the_document_lists_the_real_provinces(client, db_session):
    from infra.regions import PROVINCES

    schema = parameter_schemas(client)["province"]
    every = [f"{a}{b}" for a in range(10) for b in range(10)]
    assert [code for code in every if admitted(schema, code)] == sorted(PROVINCES)
    assert [code for code in every if client.get(f"/api/v1/products?province={code}").status_code == 200] == sorted(
        PROVINCES)


@pytest.mark.parametrize("method", ["TRACE", "POST", "DELETE", "PUT", "PATCH"])
@pytest.mark.parametrize("path", ["/api/v1/products", "/api/v1/products/sometoken", "/api/v1/openapi.json"])
def test_unsupported_methods_answer_json_naming_the_allowed_ones(client, db_session, method, path):
    resp = client.open(path, method=method)
    assert resp.status_code == 405 and resp.mimetype == "application/json"
    assert resp.get_json() == {"error": "不支持的请求方法"}
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


def test_a_405_page_of_the_site_names_the_allowed_methods(client, db_session):
    resp = client.get("/logout")
    assert resp.status_code == 405 and "POST" in resp.headers["Allow"]


def test_links_name_the_configured_site_whatever_host_the_request_names(client, make):
    product = secret_product(make)
    hostile = {"base_url": "http://evil.example", "headers": {"X-Forwarded-Host": "evil.example"}}
    listing = get_json(client, "/api/v1/products", **hostile)
    detail = get_json(client, f"/api/v1/products/{product.token}", **hostile)
    doc = get_json(client, "/api/v1/openapi.json", **hostile)
    assert "evil.example" not in json.dumps([listing, detail, doc])
    site = "http://127.0.0.1"  # the tests' SITE_URL
    item = listing["items"][0]
    assert item["url"] == f"{site}/api/v1/products/{product.token}"
    assert item["page_url"] == f"{site}/products/{product.token}"
    assert detail["links"] == {
        "page": f"{site}/products/{product.token}", "phone": f"{site}/m/{product.token}",
        "qr_png": f"{site}/products/{product.token}/qr.png", "qr_svg": f"{site}/products/{product.token}/qr.svg",
        "image": f"{site}/products/{product.token}/image"}
    assert doc["servers"] == [{"url": f"{site}/api/v1"}]
