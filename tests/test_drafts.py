"""One drafts service (domain.filing.drafts) writes every draft — a product filing and a yearly
update — only while its status allows it, detects an edit made meanwhile in another tab (the
version counter) and tells that tab with both values, and 填报 opens one draft however often
it is clicked. Through the portal (the client), on the service itself, with threads (on
PostgreSQL when ZLCP_TEST_DATABASE_URL is set) and in the browser."""

import io
import json
import re
import threading
import time
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from conftest import PASSWORD, screenshot
from playwright.sync_api import expect

import workflows
from domain.filing import drafts
from infra import storage
from infra.validators import patent_check_char
from models import (
    AssetInfo,
    Patent,
    Product,
    ProductFile,
    ProductPatent,
    UnitPatent,
    UpdateWindow,
    User,
    YearlyUpdate,
    db,
    last_fiscal_year,
    today_shanghai,
)
from workflows import ProductStatus, UpdateStatus

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def unit(make):
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year(), total_sales=5000, ip_investment=300)
    return unit


def held_patent(unit, n, status="valid"):
    body = f"2022{1}{n:07d}"
    number = body + patent_check_char(body)
    patent = Patent.create(number=number, display_number=f"ZL{number[:-1]}.{number[-1]}", name=f"一种储能方法{n}",
                           kind="invention", patentees=[unit.name], legal_status=status)
    UnitPatent.create(unit=unit, patent=patent, source="auto")
    return patent


def version_on(html):
    """The draft version the page's form carries."""
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))


def read_at(html):
    """What the page's form sends besides its fields: the version and the values it shows."""
    base = re.search(r"name=\"base\" value='([^']*)'", html).group(1)
    return {"version": version_on(html), "base": unescape(base)}


def info_form(product, **changes):
    """What the 产品信息 page of a complete product (make.complete_product) sends: every
    field, the hidden ones of another 备案目的 or 测算方式 too, with changes."""
    data = {"gtin": "", "trademark": "", "name": product.name, "model": product.model,
            "category": product.category_id, "industry": product.industry_id, "intro": product.intro,
            "purpose": product.purpose, "purpose_other": "", "export_other": "", "first_year": str(product.first_year),
            "last_year_cost": "800", "ip_investment": "40", "last_year_sales": "1200", "last_year_export": "100",
            "last_year_net_profit": "150", "last_year_output": "", "market_share": "", "gross_margin": "",
            "contribution_method": product.contribution_method, "method_k": "", "method_explanation": "",
            "contribution_index": "35"}
    data.update(changes)
    return data


def new_draft_id(resp):
    return int(re.search(r"/products/(\d+)/info", resp.headers["Location"]).group(1))


# ---------------------------------------------------------------- 填报


def test_double_click_on_tianbao_opens_one_draft(client, login, unit):
    login(unit.user)
    first, second = client.post("/portal/products/new"), client.post("/portal/products/new")
    assert first.status_code == second.status_code == 302
    assert new_draft_id(first) == new_draft_id(second)
    assert Product.select().where(Product.unit == unit).count() == 1


def test_tianbao_opens_the_existing_empty_draft_and_a_new_one_once_it_is_written(client, login, unit, make):
    other = make.approved_unit()
    Product.create(unit=other)  # another unit's empty draft is not this unit's
    login(unit.user)
    empty = new_draft_id(client.post("/portal/products/new"))
    assert Product.get_by_id(empty).unit_id == unit.id
    client.get("/portal/products")
    assert new_draft_id(client.post("/portal/products/new")) == empty  # came back later: the same one
    client.post(f"/portal/products/{empty}/info", headers={"X-Autosave": "1"}, data={"name": "钠离子电池"})
    written = empty
    fresh = new_draft_id(client.post("/portal/products/new"))
    assert fresh != written and Product.select().where(Product.unit == unit).count() == 2


def test_tianbao_does_not_reuse_a_draft_that_holds_something(client, login, unit, make):
    # Drafts written before the version counter existed (version 0): their content counts.
    named = Product.create(unit=unit, name="已有名称")
    with_file = Product.create(unit=unit)
    ProductFile.create(product=with_file, file=make.stored_png(unit.user), kind="main_image")
    with_patent = Product.create(unit=unit)
    ProductPatent.create(product=with_patent, patent=held_patent(unit, 1))
    rejected = Product.create(unit=unit, status=ProductStatus.REJECTED)
    login(unit.user)
    opened = new_draft_id(client.post("/portal/products/new"))
    assert opened not in {named.id, with_file.id, with_patent.id, rejected.id}
    assert Product.get_by_id(opened).status == ProductStatus.DRAFT


