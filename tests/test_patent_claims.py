"""持有或被许可 (manual §四, SPEC §5, §6.2): a unit adds only the patents it holds (原始取得, 受让)
or is licensed (被许可). One rule (domain.patents.claim_basis) decides in 手动新增专利, in the
pre-review checks (and so in bulk 通过) and in the daily patent watch: the registry's
patentees must include the unit's current or a former name — or the unit uploads the
transfer proof / licence contract and the reviewer is told to check it."""

import io
import re
from datetime import timedelta

import pytest
from conftest import outbox_texts
from test_patents import number, row, write_csv

import jobs
import workflows
from domain import patents
from domain.filing import review as product_review
from domain.filing.rules import FAIL, PASS, WARN, filing_rules, pre_review_checks
from domain.filing.watch import watch_patents
from models import (
    AssetInfo,
    Patent,
    Product,
    ProductPatent,
    StoredFile,
    UnitNameHistory,
    UnitPatent,
    last_fiscal_year,
    today_shanghai,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def unit(make):
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year(), total_sales=5000, ip_investment=300)
    return unit


def registry(tmp_path, *rows, name="p.csv"):
    patents.import_file(write_csv(tmp_path / name, list(rows)))


def patent_of(n):
    return Patent.get(Patent.display_number == number(n))


def post_new(client, **form):
    files = {k: v for k, v in form.items() if isinstance(v, tuple)}
    data = {k: v for k, v in form.items() if not isinstance(v, tuple)}
    return client.post("/portal/patents/new", data={**data, **files}, content_type="multipart/form-data")


def field_error(html, name):
    found = re.search(rf'id="e-{name}">([^<]*)<', html)
    return found.group(1) if found else None


def submitted_with(make, unit, patent, acquisition="original", **link):
    """A 待审核 product whose only (core) patent is `patent`, held in the unit's list as
    `acquisition` — as data entered before the rule existed would be."""
    product = make.complete_product(unit)
    ProductPatent.delete().where(ProductPatent.product == product).execute()
    ProductPatent.create(product=product, patent=patent, core=True, public=True)
    if not UnitPatent.select().where(UnitPatent.unit == unit, UnitPatent.patent == patent).exists():
        UnitPatent.create(unit=unit, patent=patent, source="manual", acquisition=acquisition, **link)
    Product.update(status="pending", submitted_at=product.created_at).where(Product.id == product.id).execute()
    return Product.get_by_id(product.id)


# ---------------------------------------------------------------- 手动新增专利


def test_a_unit_claiming_another_units_patent_as_original_is_refused_at_the_field(client, login, make, tmp_path):
    owner, intruder = make.approved_unit(), make.approved_unit()
    registry(tmp_path, row(1, [owner.name]))
    login(intruder.user)
    resp = post_new(client, number=number(1), acquisition="original")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert field_error(html, "acquisition") == (
        f"专利库记载的专利权人（{owner.name}）不包括本单位的现用名或曾用名，不能作为原始取得的专利；"
        "受让或被许可的专利请选择相应的获取方式")
    assert f'value="{number(1)}"' in html  # what was typed is kept
    assert not UnitPatent.select().where(UnitPatent.unit == intruder).exists()


def test_a_unit_adds_its_own_patent_under_a_former_name_or_co_owned(client, login, make, tmp_path):
    unit = make.approved_unit()
    UnitNameHistory.create(unit=unit, name="旧名称（深圳）有限公司")
    registry(tmp_path, row(1, ["旧名称(深圳)有限公司"]), row(2, ["某某大学", unit.name]))
    login(unit.user)
    for n in (1, 2):
        resp = post_new(client, number=number(n), acquisition="original")
        assert resp.status_code == 302, resp.get_data(as_text=True)
    assert UnitPatent.select().where(UnitPatent.unit == unit, UnitPatent.source == "manual").count() == 2


def test_an_assignee_not_yet_in_the_registry_must_upload_the_transfer_proof(client, login, make, tmp_path):
    seller, buyer = make.approved_unit(), make.approved_unit()
    registry(tmp_path, row(1, [seller.name]))
    login(buyer.user)
    resp = post_new(client, number=number(1), acquisition="assigned", assignment_kind="transfer")
    assert resp.status_code == 400
    assert "受让尚未在专利登记簿登记的，请上传专利权转让证明" in field_error(resp.get_data(as_text=True), "proof_file")
    resp = post_new(client, number=number(1), acquisition="assigned", assignment_kind="transfer",
                    proof_file=(io.BytesIO(b"MZ\x90\x00not a pdf"), "转让证明.pdf"))
    assert resp.status_code == 400
    assert field_error(resp.get_data(as_text=True), "proof_file") == (
        "文件“转让证明.pdf”的格式不受支持，仅支持png, jpg, bmp, PDF格式")
    resp = post_new(client, number=number(1), acquisition="assigned", assignment_kind="transfer",
                    proof_file=(io.BytesIO(PDF), "转让证明.pdf"))
    assert resp.status_code == 302
    link = UnitPatent.get(UnitPatent.unit == buyer)
    assert (link.acquisition, link.proof_file.original_name, link.proof_file.owner_id) == (
        "assigned", "转让证明.pdf", buyer.user_id)
    listing = client.get("/portal/patents").get_data(as_text=True)
    assert 'data-claim="upload"' in listing and "转让证明.pdf" in listing


