"""Demo products (seed/demo_products.py): `flask zlcp seed --demo` opens on a living
platform — verified units in several provinces and their products in every state, the
filed ones with a filing number, patents and a picture — and a second run adds nothing."""

from conftest import PASSWORD

from models import (
    AuditLog,
    Patent,
    Product,
    ProductFile,
    ProductPatent,
    ProductVersion,
    StoredFile,
    Unit,
    User,
    last_fiscal_year,
)

ALL_STATES = {"draft", "pending", "rejected", "filed", "revocation_pending", "revoked"}


def _counts():
    return {model.__name__: model.select().count()
            for model in (User, Unit, Product, ProductPatent, ProductFile, StoredFile, Patent, AuditLog)}


def test_demo_units_are_verified_in_several_provinces_with_asset_info(db_session):
    from infra.validators import is_valid_uscc
    from seed.demo import load
    from seed.demo_products import UNITS

    load(PASSWORD, products=12)
    units = list(Unit.select().join(User).where(User.username.startswith("demo_unit")))
    assert len(units) == len(UNITS) + 1
    assert len({u.region_code[:2] for u in units}) >= 8
    year = last_fiscal_year()
    for unit in units:
        assert unit.status == "approved"
        assert is_valid_uscc(unit.credit_code) and unit.credit_code[2:8] == unit.region_code
        assert {a.fiscal_year for a in unit.asset_infos} >= {year, year - 1}
        approval = AuditLog.get(AuditLog.object_type == "unit", AuditLog.object_id == unit.id,
                                AuditLog.event == "approve")
        assert approval.actor.username == "demo_reviewer"


def test_demo_products_exist_in_every_state_and_filed_ones_are_complete(db_session):
    from domain.filing.rules import PASS, pre_review_checks
    from seed.demo import load

    load(PASSWORD, products=12)
    products = list(Product.select())
    assert {p.status for p in products} == ALL_STATES
    demo_unit = Unit.get(Unit.user == User.get(User.username == "demo_unit"))
    assert {p.status for p in demo_unit.products} == ALL_STATES  # its own list shows every tab

    filed = [p for p in products if p.status == "filed"]
    assert len(filed) >= 6
    assert len({p.unit.region_code[:2] for p in filed}) >= 4
    assert len({p.industry_id for p in filed}) >= 4
    assert any("电池" in p.name for p in filed)
    for product in filed:
        assert product.filing_number and product.filing_number[4:6] == product.unit.region_code[:2]
        # the snapshot taken at submit, then one per approved yearly update (the demo updates
        # some products when the update window is open on the day it runs)
        kinds = [v.kind for v in product.versions.order_by(ProductVersion.number)]
        assert kinds[:1] == ["filing"] and set(kinds[1:]) <= {"update"}
        links = list(product.patent_links)
        assert any(link.core for link in links)
        assert all(link.patent.legal_status == "valid" for link in links)
        kinds = {pf.kind for pf in product.files}
        assert {"main_image", "economic_proof"} <= kinds
        # 其他 (the shipped catalogue lacks 大类 23–97) is the one thing left to the reviewer
        assert all(check.level == PASS or "产品分类为“其他”" in str(check.message)
                   for check in pre_review_checks(product))
        assert product.category_id or product.category_other
        assert AuditLog.get(AuditLog.object_type == "product", AuditLog.object_id == product.id,
                            AuditLog.event == "approve").actor.username == "demo_reviewer"
    rejected = Product.get(Product.status == "rejected")
    assert AuditLog.get(AuditLog.object_id == rejected.id, AuditLog.event == "reject").reason
    assert Product.get(Product.status == "revocation_pending").revocation_reason


def test_demo_files_are_real_pictures_and_pdfs(db_session):
    from infra import storage
    from seed.demo import load

    load(PASSWORD, products=12)
    files = list(ProductFile.select().where(ProductFile.kind.in_(["main_image", "economic_proof"])))
    assert files
    for pf in files:
        data = storage.read(pf.file)
        allowed = ("pdf",) if pf.kind == "economic_proof" else ("png", "jpg")
        assert storage.check(data, pf.file.original_name, allowed) == pf.file.kind
        if pf.kind == "economic_proof":
            assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_a_second_demo_seed_adds_nothing(db_session):
    from seed import load_demo
    from seed.demo import load

    load(PASSWORD, products=12)
    before = _counts()
    load(PASSWORD, products=12)
    load_demo()  # a later `make run` with the default count
    assert _counts() == before


def test_the_default_demo_has_hundreds_of_filed_products_and_many_batteries():
    from seed.demo_products import DEMO_PRODUCTS, UNITS, model_of, plan

    schedule = plan(DEMO_PRODUCTS, [None, *UNITS])
    filed = [template for _i, state, template, _round in schedule if state == "filed"]
    assert len(filed) >= 200
    assert sum("电池" in name for name, *_rest in filed) >= 30
    assert {state for _i, state, _t, _r in schedule} == ALL_STATES
    models = [(i, template[0], model_of(template, r)) for i, _s, template, r in schedule]
    assert len(set(models)) == len(models)  # no unit files the same product model twice
