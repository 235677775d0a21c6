"""基础数据 in the back office (issue 15 #4, #5, #6): catalogue imports as a background job
(good file, bad rows by line with nothing loaded, re-import idempotent), 停用 and delete
refused for a code in use, the catalogue's completeness, the audit log and outbox in the
manual's words with formula-safe exports."""

import io
import re

import pytest

import workflows
from models import AuditLog, Country, Industry, Outbox, Product, ProductCategory
from public_site.portal.filing import category_matches

GOOD = ("code,name,level,parent_code\n"
        "23,印刷品和记录媒介复制品,1,\n2301,印刷品,2,23\n230101,书籍印刷品,3,2301\n")
BAD = ("code,name,level,parent_code\n"
       "24,文教、工美、体育和娱乐用品,1,\n"
       "2401,,2,24\n"          # line 3: no name
       "240101,文具,2,2401\n"   # line 4: level does not fit the code
       "2402,体育用品,2,99\n"    # line 5: parent does not exist / not its prefix
       "24,重复,1,\n")          # line 6: duplicate code


@pytest.fixture
def admin(make, login):
    user = make.staff("admin")
    login(user)
    return user


@pytest.fixture
def cleanup():
    yield
    ProductCategory.delete().where(ProductCategory.code.startswith("23")
                                   | ProductCategory.code.startswith("24")).execute()


