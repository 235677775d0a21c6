"""The 产品备案 wizard's steps 专利信息 and 证明材料, autosave, 提交审核 with every problem
reported where it is fixed, revocation, and the patent watch."""

import io
import re

import pytest
from conftest import outbox_texts

import jobs
import workflows
from domain.filing.watch import watch_patents
from infra.validators import patent_check_char
from models import (
    AssetInfo,
    Patent,
    PatentStatusChange,
    Product,
    ProductFile,
    ProductPatent,
    ProductVersion,
    UnitPatent,
    last_fiscal_year,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def unit(make):
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year(), total_sales=5000, ip_investment=300)
    return unit


def held_patent(unit, n, status="valid"):
    body = f"2020{1}{n:07d}"
    number = body + patent_check_char(body)
    patent = Patent.create(number=number, display_number=f"ZL{number[:-1]}.{number[-1]}", name=f"一种电池{n}",
                           kind="invention", patentees=[unit.name], legal_status=status)
    UnitPatent.create(unit=unit, patent=patent, source="auto")
    return patent


def test_the_dialog_links_only_the_units_own_valid_patents(client, make, login, unit):
    product = make.complete_product(unit)
    mine, lapsed = held_patent(unit, 901), held_patent(unit, 902, status="invalid")
    other_unit = make.approved_unit()
    theirs = held_patent(other_unit, 903)
    login(unit.user)
    html = client.get(f"/portal/products/{product.id}/patents/choices?name=一种电池90").get_data(as_text=True)
    assert mine.display_number in html and lapsed.display_number in html and theirs.display_number not in html
    assert re.search(rf'value="{lapsed.id}"[^>]*disabled', html)  # a lapsed patent cannot be ticked
    resp = client.post(f"/portal/products/{product.id}/patents/link",
                       data={"patent_ids": [mine.id, lapsed.id, theirs.id]}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert f"以下专利已失效，不能关联：{lapsed.display_number}" in html and "已关联1项专利" in html
    linked = {link.patent_id for link in ProductPatent.select().where(ProductPatent.product == product)}
    assert mine.id in linked and lapsed.id not in linked and theirs.id not in linked


def test_patent_flags_are_saved_and_a_litigated_patent_needs_its_case_number(client, make, login, unit):
    product = make.complete_product(unit)
    link = product.patent_links.get()
    pid = link.patent_id
    login(unit.user)
    resp = client.post(f"/portal/products/{product.id}/patents",
                       data={f"public-{pid}": "1", f"litigated-{pid}": "1", f"case-{pid}": "", "goto": "materials"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'id="e-case-' in html and "涉诉专利须注明案件编号" in html
    summary = html.split('role="alert"', 1)[1].split("</div>", 1)[0]  # the summary names the patent
    assert f'<a href="#f-case-{pid}">涉诉专利{link.patent.display_number}须注明案件编号</a>' in summary
    saved = ProductPatent.get_by_id(link.id)
    assert (saved.public, saved.core, saved.litigated) == (True, False, True)  # kept as ticked
    resp = client.post(f"/portal/products/{product.id}/patents",
                       data={f"core-{pid}": "1", f"litigated-{pid}": "1", f"case-{pid}": "4W112233",
                             "goto": "materials"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/products/{product.id}/materials")
    saved = ProductPatent.get_by_id(link.id)
    assert (saved.public, saved.core, saved.litigated, saved.case_number) == (False, True, True, "4W112233")


def test_materials_keep_good_files_and_report_bad_ones_at_their_field(client, make, login, unit, app):
    product = make.complete_product(unit)
    ProductFile.delete().where(ProductFile.kind == "economic_proof").execute()
    login(unit.user)
    app.config["UPLOAD_LIMITS"] = {**app.config["UPLOAD_LIMITS"], "video": 1024}
    video = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 2048
    resp = client.post(f"/portal/products/{product.id}/materials", content_type="multipart/form-data", data={
        "economic_proof": [(io.BytesIO(PDF), "财务证明.pdf")],
        "certification": [(io.BytesIO(make.png()), "认证.png")],
        "intro_video": [(io.BytesIO(video), "介绍.mp4")],
        "compulsory_cert": "1", "goto": ""})
    app.config["UPLOAD_LIMITS"] = {**app.config["UPLOAD_LIMITS"], "video": 20971520}
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'id="e-certification"' in html and "仅支持PDF格式" in html
    assert 'id="e-intro_video"' in html and "大小超过" in html
    kinds = [pf.kind for pf in ProductFile.select().where(ProductFile.product == product)]
    assert kinds.count("economic_proof") == 1 and "certification" not in kinds and "intro_video" not in kinds
    assert Product.get_by_id(product.id).compulsory_cert is True
    assert "财务证明.pdf" in html  # the good upload is listed back
    assert "尚未提交审核" not in html  # 保存 was pressed, not 提交审核
    resp = client.post(f"/portal/products/{product.id}/materials", content_type="multipart/form-data", data={
        "certification": [(io.BytesIO(make.png()), "认证.png")], "compulsory_cert": "1", "submit": "1"})
    assert resp.status_code == 400 and "尚未提交审核。以下文件未能上传" in resp.get_data(as_text=True)
    assert Product.get_by_id(product.id).status == "draft"


def test_submit_reports_every_problem_with_a_link_to_its_step_and_field(client, make, login, unit):
    product = make.complete_product(unit, first_year=1900)
    link = product.patent_links.get()
    ProductPatent.update(core=False, litigated=True).where(ProductPatent.id == link.id).execute()
    ProductFile.delete().where(ProductFile.kind == "main_image").execute()
    login(unit.user)
    resp = client.post(f"/portal/products/{product.id}/materials", data={"special_industry": "1", "submit": "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "暂不能提交审核" in html
    for href, text in ((f"/portal/products/{product.id}/info#f-first_year", "年份应在1985到"),
                       (f"/portal/products/{product.id}/info#f-main_image", "请上传产品主图"),
                       (f"/portal/products/{product.id}/patents", "请至少标记一项核心专利"),
                       (f"/portal/products/{product.id}/patents#f-case-{link.patent_id}", "须注明案件编号"),
                       (f"/portal/products/{product.id}/materials#f-production_licence", "请上传生产许可证")):
        assert re.search(rf'href="{re.escape(href)}">[^<]*{text}', html), text
    assert Product.get_by_id(product.id).status == "draft"


def test_submitting_a_clean_product_stores_a_snapshot_and_shows_pending(client, make, login, unit):
    product = make.complete_product(unit)
    login(unit.user)
    page = client.get(f"/portal/products/{product.id}/materials").get_data(as_text=True)
    assert 'data-check="pass"' in page and 'data-check="fail"' not in page  # the self-check panel
    resp = client.post(f"/portal/products/{product.id}/materials", data={"submit": "1"}, follow_redirects=True)
    assert "已提交审核" in resp.get_data(as_text=True)
    product = Product.get_by_id(product.id)
    assert product.status == "pending" and product.submitted_at is not None
    version = ProductVersion.get(ProductVersion.product == product)
    assert version.data["fields"]["name"] == "动力电池管理系统" and version.data["patents"][0]["core"] is True
    # Submitted data is locked.
    assert client.post(f"/portal/products/{product.id}/info", data={"name": "改名"}).status_code == 409
    assert client.post(f"/portal/products/{product.id}/materials", data={"submit": "1"}).status_code == 409


def test_the_self_check_panel_shows_the_reviewers_warnings(client, make, login, unit):
    product = make.complete_product(unit, last_year_sales=9000, last_year_export=100)
    login(unit.user)
    html = client.get(f"/portal/products/{product.id}/materials").get_data(as_text=True)
    assert re.search(r'data-check="warn">.*产品上年度销售额大于单位年度所有产品总销售额', html, re.DOTALL)


def test_autosave_keeps_valid_fields_and_answers_with_the_time(client, make, login, unit):
    product = Product.create(unit=unit)
    login(unit.user)
    resp = client.post(f"/portal/products/{product.id}/info", headers={"X-Autosave": "1"},
                       data={"name": "钠离子电池", "first_year": "3000"})
    body = resp.get_json()
    assert re.fullmatch(r"\d\d:\d\d:\d\d", body["saved_at"]) and list(body["errors"]) == ["first_year"]
    assert Product.get_by_id(product.id).name == "钠离子电池"
    # The beacon sent when the page is closed (no header, a query flag).
    client.post(f"/portal/products/{product.id}/info?autosave=1", data={"name": "钠离子电池储能模组"})
    assert Product.get_by_id(product.id).name == "钠离子电池储能模组"


def test_main_image_is_replaced_and_other_images_removed(client, make, login, unit):
    product = Product.create(unit=unit, name="电池")
    login(unit.user)
    for name in ("a.png", "b.png"):
        client.post(f"/portal/products/{product.id}/info", content_type="multipart/form-data",
                    data={"main_image": [(io.BytesIO(make.png()), name)],
                          "other_image": [(io.BytesIO(make.png()), "o1.png"), (io.BytesIO(make.png()), "o2.png")]})
    mains = list(ProductFile.select().where(ProductFile.product == product, ProductFile.kind == "main_image"))
    assert [pf.file.original_name for pf in mains] == ["b.png"]
    others = list(ProductFile.select().where(ProductFile.product == product, ProductFile.kind == "other_image"))
    assert len(others) == 4
    client.post(f"/portal/products/{product.id}/info", data={"remove_file": others[0].id, "name": "电池"})
    assert ProductFile.select().where(ProductFile.product == product, ProductFile.kind == "other_image").count() == 3


def test_another_unit_cannot_reach_any_step_file_or_action(client, make, login, unit):
    product = make.complete_product(unit)
    stored = product.files.get().file
    intruder = make.approved_unit()
    login(intruder.user)
    for path in ("info", "patents", "materials", "patents/choices", "revoke"):
        assert client.get(f"/portal/products/{product.id}/{path}").status_code == 404, path
    for path, data in (("patents", {}), ("patents/link", {"patent_ids": "1"}), ("materials", {"submit": "1"}),
                       ("revoke", {"reason": "x"}), ("confirm-revocation", {})):
        assert client.post(f"/portal/products/{product.id}/{path}", data=data).status_code == 404, path
    assert client.get(f"/files/{stored.key}").status_code == 404
    assert Product.get_by_id(product.id).status == "draft"


def filed(make, unit):
    product = make.complete_product(unit)
    workflows.apply(product, "submit", unit.user)
    return workflows.apply(Product.get_by_id(product.id), "approve", make.staff("reviewer"))


def test_a_unit_requests_revocation_with_a_reason(client, make, login, unit):
    product = filed(make, unit)
    login(unit.user)
    listing = client.get("/portal/products?tab=filed").get_data(as_text=True)
    assert f'href="/portal/products/{product.id}/revoke"' in listing and product.filing_number in listing
    resp = client.post(f"/portal/products/{product.id}/revoke", data={"reason": " "})
    assert resp.status_code == 400 and "请填写撤销原因" in resp.get_data(as_text=True)
    client.post(f"/portal/products/{product.id}/revoke", data={"reason": "产品已退出市场"})
    product = Product.get_by_id(product.id)
    assert (product.status, product.revocation_reason) == ("revocation_pending", "产品已退出市场")


def test_patent_watch_flags_a_lapse_and_prompts_when_all_patents_are_gone(client, make, login, unit, app, tmp_path):
    product = filed(make, unit)
    first = product.patent_links.get().patent
    second = held_patent(unit, 777)
    ProductPatent.create(product=product, patent=second)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    app.config["PATENT_STATUS_INBOX"] = str(inbox)
    (inbox / "1.csv").write_text(f"number,legal_status\n{first.display_number},失效\n", encoding="utf-8")
    jobs.run("patents.sync_status")
    assert any(first.display_number in text and "已失效" in text for text in outbox_texts("sms", unit.user.phone))
    assert Product.get_by_id(product.id).revocation_prompt_at is None  # one valid patent is left
    assert PatentStatusChange.select().where(PatentStatusChange.seen_by_products == False).count() == 0
    # The second patent leaves the unit (transferred): nothing valid is held any more.
    UnitPatent.delete().where(UnitPatent.patent == second).execute()
    assert watch_patents() == (0, 1)
    product = Product.get_by_id(product.id)
    assert product.status == "filed" and product.revocation_prompt_at is not None
    assert any("请登录平台进行撤销确认" in text for text in outbox_texts("sms", unit.user.phone))
    assert watch_patents() == (0, 0)  # prompted once
    login(unit.user)
    html = client.get("/portal/products?tab=filed").get_data(as_text=True)
    assert "待确认撤销" in html and f'/products/{product.id}/confirm-revocation' in html
    client.post(f"/portal/products/{product.id}/confirm-revocation")
    assert Product.get_by_id(product.id).status == "revoked"


def test_category_picker_finds_by_code_keyword_and_initials(client, make, login, unit):
    from models import ProductCategory

    login(unit.user)
    leaf = ProductCategory.get_by_id("0101010101")
    assert (leaf.name, leaf.initials) == ("种用早籼稻", "zyzxd")  # from the seeded catalogue
    for q in (leaf.code[:6], leaf.name[:2], "zyzx", "ZYZ"):
        codes = [row["code"] for row in client.get(f"/portal/categories?q={q}").get_json()]
        assert leaf.code in codes, q
    assert "01" not in [row["code"] for row in client.get("/portal/categories?q=zyzx").get_json()]
    assert client.get("/portal/categories?q=zzzzzz").get_json() == []


def test_staff_upload_the_method_three_reference_that_units_download(client, make, login, unit):
    product = Product.create(unit=unit)
    reviewer = make.staff("reviewer")
    login(reviewer)
    assert client.get("/admin/rate_reference/").status_code == 403  # administrators only
    client.get("/logout")
    login(make.staff("admin"))
    resp = client.post("/admin/rate_reference/", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"not a pdf"), "rates.pdf")})
    assert "格式不受支持" in resp.get_data(as_text=True)
    client.post("/admin/rate_reference/", content_type="multipart/form-data",
                data={"file": (io.BytesIO(PDF), "许可费率参考.pdf")})
    client.get("/logout")
    login(unit.user)
    html = client.get(f"/portal/products/{product.id}/info").get_data(as_text=True)
    href = re.search(r'href="([^"]+)" data-rate-reference', html).group(1)
    assert client.get(href.replace("&amp;", "&")).data == PDF


def test_a_rejected_filing_shows_the_reason_on_every_step_and_can_be_edited(client, make, login, unit):
    product = make.complete_product(unit)
    workflows.apply(product, "submit", unit.user)
    workflows.apply(Product.get_by_id(product.id), "reject", make.staff("reviewer"), reason="规格型号填写不规范")
    login(unit.user)
    for step in ("info", "patents", "materials"):
        html = client.get(f"/portal/products/{product.id}/{step}").get_data(as_text=True)
        assert "data-rejection" in html and "规格型号填写不规范" in html and "不通过" in html, step
    client.post(f"/portal/products/{product.id}/info", data={"name": "动力电池管理系统", "model": "BMS-3000"})
    assert Product.get_by_id(product.id).model == "BMS-3000"


def test_the_list_is_paginated_and_searchable(client, login, unit):
    for n in range(23):
        Product.create(unit=unit, name=f"储能电池{n:02d}", model=f"M{n}")
    login(unit.user)
    first = client.get("/portal/products?tab=draft").get_data(as_text=True)
    assert first.count("储能电池") == 20 and "第1页，共2页" in first
    second = client.get("/portal/products?tab=draft&page=2").get_data(as_text=True)
    assert second.count("储能电池") == 3
    beyond = client.get("/portal/products?tab=draft&page=99").get_data(as_text=True)
    assert beyond.count("储能电池") == 3 and "第2页，共2页" in beyond and "页码超出范围" in beyond
    found = client.get("/portal/products?tab=draft&q=M22").get_data(as_text=True)
    assert "储能电池22" in found and "储能电池21" not in found


def test_a_linked_patent_that_lapsed_is_reported_at_its_row(client, make, login, unit):
    product = make.complete_product(unit)
    link = product.patent_links.get()
    Patent.update(legal_status="invalid").where(Patent.id == link.patent_id).execute()
    login(unit.user)
    html = client.get(f"/portal/products/{product.id}/patents").get_data(as_text=True)
    assert f'href="#f-patent-{link.patent_id}"' in html and f'id="f-patent-{link.patent_id}"' in html
    assert "该专利已失效，产品备案的专利应当是维持有效的中国专利，请移除" in html
    materials = client.get(f"/portal/products/{product.id}/materials").get_data(as_text=True)
    assert f'/portal/products/{product.id}/patents#f-patent-{link.patent_id}' in materials  # the self-check link


def test_a_filed_product_opens_as_a_locked_record_with_names_beside_codes(client, make, login, unit):
    AssetInfo.get_or_create(unit=unit, fiscal_year=last_fiscal_year())
    product = workflows.apply(make.complete_product(unit), "submit", unit.user)
    product = workflows.apply(product, "approve", make.staff("reviewer"))
    login(unit.user)
    html = client.get(f"/portal/products/{product.id}/info").get_data(as_text=True)
    assert "<h1" in html and "查看：动力电池管理系统" in html and "填报：" not in html
    assert 'aria-current="page">动力电池管理系统</li>' in html  # the breadcrumb names it
    assert 'value="0101010101 种用早籼稻"' in html and 'value="3841 锂离子电池制造"' in html
    assert re.search(r"<form [^>]*inert", html)
    exports = html.split('id="f-export_countries"', 1)[1].split("</select>", 1)[0]
    assert exports.count("<option") == 0  # none chosen: no list of 248 to scroll through