def test_two_tianbao_requests_at_the_same_moment_open_one_draft(app, unit, monkeypatch):
    """The unit's row is taken before looking for an empty draft: the second request waits for
    the first to commit and finds its draft. (Slowed down between the look and the insert so
    that, without the lock, both would look before either inserts.)"""
    looked = drafts._untouched_empty

    def slow(unit_):
        query = looked(unit_)
        list(query)
        time.sleep(0.3)
        return query

    monkeypatch.setattr(drafts, "_untouched_empty", slow)
    barrier = threading.Barrier(2)
    opened, errors = [], []

    def click():
        with app.app_context(), db.database.connection_context():
            barrier.wait()
            try:
                opened.append(drafts.open_new(unit).id)
            except Exception as exc:  # noqa: BLE001 - the assertion below shows it
                errors.append(exc)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and len(opened) == 2 and opened[0] == opened[1]
    assert Product.select().where(Product.unit == unit).count() == 1


# ---------------------------------------------------------------- after 提交审核


def test_autosave_after_submit_changes_nothing_and_says_so(client, login, unit, make):
    product = make.complete_product(unit)
    login(unit.user)
    info = client.get(f"/portal/products/{product.id}/info").get_data(as_text=True)
    version = version_on(info)
    client.post(f"/portal/products/{product.id}/materials", data={"submit": "1", "version": version})
    submitted = Product.get_by_id(product.id)
    assert submitted.status == ProductStatus.PENDING
    link = submitted.patent_links.get()
    # The page opened before 提交审核 still autosaves (a fetch, then the beacon on leaving).
    for url, data in ((f"/portal/products/{product.id}/info", {"name": "改名", "version": version}),
                      (f"/portal/products/{product.id}/patents", {f"case-{link.patent_id}": "X1", "version": version}),
                      (f"/portal/products/{product.id}/materials", {"special_industry": "1"})):
        resp = client.post(url, headers={"X-Autosave": "1"}, data=data)
        assert resp.status_code == 409 and resp.get_json() == {
            "locked": True, "message": "已提交或已备案的信息已锁定，本页的修改未保存。"}, url
        beacon = client.post(url + "?autosave=1", data=data)
        assert beacon.status_code == 409 and beacon.get_json()["locked"] is True
    after = Product.get_by_id(product.id)
    assert (after.name, after.special_industry, after.version) == ("动力电池管理系统", False, submitted.version)
    assert ProductPatent.get_by_id(link.id).case_number == ""
    # 保存 on that page (no script): the locked page, as before.
    resp = client.post(f"/portal/products/{product.id}/info", data={"name": "改名"})
    assert resp.status_code == 409 and "已提交或已备案的信息已锁定" in resp.get_data(as_text=True)


# ---------------------------------------------------------------- two tabs


def test_second_tab_is_told_and_sees_both_values(client, login, unit, make):
    product = make.complete_product(unit)
    login(unit.user)
    url = f"/portal/products/{product.id}/info"
    opened = read_at(client.get(url).get_data(as_text=True))  # both tabs open the step
    version = opened["version"]
    # Tab 1 renames the product (autosave).
    first = client.post(url, headers={"X-Autosave": "1"}, data=info_form(product, name="磷酸铁锂储能系统", **opened))
    assert first.status_code == 200 and first.get_json()["version"] == version + 1
    assert first.get_json()["base"]["name"] == "磷酸铁锂储能系统"
    # Tab 2, still at the version it was opened at, changes the model and presses 保存.
    second = client.post(url, data=info_form(product, model="BMS-3000", **opened))
    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "该草稿已在其他窗口或设备上修改，本页的修改尚未保存。" in html
    assert re.search(r'id="f-name"[^>]*value="动力电池管理系统"', html)  # its own values are kept…
    assert re.search(r'id="f-model"[^>]*value="BMS-3000"', html)
    assert 'id="t-name" data-theirs="name">其他窗口保存的值：磷酸铁锂储能系统<' in html  # …beside the other one
    assert 'data-theirs="model"' not in html  # changed on this page only: nothing to compare
    assert 'data-theirs="intro"' not in html  # a field both agree on is not marked
    now = read_at(html)
    assert now["version"] == version + 1 and json.loads(now["base"])["name"] == "磷酸铁锂储能系统"
    stored = Product.get_by_id(product.id)
    assert (stored.name, stored.model) == ("磷酸铁锂储能系统", "BMS-2000")  # nothing silently lost
    # 保存 again on that page: this page's values, knowingly.
    again = client.post(url, data=info_form(product, model="BMS-3000", **now))
    assert again.status_code == 302
    stored = Product.get_by_id(product.id)
    assert (stored.name, stored.model, stored.version) == ("动力电池管理系统", "BMS-3000", version + 2)