def test_an_error_elsewhere_keeps_the_uploaded_proof_and_everything_typed(client, login, make, tmp_path):
    seller, buyer = make.approved_unit(), make.approved_unit()
    registry(tmp_path, row(1, [seller.name]))
    login(buyer.user)
    resp = post_new(client, number=number(1), acquisition="assigned", assignment_kind="",
                    proof_file=(io.BytesIO(PDF), "登记簿副本.pdf"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and field_error(html, "assignment_kind") == "请选择受让方式（转让、继承、受赠）"
    assert "已上传：" in html and "登记簿副本.pdf" in html and f'value="{number(1)}"' in html
    kept = re.search(r'name="proof_file_id" value="(\d+)"', html).group(1)
    resp = post_new(client, number=number(1), acquisition="assigned", assignment_kind="gift", proof_file_id=kept)
    assert resp.status_code == 302
    assert UnitPatent.get(UnitPatent.unit == buyer).proof_file_id == int(kept)


def test_someone_elses_upload_id_is_not_taken_as_proof(client, login, make, tmp_path):
    seller, buyer = make.approved_unit(), make.approved_unit()
    registry(tmp_path, row(1, [seller.name]))
    theirs = make.stored_png(seller.user)
    login(buyer.user)
    resp = post_new(client, number=number(1), acquisition="assigned", assignment_kind="transfer",
                    proof_file_id=str(theirs.id))
    assert resp.status_code == 400 and "请上传专利权转让证明" in field_error(resp.get_data(as_text=True), "proof_file")


def test_a_licence_needs_a_patentee_as_licensor_a_running_term_and_the_contract_all_said_at_once(
        client, login, make, tmp_path):
    owner, licensee = make.approved_unit(), make.approved_unit()
    registry(tmp_path, row(1, [owner.name]))
    login(licensee.user)
    ended = (today_shanghai() - timedelta(days=1)).isoformat()
    resp = post_new(client, number=number(1), acquisition="licensed", licensor="随便写的公司",
                    licence_start="2020-01-01", licence_end=ended)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert field_error(html, "licensor") == f"许可人应为该专利的专利权人（专利库记载的专利权人：{owner.name}）"
    assert field_error(html, "licence_end") == f"许可已于{ended}到期"
    assert field_error(html, "proof_file") == "请上传专利实施许可合同"
    assert 'value="随便写的公司"' in html and f'value="{ended}"' in html
    resp = post_new(client, number=number(1), acquisition="licensed", licensor="公" * 201,
                    licence_start="2020-01-01", licence_end="2099-12-31")
    assert resp.status_code == 400 and field_error(resp.get_data(as_text=True), "licensor") == "不能超过200个字"
    resp = post_new(client, number=number(1), acquisition="licensed", licensor=owner.name,
                    licence_start="2020-01-01", licence_end="2099-12-31",
                    proof_file=(io.BytesIO(PDF), "许可合同.pdf"))
    assert resp.status_code == 302
    link = UnitPatent.get(UnitPatent.unit == licensee)
    assert (link.acquisition, link.licensor, link.proof_file.original_name) == ("licensed", owner.name, "许可合同.pdf")


# ---------------------------------------------------------------- pre-review checks, bulk 通过, submit


def test_a_product_resting_on_another_units_patent_fails_the_check_and_bulk_approval_skips_it(make, unit, tmp_path):
    other = make.approved_unit()
    registry(tmp_path, row(1, [other.name]))
    product = submitted_with(make, unit, patent_of(1))  # claimed as 原始取得 before the rule
    checks = {(c.level, str(c.message)) for c in pre_review_checks(product)}
    assert (FAIL, (f"关联专利{number(1)}不由本单位持有或被许可：专利库记载的专利权人（{other.name}）"
                   "不包括本单位的现用名或曾用名，不能作为原始取得的专利；"
                   "受让或被许可的专利请选择相应的获取方式")) in checks
    assert (PASS, "关联专利均有效且由本单位持有或被许可") not in checks
    approved, skipped = product_review.bulk_approve([product.id], make.staff("reviewer"))
    assert approved == 0 and "不由本单位持有或被许可" in str(skipped[0].reason)
    assert Product.get_by_id(product.id).status == "pending"
    assert any(str(p).startswith(f"专利{number(1)}不能作为本单位持有或被许可的专利：") for p in filing_rules(product))


def test_a_claim_resting_on_an_upload_is_flagged_for_the_reviewer_with_the_proof_beside_the_patent(
        client, login, make, unit, tmp_path):
    seller = make.approved_unit()
    registry(tmp_path, row(1, [seller.name]), row(2, [unit.name]))
    proof = make.stored_png(unit.user)
    product = submitted_with(make, unit, patent_of(1), acquisition="assigned", assignment_kind="transfer",
                             proof_file=proof)
    ProductPatent.create(product=product, patent=patent_of(2))
    UnitPatent.create(unit=unit, patent=patent_of(2), source="auto")
    checks = [(c.level, str(c.message)) for c in pre_review_checks(product)]
    assert (WARN, (f"关联专利{number(1)}需人工核验：专利库记载的专利权人（{seller.name}）尚不包括本单位，"
                   "受让以单位上传的专利权转让证明为据，请核验")) in checks
    assert not any(level == FAIL for level, _ in checks)
    assert filing_rules(product) == []  # it stands: the unit may submit, the reviewer decides
    reviewer = make.staff("reviewer")
    assert product_review.bulk_approve([product.id], reviewer)[0] == 0  # not clean: a person looks
    login(reviewer)
    html = client.get(f"/admin/review_products/{product.id}").get_data(as_text=True)
    rows = html.split("data-patents", 1)[1].split("</table>", 1)[0]
    first = rows.split(number(1), 1)[1].split("</tr>", 1)[0]
    assert 'data-claim="upload"' in first and "依据单位上传材料，需核验" in first
    assert 'data-claim="registry"' in rows.split(number(2), 1)[1].split("</tr>", 1)[0]
    proof_row = rows.split(f'data-proof="{patent_of(1).id}"', 1)[1].split("</tr>", 1)[0]
    assert f"/files/{proof.key}" in proof_row and "专利权转让证明" in proof_row
    assert client.get(f"/files/{proof.key}").status_code == 200  # the reviewer can open it


def test_a_licence_that_ended_fails_the_check(make, unit, tmp_path):
    owner = make.approved_unit()
    registry(tmp_path, row(1, [owner.name]))
    ended = today_shanghai() - timedelta(days=1)
    product = submitted_with(make, unit, patent_of(1), acquisition="licensed", licensor=owner.name,
                             licence_start=ended - timedelta(days=365), licence_end=ended,
                             proof_file=make.stored_png(unit.user))
    levels = {str(c.message): c.level for c in pre_review_checks(product)}
    assert levels[f"关联专利{number(1)}不由本单位持有或被许可：许可已于{ended.isoformat()}到期"] == FAIL


# ---------------------------------------------------------------- the daily patent watch


def test_a_patent_transferred_away_in_the_registry_flags_the_filed_product(client, login, make, unit, app, tmp_path):
    registry(tmp_path, row(1, [unit.name]), row(2, [unit.name]))
    patents.auto_import(unit.id)
    product = workflows.apply(make.complete_product(unit), "submit", unit.user)
    product = workflows.apply(product, "approve", make.staff("reviewer"))
    ProductPatent.delete().where(ProductPatent.product == product).execute()
    ProductPatent.create(product=product, patent=patent_of(1), core=True)
    ProductPatent.create(product=product, patent=patent_of(2))
    app.config["PATENT_STATUS_INBOX"] = str(tmp_path / "inbox")
    # The registry's daily import: patent 1 now belongs to someone else.
    registry(tmp_path, row(1, ["受让方有限公司"]), name="day1.csv")
    assert jobs.run("patents.sync_status")["flagged"] == 1
    assert any(number(1) in text and "已不再由本单位持有或被许可" in text
               for text in outbox_texts("sms", unit.user.phone))
    assert Product.get_by_id(product.id).revocation_prompt_at is None  # patent 2 still holds it up
    assert watch_patents() == (0, 0)  # told once
    login(unit.user)  # the unit's list says so at the patent
    listing = client.get(f"/portal/patents?number={number(1)}").get_data(as_text=True)
    assert 'data-claim="none"' in listing and "不包括本单位的现用名或曾用名" in listing
    client.post("/logout")
    login(make.staff("reviewer"))
    watch_html = client.get("/admin/patent_watch/").get_data(as_text=True)
    assert f'data-product="{product.id}"' in watch_html and "已不由本单位持有或被许可" in watch_html
    # Patent 2 goes too: nothing valid is held any more → 待确认撤销.
    registry(tmp_path, row(2, ["受让方有限公司"]), name="day2.csv")
    assert watch_patents() == (1, 1)
    assert Product.get_by_id(product.id).revocation_prompt_at is not None


def test_a_claim_the_registry_confirms_again_is_no_longer_flagged(make, unit, tmp_path):
    registry(tmp_path, row(1, [unit.name]))
    patents.auto_import(unit.id)
    product = workflows.apply(make.complete_product(unit), "submit", unit.user)
    product = workflows.apply(product, "approve", make.staff("reviewer"))
    ProductPatent.create(product=product, patent=patent_of(1))
    registry(tmp_path, row(1, ["别人公司"]), name="a.csv")
    assert watch_patents()[0] == 1
    assert UnitPatent.get(UnitPatent.patent == patent_of(1)).lost_at is not None
    registry(tmp_path, row(1, ["别人公司", unit.name]), name="b.csv")  # a correction of the register
    watch_patents()
    assert UnitPatent.get(UnitPatent.patent == patent_of(1)).lost_at is None


def test_demo_style_auto_imported_patents_pass_the_rule(make, unit, tmp_path):
    registry(tmp_path, *(row(n, [unit.name, "合作大学"]) for n in range(1, 4)))
    assert patents.auto_import(unit.id) == 3
    names = unit.all_names()
    for link in UnitPatent.select().where(UnitPatent.unit == unit):
        assert patents.link_claim(link, link.patent, names).basis == patents.REGISTRY
    assert StoredFile.select().count() == 2  # the verification files only: nothing uploaded for claims


@pytest.mark.browser
def test_an_assignee_uploads_the_transfer_proof_in_the_form_and_sees_the_claim_flagged(page, live_server, make,
                                                                                       tmp_path):
    from conftest import PASSWORD
    from playwright.sync_api import expect
    from test_browser_accounts import sign_in

    seller, buyer = make.approved_unit(), make.approved_unit()
    registry(tmp_path, row(1, [seller.name]))
    proof = tmp_path / "转让证明.pdf"
    proof.write_bytes(PDF)
    sign_in(page, live_server, buyer.user.username, PASSWORD)
    page.goto(f"{live_server}/portal/patents/new")
    page.get_by_label("专利号").fill(number(1))
    page.get_by_label("原始取得").check()
    expect(page.locator("#f-proof_file")).to_be_hidden()  # nothing to upload for 原始取得
    page.get_by_label("受让", exact=True).check()
    expect(page.get_by_label("专利权转让证明")).to_be_visible()
    page.get_by_label("受让方式").select_option(label="转让")
    page.get_by_role("button", name="确认").click()
    expect(page.locator("#e-proof_file")).to_contain_text("请上传专利权转让证明")  # said at the field
    expect(page.get_by_label("专利号")).to_have_value(number(1))  # and what was typed is kept
    page.get_by_label("专利权转让证明").set_input_files(str(proof))
    page.get_by_role("button", name="确认").click()
    flash = f"已添加专利 {number(1)}。专利权依据您上传的专利权转让证明，将由审核员核验。"
    expect(page.get_by_text(flash)).to_be_visible()
    expect(page.locator('[data-claim="upload"]')).to_have_text("依据上传材料，由审核员核验")
    page.get_by_role("link", name="手动新增专利").click()
    page.get_by_label("被许可").check()
    expect(page.get_by_label("专利实施许可合同")).to_be_visible()


def test_a_patent_whose_claim_does_not_stand_cannot_be_linked_to_a_draft(client, login, unit, tmp_path):
    """The 关联专利 dialog refuses it too (not only 提交审核 later)."""
    registry(tmp_path, row(71, ["他人科技有限公司"]), row(72, [unit.name]))
    held_by_other = UnitPatent.create(unit=unit, patent=patent_of(71), source="manual", acquisition="original")
    own = UnitPatent.create(unit=unit, patent=patent_of(72), source="manual", acquisition="original")
    draft = Product.create(unit=unit, name="储能变流器")
    login(unit.user)
    resp = client.post(f"/portal/products/{draft.id}/patents/link",
                       data={"patent_ids": [str(held_by_other.patent_id), str(own.patent_id)]})
    linked = {link.patent_id for link in ProductPatent.select().where(ProductPatent.product == draft)}
    assert linked == {own.patent_id}
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "以下专利不能作为本单位持有或被许可的专利关联" in html and number(71) in html
