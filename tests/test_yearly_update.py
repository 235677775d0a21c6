"""产品备案信息更新 in the portal (manual §六, SPEC §7.1): the window in Beijing time, the
asset-info gate, what an update may and may not change, 确认无变化, approval replacing the
product's data with every version kept, 不通过 → 修改 → resubmitted, and another unit's
update not existing for a unit."""

from datetime import datetime
from decimal import Decimal

import pytest
from update_support import IN_WINDOW, SH, YEAR, enter_assets, filed_product

import workflows
from domain import search, updates
from domain.updates import editing
from infra import changes
from models import Product, ProductVersion, UpdateWindow, YearlyUpdate
from workflows import UpdateStatus

pytestmark = pytest.mark.usefixtures("db_session")


def _open(client, product):
    return client.post(f"/portal/updates/product/{product.id}/start")


def _update(product):
    return YearlyUpdate.get(YearlyUpdate.product == product.id, YearlyUpdate.year == YEAR)


def test_the_window_closes_at_midnight_beijing_time_at_the_end_of_31_march(make, clock, login, client):
    product, _reviewer = filed_product(make, clock)
    clock(IN_WINDOW)
    enter_assets(product.unit)
    update = editing.open_update(product)
    clock(datetime(2027, 3, 31, 23, 59, tzinfo=SH))
    assert updates.window_state().open
    login(product.unit.user)
    assert "更新" in client.get("/portal/updates").get_data(as_text=True)
    workflows.apply(update, "submit", product.unit.user)  # 23:59 on 31 March: accepted
    assert _update(product).status == UpdateStatus.PENDING

    other, _ = filed_product(make, clock, unit=product.unit)
    clock(datetime(2027, 3, 31, 23, 0, tzinfo=SH))
    late = editing.open_update(other)
    clock(datetime(2027, 4, 1, 0, 0, tzinfo=SH))
    state = updates.window_state()
    assert not state.open and state.next_opens.isoformat() == "2028-01-01"
    with pytest.raises(workflows.GuardFailed):
        workflows.apply(late, "submit", product.unit.user)
    with pytest.raises(editing.NotOpen):
        editing.open_update(Product.get_by_id(other.id))
    page = client.get("/portal/updates").get_data(as_text=True)
    assert "下次开放时间：2028-01-01" in page
    assert "确认无变化" not in page  # nothing can be submitted outside the window
    response = client.post(f"/portal/updates/product/{other.id}/confirm", follow_redirects=True)
    assert _update(other).status == UpdateStatus.DRAFT and "下次开放时间" in response.get_data(as_text=True)


def test_the_administrator_sets_other_dates_for_a_year(make, clock):
    clock(datetime(2027, 4, 10, 9, 0, tzinfo=SH))
    assert not updates.window_state().open
    UpdateWindow.create(year=2027, opens_on="2027-04-01", closes_on="2027-04-30")
    state = updates.window_state()
    assert state.open and state.days_left == 20


def test_last_years_asset_info_comes_first(make, clock, login, client):
    product, _reviewer = filed_product(make, clock)
    clock(IN_WINDOW)
    login(product.unit.user)
    page = client.get("/portal/updates").get_data(as_text=True)
    assert "请先填报2026年度资产信息" in page and 'href="/portal/assets"' in page
    response = _open(client, product)
    assert response.status_code == 302 and not YearlyUpdate.select().exists()
    enter_assets(product.unit)
    response = _open(client, product)
    update = _update(product)
    assert response.headers["Location"].endswith(f"/portal/updates/{update.id}/info")


def test_figures_and_patents_change_but_the_name_and_model_do_not(make, clock, login, client):
    product, _reviewer = filed_product(make, clock)
    clock(IN_WINDOW)
    enter_assets(product.unit)
    login(product.unit.user)
    _open(client, product)
    update = _update(product)
    page = client.get(f"/portal/updates/{update.id}/info").get_data(as_text=True)
    assert "动力电池管理系统" in page and 'name="name"' not in page  # shown, not editable
    form = {"name": "改过的名称", "model": "X-1", "gtin": "6901234567892", "first_year": "2001",
            "category": "0101010101", "industry": "3841", "intro": "新的产品简介。", "purpose": "recognition",
            "last_year_cost": "900", "ip_investment": "40", "last_year_sales": "1500", "last_year_export": "100",
            "last_year_net_profit": "150", "contribution_method": "method2", "contribution_index": "40"}
    assert client.post(f"/portal/updates/{update.id}/info", data=form).status_code == 302
    fields = _update(product).data["fields"]
    locked = (fields["name"], fields["model"], fields["gtin"], fields["first_year"])
    assert locked == ("动力电池管理系统", "BMS-2000", "", 2018)
    assert Decimal(fields["last_year_sales"]) == 1500 and fields["intro"] == "新的产品简介。"
    # A patent: a second one of the unit's own list is linked, its flags set.
    second = make.complete_product(product.unit).patent_links.get().patent
    client.post(f"/portal/updates/{update.id}/patents/link", data={"patent_ids": [second.id]})
    first = product.patent_links.get().patent_id
    client.post(f"/portal/updates/{update.id}/patents",
                data={f"core-{first}": "1", f"public-{first}": "1", f"case-{first}": "",
                      f"core-{second.id}": "1", f"case-{second.id}": ""})
    linked = {e["patent_id"]: e for e in _update(product).data["patents"]}
    assert set(linked) == {first, second.id} and linked[second.id]["core"]
    # The product itself is untouched until approval.
    assert Product.get_by_id(product.id).last_year_sales == 1200