def test_the_second_tabs_autosave_gets_the_other_values_as_json(client, login, unit, make):
    product = make.complete_product(unit, purpose="recognition")
    login(unit.user)
    url = f"/portal/products/{product.id}/info"
    opened = read_at(client.get(url).get_data(as_text=True))
    client.post(url, data=info_form(product, name="储能变流器", contribution_method="own",
                                    method_explanation="按许可费折算", **opened))
    resp = client.post(url, headers={"X-Autosave": "1"}, data=info_form(product, model="BMS-9", **opened))
    body = resp.get_json()
    assert resp.status_code == 409 and body["conflict"] is True and body["version"] == opened["version"] + 1
    assert body["message"].startswith("该草稿已在其他窗口或设备上修改")
    assert body["theirs"] == {"name": "储能变流器", "contribution_method": "自行测算",
                              "method_explanation": "按许可费折算"}
    assert body["base"]["method_explanation"] == "按许可费折算"  # what 保存 will now be checked against
    assert Product.get_by_id(product.id).model == "BMS-2000"
    # A script that sends no base: every field that differs is shown.
    resp = client.post(url, headers={"X-Autosave": "1"},
                       data=info_form(product, model="BMS-9", version=opened["version"]))
    assert resp.get_json()["theirs"]["model"] == "BMS-2000"


def test_a_change_in_another_window_this_page_does_not_show_is_no_conflict(client, login, unit, make):
    product = make.complete_product(unit)
    pid = product.patent_links.get().patent_id
    login(unit.user)
    info = read_at(client.get(f"/portal/products/{product.id}/info").get_data(as_text=True))
    # Another window works on 专利信息 meanwhile.
    patents_page = read_at(client.get(f"/portal/products/{product.id}/patents").get_data(as_text=True))
    client.post(f"/portal/products/{product.id}/patents",
                data={f"core-{pid}": "1", f"public-{pid}": "1", f"case-{pid}": "", **patents_page})
    resp = client.post(f"/portal/products/{product.id}/info", headers={"X-Autosave": "1"},
                       data=info_form(product, model="BMS-4000", **info))
    assert resp.status_code == 200 and resp.get_json()["version"] == info["version"] + 2
    stored = Product.get_by_id(product.id)
    assert stored.model == "BMS-4000" and stored.patent_links.get().public is True


def test_a_save_without_a_version_just_writes(client, login, unit, make):
    product = make.complete_product(unit)
    drafts.ProductDraft(product).save_fields({"name": "别处改的名称"})
    login(unit.user)
    resp = client.post(f"/portal/products/{product.id}/info", data=info_form(product, model="BMS-5"))
    assert resp.status_code == 302 and Product.get_by_id(product.id).model == "BMS-5"


def test_patent_flags_from_a_stale_page_show_the_other_windows_flags(client, login, unit, make):
    product = make.complete_product(unit)  # its patent: 核心专利, 公开
    pid = product.patent_links.get().patent_id
    login(unit.user)
    url = f"/portal/products/{product.id}/patents"
    opened = read_at(client.get(url).get_data(as_text=True))
    client.post(url, data={f"core-{pid}": "1", f"litigated-{pid}": "1", f"case-{pid}": "4W1", **opened})
    resp = client.post(url, data={f"core-{pid}": "1", f"public-{pid}": "1", f"case-{pid}": "", **opened})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "该草稿已在其他窗口或设备上修改" in html
    assert f'data-theirs="litigated-{pid}">其他窗口保存的值：已勾选<' in html
    assert f'data-theirs="public-{pid}">其他窗口保存的值：未勾选<' in html  # unticked there
    assert f'data-theirs="case-{pid}">其他窗口保存的值：4W1<' in html
    assert f'data-theirs="core-{pid}"' not in html
    assert re.search(rf'id="f-public-{pid}"[^>]*checked', html)  # this page's ticks are kept
    link = ProductPatent.get(ProductPatent.product == product)
    assert (link.public, link.core, link.litigated, link.case_number) == (False, True, True, "4W1")