def _import(client, text, kind="categories"):
    resp = client.post("/admin/reference_import/", data={"kind": kind, "file": (io.BytesIO(text.encode()), "c.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    job = re.search(r"job=([0-9a-f]+)", resp.headers["Location"]).group(1)
    return client.get(f"/admin/reference_import/jobs/{job}").get_json()


def test_a_good_catalogue_file_is_imported_by_a_job_and_again_changes_nothing(client, admin, cleanup):
    state = _import(client, GOOD)
    assert state["status"] == "finished" and state["done"] == state["total"] == 3
    assert state["result"] == {"imported": 3, "added": 3, "updated": 0, "errors": []}
    row = ProductCategory.get_by_id("230101")
    assert (row.name, row.level, row.parent_code, row.initials) == ("书籍印刷品", 3, "2301", "sjysp")
    again = _import(client, GOOD)
    assert again["result"] == {"imported": 3, "added": 0, "updated": 0, "errors": []}
    assert ProductCategory.select().where(ProductCategory.code.startswith("23")).count() == 3
    renamed = _import(client, GOOD.replace("书籍印刷品", "书籍类印刷品"))
    assert renamed["result"]["updated"] == 1 and ProductCategory.get_by_id("230101").name == "书籍类印刷品"


def test_a_file_with_bad_rows_loads_nothing_and_names_every_bad_line(client, admin, cleanup):
    state = _import(client, BAD)
    assert state["status"] == "finished"
    lines = [line for line, _message in state["result"]["errors"]]
    assert lines == [3, 4, 5, 6], state["result"]["errors"]
    messages = dict(state["result"]["errors"])
    assert "名称不能为空" in messages[3] and "层级" in messages[4] and "99" in messages[5] and "重复" in messages[6]
    assert not ProductCategory.select().where(ProductCategory.code.startswith("24")).exists()  # not even line 2


def test_the_import_page_refuses_a_missing_or_wrong_file_at_the_field(client, admin):
    resp = client.post("/admin/reference_import/", data={"kind": "categories"}, content_type="multipart/form-data")
    assert resp.status_code == 400 and "请选择要导入的CSV文件" in resp.get_data(as_text=True)
    resp = client.post("/admin/reference_import/", data={"kind": "categories", "file": (io.BytesIO(b"x"), "c.xlsx")},
                       content_type="multipart/form-data")
    assert "请选择CSV格式的文件" in resp.get_data(as_text=True)


def test_only_administrators_import_reference_data(client, make, login):
    login(make.staff("reviewer"))
    assert client.get("/admin/reference_import/").status_code == 403
    assert client.get("/admin/categories/").status_code == 403


def test_a_code_in_use_is_not_deleted_but_can_be_deactivated(client, admin, make):
    unit = make.approved_unit()
    product = make.complete_product(unit, category="0101010101")
    resp = client.post("/admin/categories/delete/", data={"id": "0101010101"}, follow_redirects=True)
    assert "正在使用" in resp.get_data(as_text=True) and "产品1条" in resp.get_data(as_text=True)
    assert ProductCategory.get_or_none(ProductCategory.code == "0101010101") is not None
    assert Product.get_by_id(product.id).category_id == "0101010101"
    resp = client.post("/admin/industries/delete/", data={"id": "3841"}, follow_redirects=True)
    assert "正在使用" in resp.get_data(as_text=True) and Industry.get_or_none(Industry.code == "3841")
    try:
        client.post("/admin/categories/action/", data={"action": "deactivate", "rowid": ["0101010101"]})
        assert not ProductCategory.get_by_id("0101010101").active
        assert "0101010101" not in [c.code for c in category_matches("0101010101")]  # no longer offered
    finally:
        ProductCategory.update(active=True).where(ProductCategory.code == "0101010101").execute()


def test_the_category_list_shows_how_complete_the_catalogue_is(client, admin):
    html = client.get("/admin/categories/").get_data(as_text=True)
    assert "目录完整程度" in html and "28,997" in html and "4,286" in html
    assert "缺少的大类" in html and "23、24" in html


def test_countries_can_be_renamed(client, admin):
    old = Country.get_by_id("DE").name_zh
    try:
        resp = client.post("/admin/countries/edit/?id=DE",
                           data={"name_zh": "德意志", "name_en": "Germany", "active": "y"})
        assert resp.status_code == 302 and Country.get_by_id("DE").name_zh == "德意志"
    finally:
        Country.update(name_zh=old).where(Country.code == "DE").execute()


def test_the_audit_log_and_outbox_read_in_the_manuals_words_and_export_safely(client, admin, make):
    unit = make.complete_unit()
    unit = workflows.apply(unit, "submit", unit.user)
    workflows.apply(unit, "reject", make.staff("reviewer"), reason="=HYPERLINK(\"http://x\")")
    html = client.get("/admin/audit/").get_data(as_text=True)
    assert "单位" in html and "审核不通过" in html and "等待审核" in html
    assert ">pending<" not in html and ">reject<" not in html
    assert 'class="text-nowrap"' in html
    csv_text = client.get("/admin/audit/export/csv/").get_data(as_text=True)
    assert "审核不通过" in csv_text and "（北京时间）" in csv_text
    assert ",=HYPERLINK" not in csv_text and '"=HYPERLINK' not in csv_text
    assert AuditLog.select().count() >= 2 and Outbox.select().exists()
    html = client.get("/admin/outbox/").get_data(as_text=True)
    assert "实名认证审核不通过" in html and ">unit_rejected<" not in html
    assert '<span class="text-nowrap">' in html
    csv_text = client.get("/admin/outbox/export/csv/").get_data(as_text=True)
    assert "实名认证审核不通过" in csv_text
    filtered = client.get("/admin/outbox/?flt1_2=unit_rejected").get_data(as_text=True)
    assert "实名认证审核不通过" in filtered and "列表 (2)" in filtered  # the SMS and the 站内消息


def test_an_option_in_use_is_not_deleted_and_reason_scopes_read_in_words(client, admin, make):
    from models import Option, ReasonTemplate

    make.complete_unit()  # 备案单位类型 enterprise
    option = Option.get(Option.kind == "unit_type", Option.code == "enterprise")
    resp = client.post("/admin/options/delete/", data={"id": str(option.id)}, follow_redirects=True)
    assert "正在使用" in resp.get_data(as_text=True) and Option.get_or_none(Option.id == option.id)
    reason = ReasonTemplate.select().first()
    html = client.get(f"/admin/reasons/edit/?id={reason.id}").get_data(as_text=True)
    assert '<select' in html and "单位实名认证" in html
    assert ">unit_verification<" not in client.get("/admin/reasons/").get_data(as_text=True)
