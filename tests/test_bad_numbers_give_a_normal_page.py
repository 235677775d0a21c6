"""Numbers typed into an address never break a page (they were HTTP 500: SQLite's "Python int
too large to convert to SQLite INTEGER", PostgreSQL's "bigint out of range"). A page number
past the end shows the last page and one that is no page number the first, each with a
message, on every list (one helper, validators.paging); an id no row can have is a 404; a
number too big for its column is refused at its field."""

import json
import re

import pytest
from test_unit_verification import ASSETS

import workflows
from infra.validators import patent_check_char
from models import AssetInfo, Message, Patent, Product, UnitPatent, last_fiscal_year

HUGE = "99999999999999999999"  # 20 digits: more than any integer column holds
PAST_END = "页码超出范围，已显示最后一页。"
NO_PAGE = "页码无效，已显示第一页。"


def unit_with_patents(make, n):
    unit = make.approved_unit()
    for i in range(n):
        body = f"2020{1}{i:07d}"
        number = body + patent_check_char(body)
        patent = Patent.create(number=number, display_number=f"ZL{number[:-1]}.{number[-1]}",
                               name=f"一种电池管理方法{i}", kind="invention", patentees=[unit.name])
        UnitPatent.create(unit=unit, patent=patent, source="auto", acquisition="original")
    return unit


@pytest.mark.parametrize("page,message,last", [
    (HUGE, PAST_END, True), ("3", PAST_END, True), ("2", None, True), ("abc", NO_PAGE, False), ("-1", NO_PAGE, False),
])
def test_unit_pages_its_patent_list_with_any_number(client, make, login, page, message, last):
    unit = unit_with_patents(make, 21)  # two pages: patents 0–19, then 20
    login(unit.user)
    resp = client.get(f"/portal/patents?page={page}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert ("一种电池管理方法20<" in html) == last and ("一种电池管理方法0<" in html) == (not last)
    assert (message in html) if message else (PAST_END not in html and NO_PAGE not in html)


@pytest.mark.parametrize("page,message,first_title", [(HUGE, PAST_END, "消息0"), ("x", NO_PAGE, "消息20")])
def test_unit_pages_its_messages_with_any_number(client, make, login, page, message, first_title):
    user = make.unit_user()
    for i in range(21):
        Message.create(user=user, title=f"消息{i}", body="内容")
    login(user)
    resp = client.get(f"/portal/messages?page={page}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and message in html
    assert re.search(rf"{first_title}\b", html) and ("消息19" in html) == (page == "x")


def filed_products(make, n):
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    return [workflows.apply(make.complete_product(unit, name=f"产品{i}"), "submit", unit.user) for i in range(n)]


@pytest.mark.parametrize("path", ["/admin/review_products/", "/admin/patent_watch/"])
def test_reviewer_pages_a_queue_with_a_huge_number(client, make, login, path):
    filed_products(make, 1)
    login(make.staff("reviewer"))
    resp = client.get(f"{path}?page={HUGE}")
    assert resp.status_code == 200
    if "review_products" in path:  # one item: the last page is the first, and it is listed
        assert PAST_END in resp.get_data(as_text=True) and "产品0" in resp.get_data(as_text=True)
    assert NO_PAGE in client.get(f"{path}?page=-5").get_data(as_text=True)


@pytest.mark.parametrize("view", ["audit", "outbox", "staff"])
def test_administrator_pages_a_back_office_list_with_a_huge_number(client, make, login, view):
    filed_products(make, 1)  # audit rows and notifications to list
    login(make.staff("admin"))
    resp = client.get(f"/admin/{view}/?page={HUGE}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and PAST_END in html
    assert '<td colspan="999">' not in html  # the last page's rows, not Flask-Admin's empty list
    assert NO_PAGE in client.get(f"/admin/{view}/?page=abc").get_data(as_text=True)


def test_administrator_filters_the_audit_log_by_a_huge_object_number(client, make, login):
    product = filed_products(make, 1)[0]
    login(make.staff("admin"))
    html = client.get("/admin/audit/").get_data(as_text=True)
    groups = json.loads(re.search(r'id="filter-groups-data"[^>]*>(.*?)</', html, re.DOTALL).group(1))
    equal = next(f["index"] for f in groups["对象编号"] if f["operation"] == "等于")
    resp = client.get(f"/admin/audit/?flt0_{equal}={HUGE}")
    assert resp.status_code == 200
    filtered = client.get(f"/admin/audit/?flt0_{equal}={product.id}")
    assert filtered.status_code == 200 and "submit" in filtered.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/review_products/{n}", "/admin/audit/details/?id={n}",
                                  "/admin/staff/edit/?id={n}", "/admin/review_units/{n}"])
def test_an_id_no_row_can_have_is_not_found(client, make, login, path):
    login(make.staff("admin", "reviewer"))
    resp = client.get(path.format(n=HUGE))
    assert resp.status_code in (302, 404)  # Flask-Admin: back to the list with 记录不存在
    if resp.status_code == 302:
        assert "记录不存在" in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_unit_opens_a_product_with_a_huge_id(client, make, login):
    unit = make.approved_unit()
    login(unit.user)
    assert client.get(f"/portal/products/{HUGE}/info").status_code == 404
    assert client.post(f"/portal/messages/{HUGE}/read").status_code == 404
    assert Product.select().count() == 0


def test_a_huge_employee_count_is_refused_at_its_field(client, make, login):
    unit = make.approved_unit()
    login(unit.user)
    for value in (HUGE, "2147483648", "9" * 5000):
        resp = client.post("/portal/assets", data={**ASSETS, "employees": value})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 400 and "数值过大" in html
    assert AssetInfo.select().count() == 0


def test_search_and_api_take_huge_numbers(client, make):
    resp = client.get(f"/search?page={HUGE}")
    assert resp.status_code == 200 and "产品信息查询" in resp.get_data(as_text=True)
    import base64

    for digits in (HUGE, "9" * 18, "2147483648"):
        cursor = base64.urlsafe_b64encode(f"p{digits}".encode()).decode().rstrip("=")
        resp = client.get(f"/api/v1/products?cursor={cursor}")
        assert resp.status_code in (200, 400) and resp.mimetype == "application/json"
        assert resp.get_json() == {"items": [], "next_cursor": None} or "cursor" in resp.get_json()["error"]