def test_submitting_from_a_page_read_before_another_windows_save_does_not_submit(client, login, unit, make):
    product = make.complete_product(unit)
    login(unit.user)
    url = f"/portal/products/{product.id}/materials"
    opened = read_at(client.get(url).get_data(as_text=True))
    client.post(url, headers={"X-Autosave": "1"}, data={"special_industry": "1", **opened})
    resp = client.post(url, data={"submit": "1", **opened})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "尚未提交审核。该草稿已在其他窗口或设备上修改" in html
    assert 'data-theirs="special_industry">其他窗口保存的值：已勾选<' in html
    assert Product.get_by_id(product.id).status == ProductStatus.DRAFT


def test_files_chosen_on_a_stale_page_are_not_attached_and_the_page_says_so(client, login, unit, make):
    product = make.complete_product(unit)
    login(unit.user)
    url = f"/portal/products/{product.id}/info"
    version = version_on(client.get(url).get_data(as_text=True))
    drafts.ProductDraft(product).save_fields({"model": "BMS-7"})
    resp = client.post(url, content_type="multipart/form-data", data={
        **info_form(product, version=version), "other_image": [(io.BytesIO(make.png()), "侧面.png")]})
    assert resp.status_code == 409 and "所选文件未上传，请重新选择。" in resp.get_data(as_text=True)
    assert not ProductFile.select().where(ProductFile.product == product, ProductFile.kind == "other_image").exists()


# ---------------------------------------------------------------- the service


def test_a_stale_version_is_refused_with_the_stored_values(make, unit):
    product = Product.create(unit=unit)
    draft = drafts.ProductDraft(product)
    assert draft.save_fields({"name": "一号", "last_year_sales": Decimal("12.5")}, expected=0).version == 1
    with pytest.raises(drafts.DraftConflict) as refused:
        draft.save_fields({"name": "二号"}, expected=0)
    assert refused.value.version == 1
    assert refused.value.current["fields"]["name"] == "一号"
    assert Decimal(refused.value.current["fields"]["last_year_sales"]) == Decimal("12.5")
    stored = Product.get_by_id(product.id)
    assert (stored.name, stored.version) == ("一号", 1)
    assert draft.save_fields({"name": "二号", "trademark": None}, expected=1).version == 2  # NULL → ''
    assert Product.get_by_id(product.id).trademark == ""
    with pytest.raises(ValueError, match="status"):
        draft.save_fields({"status": ProductStatus.FILED})  # only the filed data's fields


def test_every_write_of_a_submitted_draft_is_refused_and_changes_nothing(make, unit):
    product = make.complete_product(unit)
    link = product.patent_links.get()
    spare = held_patent(unit, 2)
    product = workflows.apply(product, "submit", unit.user)
    draft = drafts.ProductDraft(product)
    before = (Product.get_by_id(product.id).version, ProductPatent.select().count(), ProductFile.select().count())
    stored = make.stored_png(unit.user)
    for write in (lambda: draft.save_fields({"name": "改名"}),
                  lambda: draft.set_patent_flags({link.patent_id: {"public": False, "core": False}}),
                  lambda: draft.link_patents([spare.id]),
                  lambda: draft.unlink_patent(link.patent_id),
                  lambda: draft.add_file("main_image", stored),
                  lambda: draft.remove_file(product.files.get().id)):
        with pytest.raises(drafts.DraftLocked) as locked:
            write()
        assert str(locked.value.message) == "已提交或已备案的信息已锁定，不能修改。"
    after = (Product.get_by_id(product.id).version, ProductPatent.select().count(), ProductFile.select().count())
    assert after == before
    assert ProductPatent.get_by_id(link.id).core is True and Product.get_by_id(product.id).name == "动力电池管理系统"


def test_the_service_links_only_the_units_own_valid_patents_and_replaces_the_main_image(make, unit):
    product = Product.create(unit=unit)
    mine, lapsed = held_patent(unit, 3), held_patent(unit, 4, status="invalid")
    theirs = held_patent(make.approved_unit(), 5)
    draft = drafts.ProductDraft(product)
    written = draft.link_patents([mine.id, lapsed.id, theirs.id, mine.id])
    assert (written.count, written.refused) == (1, (lapsed.display_number,))
    assert draft.link_patents([mine.id]).count == 0  # linked already
    assert [link.patent_id for link in product.patent_links] == [mine.id]
    for name in ("a.png", "b.png"):
        draft.add_file("main_image", storage.save_bytes(make.png(), name, "png", owner=unit.user))
    assert [pf.file.original_name for pf in product.files] == ["b.png"]
    assert draft.remove_file(product.files.get().id).count == 1 and not product.files.exists()
    assert draft.unlink_patent(mine.id).count == 1 and not product.patent_links.exists()