def test_an_error_is_shown_at_its_field_and_the_rest_is_kept(make, clock, login, client):
    product, _reviewer = filed_product(make, clock)
    clock(IN_WINDOW)
    enter_assets(product.unit)
    login(product.unit.user)
    _open(client, product)
    update = _update(product)
    response = client.post(f"/portal/updates/{update.id}/info", data={
        "category": "0101010101", "industry": "3841", "intro": "简介", "purpose": "recognition",
        "last_year_sales": "100", "last_year_export": "500", "trademark": "新商标",
        "contribution_method": "method2", "contribution_index": "120"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "产品上年度出口总额不能大于产品上年度销售额" in page and 'id="e-contribution_index"' in page
    assert 'value="新商标"' in page and _update(product).data["fields"]["trademark"] == "新商标"


def test_confirm_no_change_submits_in_one_click(make, clock, login, client):
    product, _reviewer = filed_product(make, clock)
    clock(IN_WINDOW)
    enter_assets(product.unit)
    login(product.unit.user)
    response = client.post(f"/portal/updates/product/{product.id}/confirm", follow_redirects=True)
    update = _update(product)
    assert update.status == UpdateStatus.PENDING and update.submitted_at is not None
    assert Decimal(update.data["fields"]["last_year_sales"]) == 1200
    page = response.get_data(as_text=True)
    assert "已确认无变化并提交审核" in page and 'data-tab-count="pending">1<' in page


def test_approval_replaces_the_products_data_and_keeps_every_version(make, clock, login, client):
    product, reviewer = filed_product(make, clock, trademark="旧商标")
    clock(IN_WINDOW)
    enter_assets(product.unit)
    update = editing.open_update(product)
    editing.save_fields(update, {"last_year_sales": Decimal(1500), "trademark": "新商标", "name": "别的名字"})
    editing.submit(update, product.unit.user)
    counter = changes.generation()
    workflows.apply(_update(product), "approve", reviewer)
    fresh = Product.get_by_id(product.id)
    assert (fresh.last_year_sales, fresh.trademark, fresh.name) == (1500, "新商标", "动力电池管理系统")
    versions = list(ProductVersion.select().where(ProductVersion.product == product.id).order_by(ProductVersion.number))
    assert [v.kind for v in versions] == ["filing", "update"]
    assert versions[0].data["fields"]["trademark"] == "旧商标" and versions[1].data["fields"]["trademark"] == "新商标"
    assert updates.updated_for([product.id], YEAR) == {product.id}
    assert updates.updated_for([product.id], YEAR + 1) == set()
    # The public page and the search index read the new data.
    assert changes.generation() > counter
    assert [p.id for p in search.search("新商标", {}).items] == [product.id]
    assert "新商标" in client.get(f"/products/{fresh.token}").get_data(as_text=True)
    login(product.unit.user)
    page = client.get("/portal/updates?tab=approved").get_data(as_text=True)
    assert "动力电池管理系统" in page and 'data-tab-count="approved">1<' in page


def test_a_rejected_update_shows_the_reason_and_is_resubmitted(make, clock, login, client):
    product, reviewer = filed_product(make, clock)
    clock(IN_WINDOW)
    enter_assets(product.unit)
    login(product.unit.user)
    client.post(f"/portal/updates/product/{product.id}/confirm")
    with pytest.raises(workflows.WorkflowError):
        workflows.apply(_update(product), "reject", reviewer)  # a reason is required
    workflows.apply(_update(product), "reject", reviewer, reason="销售额与证明文件不符")
    page = client.get("/portal/updates?tab=rejected").get_data(as_text=True)
    assert "销售额与证明文件不符" in page and "修改" in page
    update = _update(product)
    for step in ("info", "patents", "materials"):
        assert "销售额与证明文件不符" in client.get(f"/portal/updates/{update.id}/{step}").get_data(as_text=True)
    _open(client, product)  # 修改
    editing.save_fields(update, {"last_year_sales": Decimal(1300)})
    response = client.post(f"/portal/updates/{update.id}/materials", data={"submit": "1"})
    assert response.status_code == 302
    assert _update(product).status == UpdateStatus.PENDING


def test_a_product_filed_in_the_window_is_not_due_that_year(make, clock):
    product, _reviewer = filed_product(make, clock)
    clock(IN_WINDOW)
    enter_assets(product.unit)
    late, _ = filed_product(make, clock, unit=product.unit)  # filed_product moves the clock back
    Product.update(filed_at=datetime(2027, 2, 1)).where(Product.id == late.id).execute()
    clock(IN_WINDOW)
    due = {p.id for p in updates.due_products(YEAR)}
    assert product.id in due and late.id not in due


def test_another_units_update_does_not_exist_for_a_unit(make, clock, login, client):
    product, reviewer = filed_product(make, clock)
    stranger, _ = filed_product(make, clock, reviewer=reviewer)
    clock(IN_WINDOW)
    enter_assets(product.unit)
    enter_assets(stranger.unit)
    update = editing.open_update(product)
    login(stranger.unit.user)
    for path in (f"/portal/updates/{update.id}/info", f"/portal/updates/{update.id}/patents",
                 f"/portal/updates/{update.id}/materials"):
        assert client.get(path).status_code == 404
        assert client.post(path, data={"trademark": "x"}).status_code == 404
    assert client.post(f"/portal/updates/product/{product.id}/confirm").status_code == 404
    assert _update(product).status == UpdateStatus.DRAFT and _update(product).version == 0
