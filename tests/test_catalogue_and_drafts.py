"""The 统计用产品分类目录 shipped (大类 01–22, partial) and 其他 for a product it does not list
(issue 15 #5), and drafts a unit deletes or finds again (#7)."""

import pytest

import workflows
from domain import search
from domain.filing import drafts
from domain.filing.rules import filing_rules, pre_review_checks
from models import AssetInfo, Product, ProductCategory, last_fiscal_year


@pytest.fixture
def unit(make):
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year(), total_sales=5000, ip_investment=300)
    return unit


def test_the_partial_catalogue_is_loaded_level_by_level(db_session):
    counts = {level: ProductCategory.select().where(ProductCategory.level == level).count() for level in range(1, 6)}
    assert counts == {1: 21, 2: 159, 3: 830, 4: 2493, 5: 4286}
    assert ProductCategory.get_by_id("2205010401").name == "纸杯"
    assert not ProductCategory.select().where(ProductCategory.code.startswith("38")).exists()  # 大类 23–97 missing


def test_the_picker_says_the_catalogue_is_incomplete_and_offers_other(client, login, unit):
    product = Product.create(unit=unit)
    login(unit.user)
    assert client.get("/portal/categories?q=锂离子电池").get_json() == []
    assert [r["code"] for r in client.get("/portal/categories?q=纸杯").get_json()] == ["2205010401"]
    html = client.get(f"/portal/products/{product.id}/info").get_data(as_text=True)
    assert "只有大类01–22" in html and 'value="其他"' in html and 'name="category_other"' in html


def test_other_keeps_the_typed_category_and_flags_it_for_the_reviewer(client, make, login, unit):
    product = make.complete_product(unit)
    login(unit.user)
    resp = client.post(f"/portal/products/{product.id}/info", data={"category": "其他", "category_other": ""})
    assert resp.status_code == 400 and "请填写产品分类（其他）" in resp.get_data(as_text=True)
    assert Product.get_by_id(product.id).category_id == "0101010101"  # nothing half changed
    client.post(f"/portal/products/{product.id}/info", headers={"X-Autosave": "1"},
                data={"category": "其他", "category_other": "锂离子电池"})
    product = Product.get_by_id(product.id)
    assert (product.category_id, product.category_other) == (None, "锂离子电池")
    assert not [p for p in filing_rules(product) if p.field in ("category", "category_other")]
    html = client.get(f"/portal/products/{product.id}/info").get_data(as_text=True)
    assert 'value="其他"' in html and 'value="锂离子电池"' in html
    warnings = [str(c.message) for c in pre_review_checks(product) if c.level == "warn"]
    assert any("其他" in w and "锂离子电池" in w for w in warnings)
    # picking a category again clears the text
    client.post(f"/portal/products/{product.id}/info", headers={"X-Autosave": "1"},
                data={"category": "2205010401 纸杯", "category_other": "锂离子电池"})
    product = Product.get_by_id(product.id)
    assert (product.category_id, product.category_other) == ("2205010401", "")


def test_a_filed_other_product_is_found_under_the_other_facet_and_in_the_api(client, make, unit):
    product = make.complete_product(unit, category=None, category_other="锂离子电池")
    product = workflows.apply(product, "submit", unit.user)
    workflows.apply(product, "approve", make.staff("reviewer"))
    search.reindex_all()
    results = search.search("", {})
    other = [f for f in results.facets["category"] if f.value == "other"]
    assert other and other[0].label == "其他" and other[0].count == 1
    assert search.search("", {"category": "other"}).total == 1
    body = client.get("/api/v1/products?category=other").get_json()
    assert [p["category"] for p in body["items"]] == [{"code": "other", "name": "锂离子电池"}]


def test_a_unit_deletes_a_draft_it_never_submitted_and_no_other(client, make, login, unit):
    login(unit.user)
    draft = Product.create(unit=unit, name="草稿产品")
    html = client.get("/portal/products").get_data(as_text=True)
    assert f"/portal/products/{draft.id}/delete" in html and "确定删除此草稿" in html
    resp = client.post(f"/portal/products/{draft.id}/delete")
    assert resp.status_code == 302 and Product.get_or_none(Product.id == draft.id) is None
    # one submitted once (now 不通过 or back to edit) is kept
    submitted = make.complete_product(unit)
    submitted = workflows.apply(submitted, "submit", unit.user)
    resp = client.post(f"/portal/products/{submitted.id}/delete", follow_redirects=True)
    assert "只能删除从未提交过的草稿" in resp.get_data(as_text=True)
    assert Product.get_or_none(Product.id == submitted.id) is not None
    # another unit's draft: not found, not deleted
    other = Product.create(unit=make.approved_unit())
    assert client.post(f"/portal/products/{other.id}/delete").status_code == 404
    assert Product.get_or_none(Product.id == other.id) is not None
    with pytest.raises(drafts.DraftLocked):
        drafts.delete_draft(other, unit)


def test_fill_in_opens_the_units_empty_draft_instead_of_another(client, login, unit):
    login(unit.user)
    client.post("/portal/products/new")
    client.post("/portal/products/new")
    assert Product.select().where(Product.unit == unit).count() == 1