def test_two_saves_of_the_same_version_at_once_one_wins(app, make, unit):
    product = Product.create(unit=unit)
    barrier = threading.Barrier(2)
    outcomes = []

    def save(name):
        with app.app_context(), db.database.connection_context():
            barrier.wait()
            try:
                drafts.ProductDraft(product).save_fields({"name": name}, expected=0)
                outcomes.append(("saved", name))
            except drafts.DraftConflict as exc:
                outcomes.append(("told", exc.current["fields"]["name"]))

    threads = [threading.Thread(target=save, args=(name,)) for name in ("一号窗口", "二号窗口")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(kind for kind, _name in outcomes) == ["saved", "told"]
    winner = next(name for kind, name in outcomes if kind == "saved")
    told = next(name for kind, name in outcomes if kind == "told")
    stored = Product.get_by_id(product.id)
    assert (stored.name, stored.version) == (winner, 1) and told == winner


def test_yearly_update_draft_writes_its_data_only_while_editable(make, unit):
    today = today_shanghai()
    UpdateWindow.create(year=today.year, opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=1))
    product = make.complete_product(unit)
    product = workflows.apply(workflows.apply(product, "submit", unit.user), "approve", make.staff("reviewer"))
    first_link = product.patent_links.get()
    update = YearlyUpdate.create(product=product, year=today.year)
    draft = drafts.UpdateDraft(update)
    assert draft.current()["fields"]["name"] == "动力电池管理系统"  # starts from the filed data
    assert draft.save_fields({"name": "动力电池管理系统（二代）", "last_year_sales": Decimal("1500.5")},
                             expected=0).version == 1
    new, lapsed = held_patent(unit, 6), held_patent(unit, 7, status="invalid")
    linked = draft.link_patents([new.id, lapsed.id], expected=1)
    assert (linked.version, linked.count, linked.refused) == (2, 1, (lapsed.display_number,))
    draft.set_patent_flags({new.id: {"core": True, "litigated": True, "case_number": " 4W9 "}}, expected=2)
    draft.unlink_patent(first_link.patent_id, expected=3)
    for name in ("a.png", "b.png"):
        draft.add_file("main_image", storage.save_bytes(make.png(), name, "png", owner=unit.user))
    proof = storage.save_bytes(PDF, "证明.pdf", "pdf", owner=unit.user)
    draft.add_file("economic_proof", proof)
    assert draft.remove_file(proof.id).count == 1
    data = YearlyUpdate.get_by_id(update.id).data
    assert data["fields"]["name"] == "动力电池管理系统（二代）"
    assert Decimal(data["fields"]["last_year_sales"]) == Decimal("1500.5")
    assert data["patents"] == [{"patent_id": new.id, "number": new.display_number, "public": False, "core": True,
                                "litigated": True, "case_number": "4W9"}]
    assert [(f["kind"], f["name"]) for f in data["files"] if f["kind"] != "economic_proof"] == [("main_image", "b.png")]
    assert not any(f["kind"] == "economic_proof" and f["file_id"] == proof.id for f in data["files"])
    assert YearlyUpdate.get_by_id(update.id).version == 8
    assert Product.get_by_id(product.id).name == "动力电池管理系统"  # the filed product is not touched
    with pytest.raises(drafts.DraftConflict) as refused:
        draft.save_fields({"name": "旧页面"}, expected=1)
    assert refused.value.version == 8 and refused.value.current["fields"]["name"] == "动力电池管理系统（二代）"
    workflows.apply(YearlyUpdate.get_by_id(update.id), "submit", unit.user)
    assert YearlyUpdate.get_by_id(update.id).status == UpdateStatus.PENDING
    with pytest.raises(drafts.DraftLocked):
        draft.save_fields({"name": "提交后"})
    with pytest.raises(drafts.DraftLocked):
        draft.link_patents([first_link.patent_id])
    after = YearlyUpdate.get_by_id(update.id)
    assert after.data == data and after.version == 8


# ---------------------------------------------------------------- in the browser


def sign_in_as_filer(page, live_server, make, unit):
    from test_browser_accounts import sign_in

    User.update(username="Drafter01").where(User.id == unit.user_id).execute()
    sign_in(page, live_server, "Drafter01", PASSWORD)


@pytest.mark.browser
def test_two_pages_of_one_draft_the_second_is_told_and_sees_both_values(page, live_server, make, unit):
    product = make.complete_product(unit)
    sign_in_as_filer(page, live_server, make, unit)
    page.get_by_role("link", name="产品备案管理").first.click()
    page.get_by_role("link", name="继续填报").click()
    other = page.context.new_page()
    other.goto(page.url)
    # The first page renames the product; autosave keeps it, and the page takes the new version.
    page.get_by_label("产品名称", exact=True).fill("磷酸铁锂储能系统")
    expect(page.locator("[data-saved-at]")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    expect(page.locator("input[name=version]")).to_have_value(str(product.version + 1))
    # The second page, opened before, changes the model: it is told, and sees the other name.
    other.get_by_label("规格型号", exact=True).fill("BMS-3000")
    status = other.locator("[data-autosave-problems]")
    expect(status).to_contain_text("该草稿已在其他窗口或设备上修改，本页的修改尚未保存。")
    expect(other.locator("#t-name")).to_have_text("其他窗口保存的值：磷酸铁锂储能系统")
    expect(other.get_by_label("产品名称", exact=True)).to_have_value("动力电池管理系统")
    expect(other.get_by_label("规格型号", exact=True)).to_have_value("BMS-3000")
    screenshot(other, "drafts-1-autosave-conflict")
    assert Product.get_by_id(product.id).model == "BMS-2000"
    # The second page keeps its values knowingly (保存); the first page, not knowing it,
    # presses 保存 too: it is told, with the second page's values at their fields.
    other.get_by_role("button", name="保存").click()
    expect(other.get_by_text("已保存。")).to_be_visible()
    page.bring_to_front()
    page.get_by_role("button", name="保存").click()
    expect(page.locator("[data-conflict]")).to_contain_text("该草稿已在其他窗口或设备上修改")
    expect(page.locator("#t-name")).to_have_text("其他窗口保存的值：动力电池管理系统")
    expect(page.locator("#t-model")).to_have_text("其他窗口保存的值：BMS-3000")
    expect(page.get_by_label("产品名称", exact=True)).to_have_value("磷酸铁锂储能系统")
    screenshot(page, "drafts-2-save-conflict")
    stored = Product.get_by_id(product.id)
    assert (stored.name, stored.model) == ("动力电池管理系统", "BMS-3000")


@pytest.mark.browser
def test_save_waits_for_the_autosave_in_flight(page, live_server, make, unit, monkeypatch):
    """保存 pressed while an autosave is on its way: the form goes after it, with the version
    that save gave, instead of racing it and meeting its own save as another window's."""
    from public_site.portal import filing

    answer = filing._after_save

    def slow_answer(*args, **kwargs):
        response = answer(*args, **kwargs)
        if filing._autosave():
            time.sleep(1.5)  # saved, the answer is late
        return response

    monkeypatch.setattr(filing, "_after_save", slow_answer)
    product = make.complete_product(unit)
    sign_in_as_filer(page, live_server, make, unit)
    page.goto(f"{live_server}/portal/products/{product.id}/info")
    with page.expect_request(lambda r: r.method == "POST" and r.headers.get("x-autosave") == "1"):
        page.get_by_label("商标", exact=True).fill("示范")
    # Typed again while that save is on its way, then 保存: sent at the version the page was
    # read at, the form would meet the autosave's 示范 as another window's value.
    page.get_by_label("商标", exact=True).fill("示范二")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    expect(page.locator("[data-conflict]")).to_have_count(0)
    stored = Product.get_by_id(product.id)
    assert (stored.trademark, stored.version) == ("示范二", product.version + 2)


@pytest.mark.browser
def test_a_page_left_open_after_submit_says_its_changes_were_not_saved(page, live_server, make, unit):
    product = make.complete_product(unit)
    sign_in_as_filer(page, live_server, make, unit)
    page.goto(f"{live_server}/portal/products/{product.id}/info")
    workflows.apply(product, "submit", unit.user)  # from another window
    page.get_by_label("规格型号", exact=True).fill("BMS-3000")
    expect(page.locator("[data-autosave-problems]")).to_have_text("已提交或已备案的信息已锁定，本页的修改未保存。")
    stored = Product.get_by_id(product.id)
    assert (stored.status, stored.model) == (ProductStatus.PENDING, "BMS-2000")
