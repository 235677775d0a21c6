"""产品备案审核 in the back office (SPEC §6.4, §6.5; manual §五(二)(三)): the queue with its
filters and claims, the review page, decisions, bulk 通过 of clean items, revocations,
the diff of a resubmission, and 专利失效监控."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from conftest import outbox_texts

import workflows
from domain.filing import review as product_review
from models import (
    AssetInfo,
    AuditLog,
    Patent,
    Product,
    ProductPatent,
    ReviewClaim,
    Unit,
    last_fiscal_year,
    utcnow,
)


@pytest.fixture
def reviewer(make):
    return make.staff("reviewer")


@pytest.fixture
def filer(make, reviewer):
    """filer(**overrides) → a submitted (待审核) product; unit=... reuses a unit."""

    def _file(unit=None, total_sales=Decimal(5000), **overrides):
        if unit is None:
            unit = make.approved_unit(reviewer)
            AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year(), total_sales=total_sales,
                             ip_investment=Decimal(300))
        return workflows.apply(make.complete_product(unit, **overrides), "submit", unit.user)

    return _file


def _ids(html):
    return [int(i) for i in re.findall(r'<tr data-product="(\d+)"', html)]


def _age(product, days):
    Product.update(submitted_at=utcnow() - timedelta(days=days)).where(Product.id == product.id).execute()


def test_queue_lists_pending_filings_oldest_first_with_the_unit(client, login, reviewer, filer):
    newer, older = filer(name="智能电表"), filer(name="工业机器人控制器")
    _age(older, 3)
    _age(newer, 1)
    login(reviewer)
    html = client.get("/admin/review_products/").get_data(as_text=True)
    assert _ids(html) == [older.id, newer.id]
    row = html.split(f'data-product="{older.id}"', 1)[1].split("</tr>", 1)[0]
    assert "工业机器人控制器" in row and older.unit.name in row and re.search(r"<td[^>]*>广东</td>", row)
    assert 'data-state-count="pending">2<' in html
    assert product_review.state_counts()["pending"] == 2


def test_filters_narrow_the_queue(client, make, login, reviewer, filer):
    guangdong = filer(name="动力电池", industry="3841")
    beijing_unit = make.approved_unit(reviewer)
    Unit.update(region_code="110108", name="北京智造有限公司").where(Unit.id == beijing_unit.id).execute()
    AssetInfo.create(unit=beijing_unit, fiscal_year=last_fiscal_year(), total_sales=Decimal(9000))
    beijing = filer(unit=Unit.get_by_id(beijing_unit.id), name="工业软件", industry="3911")
    _age(guangdong, 10)

    def queue(**args):
        return [p.id for p in product_review.queue_query("pending", args)]

    assert queue() == [guangdong.id, beijing.id]
    assert queue(region="11") == [beijing.id]
    assert queue(region="44") == [guangdong.id]
    assert queue(industry="38") == [guangdong.id]
    assert queue(industry="C") == [guangdong.id, beijing.id]  # 制造业 holds both 大类
    assert queue(unit="北京智造") == [beijing.id]
    assert queue(category="0101") == [guangdong.id, beijing.id]
    assert queue(category="02") == []
    today = utcnow() + timedelta(hours=8)
    assert queue(since=today.strftime("%Y-%m-%d")) == [beijing.id]
    assert queue(until=(today - timedelta(days=5)).strftime("%Y-%m-%d")) == [guangdong.id]
    login(reviewer)
    html = client.get("/admin/review_products/?status=pending&region=11").get_data(as_text=True)
    assert _ids(html) == [beijing.id] and "工业软件" in html and "动力电池" not in html


def test_unit_account_cannot_reach_the_review_pages(client, make, login, filer):
    product = filer()
    login(product.unit.user)
    for url in ("/admin/review_products/", f"/admin/review_products/{product.id}", "/admin/patent_watch/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/admin/review_products/{product.id}", data={"event": "approve"}).status_code == 403
    assert client.post("/admin/review_products/bulk").status_code == 403
    assert Product.get_by_id(product.id).status == "pending"


def test_anonymous_visitor_is_sent_to_the_staff_login(client, filer):
    product = filer()
    resp = client.get(f"/admin/review_products/{product.id}")
    assert resp.status_code == 302 and "/admin/login" in resp.headers["Location"]


def test_review_page_shows_fields_files_patents_assets_and_checks(client, make, login, reviewer, filer):
    product = filer(total_sales=Decimal(1000), last_year_sales=Decimal(1200), trademark="智驱")
    Patent.update(legal_status="valid", patentees=["示例科技有限公司", "某大学"]).execute()
    link = ProductPatent.get(ProductPatent.product == product)
    ProductPatent.update(litigated=True, case_number="4W112233").where(ProductPatent.id == link.id).execute()
    login(reviewer)
    html = client.get(f"/admin/review_products/{product.id}").get_data(as_text=True)
    # every field with the manual's label
    for label in ("商品条码", "产品名称", "规格型号", "产品分类", "产品所属行业", "商标", "产品简介", "备案目的",
                  "出口地", "本产品首次生产年份", "产品上年度销售额", "专利市场贡献指数", "测算方式"):
        assert f">{label}<" in html, label
    assert "BMS-2000" in html and "智驱" in html and "1,200.00 万元" in html and "方法二" in html
    assert "申请专利密集型产品认定" in html  # 备案目的 by name
    # the pre-review check that product sales exceed the unit's total sales, as a warning
    assert "产品上年度销售额大于单位年度所有产品总销售额" in html
    assert re.search(r'data-check="warn">\s*<span>产品上年度销售额大于单位年度所有产品总销售额', html)
    # patents with registry status, patentees and the flags
    patent = link.patent
    assert patent.display_number in html and "某大学" in html and "案件编号：4W112233" in html
    assert ">有效<" in html
    # the unit's asset info of the year before submission (Beijing time: the year the filer entered)
    assert f"单位资产信息（{last_fiscal_year()}年度）" in html and "1,000.00" in html
    # files inline: the main image as <img>; the PDF as pictures of its pages — this one is
    # no drawable PDF, so the page says so and offers the download (never an <object>)
    for pf in product.files:
        assert f"/files/{pf.file.key}" in html
    assert re.search(r'<img src="/files/[^"]+" alt="main_image.png"', html)
    assert "<object" not in html and "无法在页面中预览此PDF，请下载查看。" in html
    # reason templates for the decision, and both buttons
    assert "产品名称应为该产品的行业通俗名称" in html
    assert 'value="approve"' in html and 'value="reject"' in html
    # the reviewer can open the files
    assert client.get(f"/files/{product.files[0].file.key}").status_code == 200


def test_approve_assigns_a_filing_number_and_tells_the_unit(client, login, reviewer, filer):
    product = filer(name="激光切割机")
    login(reviewer)
    resp = client.post(f"/admin/review_products/{product.id}", data={"event": "approve"})
    assert resp.status_code == 302
    filed = Product.get_by_id(product.id)
    assert filed.status == "filed" and re.fullmatch(r"\d{4}44\d{5}", filed.filing_number)
    user = product.unit.user
    assert any("激光切割机" in t and filed.filing_number in t for t in outbox_texts("sms", user.phone))
    assert any("已备案" in t for t in outbox_texts("inbox", user.id))
    assert "已处理：已备案" in client.get("/admin/review_products/").get_data(as_text=True)


def test_reject_needs_a_reason_and_the_reason_reaches_the_unit(client, login, reviewer, filer):
    product = filer()
    login(reviewer)
    resp = client.post(f"/admin/review_products/{product.id}", data={"event": "reject", "reason": " "},
                       follow_redirects=True)
    assert Product.get_by_id(product.id).status == "pending"
    assert "请填写理由" in resp.get_data(as_text=True)
    client.post(f"/admin/review_products/{product.id}", data={
        "event": "reject", "reason": "经济效益证明文件未加盖财务章，请加盖财务章后重新上传。"})
    assert Product.get_by_id(product.id).status == "rejected"
    user = product.unit.user
    assert any("未加盖财务章" in t for t in outbox_texts("sms", user.phone))
    assert any("未加盖财务章" in t for t in outbox_texts("inbox", user.id))
    audit = AuditLog.get(AuditLog.object_type == "product", AuditLog.event == "reject")
    assert audit.actor_id == reviewer.id and "财务章" in audit.reason


def test_second_decision_is_refused_naming_who_decided(client, make, login, reviewer, filer):
    product = filer()
    workflows.apply(product, "reject", make.staff("reviewer"), reason="规格型号不符合填报要求")
    login(reviewer)
    # the reviewer's page still showed 待审核 when the colleague decided
    resp = client.post(f"/admin/review_products/{product.id}", data={"event": "approve", "seen_status": "pending"},
                       follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert re.search(r"该事项已由工作人员\d+于.+处理（不通过）", html), html[-3000:]
    assert Product.get_by_id(product.id).status == "rejected"


def test_bulk_approve_skips_items_with_a_warning_or_failing_check(client, make, login, reviewer, filer):
    clean = [filer(name=f"清洁产品{i}") for i in range(3)]
    warned = filer(name="销售额偏高", total_sales=Decimal(100))  # product sales 1200 > unit 100
    failing = filer(name="专利失效")
    lapsed = ProductPatent.get(ProductPatent.product == failing).patent
    Patent.update(legal_status="invalid").where(Patent.id == lapsed.id).execute()

    login(reviewer)
    counts = client.get("/admin/review_products/bulk").get_json()
    assert counts == {"total": 5, "clean": 3}
    html = client.get("/admin/review_products/").get_data(as_text=True)
    assert "批量通过" in html and "{clean}件将被通过" in html
    resp = client.post("/admin/review_products/bulk", data={}, follow_redirects=True)
    assert "已通过3件，跳过2件" in resp.get_data(as_text=True)
    assert {p.id: Product.get_by_id(p.id).status for p in clean} == {p.id: "filed" for p in clean}
    assert Product.get_by_id(warned.id).status == "pending"
    assert Product.get_by_id(failing.id).status == "pending"
    assert all(Product.get_by_id(p.id).filing_number for p in clean)

    # the domain function reports why each item was skipped
    approved, skipped = product_review.bulk_approve([warned.id, failing.id], reviewer)
    assert approved == 0
    reasons = {s.product_id: str(s.reason) for s in skipped}
    assert "产品上年度销售额大于单位年度所有产品总销售额" in reasons[warned.id]
    assert "已失效" in reasons[failing.id]


def test_bulk_approve_respects_the_filter_and_others_claims(make, reviewer, filer):
    mine, claimed, other_region = filer(), filer(), filer()
    Unit.update(region_code="310101").where(Unit.id == other_region.unit_id).execute()
    colleague = make.staff("reviewer")
    product_review.claim(claimed, colleague)
    ids = [p.id for p in product_review.queue_query("pending", {"region": "44"})]
    assert set(ids) == {mine.id, claimed.id}
    approved, skipped = product_review.bulk_approve(ids, reviewer)
    assert approved == 1 and [s.product_id for s in skipped] == [claimed.id]
    assert colleague.display_name in str(skipped[0].reason)
    assert Product.get_by_id(other_region.id).status == "pending"


def test_resubmission_shows_what_changed_since_the_rejected_version(client, login, reviewer, filer):
    product = filer(model="BMS-2000")
    workflows.apply(product, "reject", reviewer, reason="规格型号应属于同一通用标准属性的产品")
    Product.update(model="BMS-2000 系列", last_year_sales=Decimal(1300)).where(Product.id == product.id).execute()
    ProductPatent.update(public=False).where(ProductPatent.product == product.id).execute()
    product = workflows.apply(Product.get_by_id(product.id), "submit", product.unit.user)

    previous, current = product_review.previous_and_current(product)
    changes = product_review.diff(previous, current)
    fields = {c["name"]: (c["old"], c["new"]) for c in changes["fields"]}
    assert set(fields) == {"model", "last_year_sales"}
    assert fields["model"] == ("BMS-2000", "BMS-2000 系列")
    assert [Decimal(v) for v in fields["last_year_sales"]] == [Decimal(1200), Decimal(1300)]
    assert [(c["change"], c["old"]["public"], c["new"]["public"]) for c in changes["patents"]] == [
        ("changed", True, False)]
    assert changes["files"] == []
    assert product_review.diff(current, current) == {"fields": [], "patents": [], "files": []}

    login(reviewer)
    html = client.get(f"/admin/review_products/{product.id}").get_data(as_text=True)
    assert 'data-changed="model"' in html
    assert re.search(r"<del>BMS-2000</del> → <ins>BMS-2000 系列</ins>", html)
    assert "<del>1,200.00 万元</del> → <ins>1,300.00 万元</ins>" in html
    assert "data-patent-changes" in html and "标记变化" in html
    assert "规格型号应属于同一通用标准属性的产品" in html  # the earlier rejection in the history


def test_first_submission_has_no_diff(client, login, reviewer, filer):
    product = filer()
    login(reviewer)
    html = client.get(f"/admin/review_products/{product.id}").get_data(as_text=True)
    assert "data-changed=" not in html and "data-resubmission" not in html


def test_claim_release_and_assign_are_recorded(client, make, login, reviewer, filer):
    product = filer()
    colleague = make.staff("reviewer")
    login(reviewer)
    client.post(f"/admin/review_products/{product.id}/claim", data={"op": "claim"})
    claim = ReviewClaim.get(ReviewClaim.object_type == "product", ReviewClaim.object_id == product.id)
    assert claim.reviewer_id == reviewer.id
    html = client.get("/admin/review_products/").get_data(as_text=True)
    assert re.search(r"data-claimed-by>" + re.escape(reviewer.display_name) + "<", html)

    client.post(f"/admin/review_products/{product.id}/claim", data={"op": "assign", "reviewer": colleague.id})
    claim = ReviewClaim.get(ReviewClaim.object_type == "product", ReviewClaim.object_id == product.id)
    assert claim.reviewer_id == colleague.id

    # the holder is someone else now: claiming again is refused and names them
    resp = client.post(f"/admin/review_products/{product.id}/claim", data={"op": "claim"}, follow_redirects=True)
    assert f"该事项已由{colleague.display_name}认领" in resp.get_data(as_text=True)
    resp = client.post(f"/admin/review_products/{product.id}/claim", data={"op": "release"}, follow_redirects=True)
    assert "只有认领人可以释放" in resp.get_data(as_text=True)
    assert ReviewClaim.select().where(ReviewClaim.object_id == product.id).count() == 1

    # a decision clears the claim
    client.post(f"/admin/review_products/{product.id}", data={"event": "approve"})
    assert Product.get_by_id(product.id).status == "filed"
    assert not ReviewClaim.select().where(ReviewClaim.object_id == product.id).exists()


def test_unit_cannot_be_assigned_an_item(make, reviewer, filer):
    product = filer()
    with pytest.raises(workflows.GuardFailed):
        product_review.assign(product, product.unit.user, reviewer)
    assert not ReviewClaim.select().exists()


def test_revocation_request_is_reviewed_and_approved(client, login, reviewer, filer):
    product = workflows.apply(filer(name="数控机床"), "approve", reviewer)
    product = workflows.apply(product, "request_revocation", product.unit.user, reason="产品已退出市场")
    login(reviewer)
    html = client.get("/admin/review_products/?status=revocation_pending").get_data(as_text=True)
    assert _ids(html) == [product.id] and 'data-state-count="revocation_pending">1<' in html
    html = client.get(f"/admin/review_products/{product.id}").get_data(as_text=True)
    assert "产品已退出市场" in html
    assert re.search(r'value="approve_revocation"[^>]*>同意撤销</button>', html)
    assert re.search(r'value="reject_revocation"[^>]*>不同意撤销</button>', html)
    client.post(f"/admin/review_products/{product.id}", data={"event": "approve_revocation"})
    revoked = Product.get_by_id(product.id)
    assert revoked.status == "revoked" and revoked.revoked_at is not None
    assert any("数控机床" in t and "撤销备案" in t for t in outbox_texts("sms", product.unit.user.phone))


def test_revocation_refusal_needs_a_reason_and_keeps_the_filing(client, login, reviewer, filer):
    product = workflows.apply(filer(), "approve", reviewer)
    product = workflows.apply(product, "request_revocation", product.unit.user, reason="主动撤销")
    login(reviewer)
    client.post(f"/admin/review_products/{product.id}", data={"event": "reject_revocation", "reason": ""})
    assert Product.get_by_id(product.id).status == "revocation_pending"
    client.post(f"/admin/review_products/{product.id}", data={
        "event": "reject_revocation", "reason": "该产品正处于认定公示程序中"})
    assert Product.get_by_id(product.id).status == "filed"


def test_administrative_revocation_is_for_administrators_only(client, make, login, reviewer, filer):
    product = workflows.apply(filer(), "approve", reviewer)
    login(reviewer)
    html = client.get(f"/admin/review_products/{product.id}").get_data(as_text=True)
    assert 'value="admin_revoke"' not in html
    client.post(f"/admin/review_products/{product.id}", data={"event": "admin_revoke", "reason": "信息不实"})
    assert Product.get_by_id(product.id).status == "filed"

    client.post("/logout")
    login(make.staff("admin"))
    html = client.get(f"/admin/review_products/{product.id}").get_data(as_text=True)
    assert 'value="admin_revoke"' in html and "撤销理由（必填）" in html
    client.post(f"/admin/review_products/{product.id}", data={"event": "admin_revoke", "reason": ""})
    assert Product.get_by_id(product.id).status == "filed"
    client.post(f"/admin/review_products/{product.id}", data={
        "event": "admin_revoke", "reason": "经核查，该产品备案填报的信息不真实。"})
    assert Product.get_by_id(product.id).status == "revoked"


def test_other_products_of_the_unit_are_listed(client, login, reviewer, filer):
    first = workflows.apply(filer(name="第一代控制器"), "approve", reviewer)
    second = filer(unit=first.unit, name="第二代控制器")
    login(reviewer)
    html = client.get(f"/admin/review_products/{second.id}").get_data(as_text=True)
    section = html.split("data-other-products", 1)[1]
    assert "第一代控制器" in section and first.filing_number in section


def test_patent_watch_lists_filed_products_with_lapsed_patents(client, make, login, reviewer, filer):
    lapsed = workflows.apply(filer(name="失效专利产品"), "approve", reviewer)
    healthy = workflows.apply(filer(name="有效专利产品"), "approve", reviewer)
    pending = filer(name="待审核产品")
    for product in (lapsed, pending):
        patent = ProductPatent.get(ProductPatent.product == product).patent
        Patent.update(legal_status="expired").where(Patent.id == patent.id).execute()
    Product.update(revocation_prompt_at=utcnow()).where(Product.id == lapsed.id).execute()
    login(reviewer)
    html = client.get("/admin/patent_watch/").get_data(as_text=True)
    assert _ids(html) == [lapsed.id]
    number = ProductPatent.get(ProductPatent.product == lapsed).patent.display_number
    assert number in html and "届满" in html and "有效专利产品" not in html
    row = html.split(f'data-product="{lapsed.id}"', 1)[1].split("</tr>", 1)[0]
    assert ">是<" in row  # the unit has been prompted to confirm the revocation
    assert healthy.id not in _ids(html)


def test_dashboard_links_pending_counts_to_the_queue(client, login, reviewer, filer):
    filer()
    login(reviewer)
    html = client.get("/admin/").get_data(as_text=True)
    assert re.search(r'data-count="products_pending"><a href="/admin/review_products/\?status=pending">1</a>', html)
    assert 'href="/admin/review_products/?status=revocation_pending"' in html


@pytest.mark.browser
def test_reviewer_bulk_approves_clean_items_and_reviews_a_resubmission(page, live_server, make, filer):
    from conftest import PASSWORD, screenshot
    from playwright.sync_api import expect
    from test_browser_accounts import sign_in

    reviewer = make.staff("reviewer", username="Review02")
    clean = [filer(name=f"智能网关{i}") for i in range(2)]
    high_sales = filer(name="智能水表", total_sales=Decimal(100))  # product sales 1200 > unit 100
    resubmitted = filer(name="工业传感器", model="GS-100", total_sales=Decimal(100))
    workflows.apply(resubmitted, "reject", reviewer, reason="规格型号应属于同一通用标准属性的产品")
    Product.update(model="GS-100 系列").where(Product.id == resubmitted.id).execute()
    resubmitted = workflows.apply(Product.get_by_id(resubmitted.id), "submit", resubmitted.unit.user)

    sign_in(page, live_server, "Review02", PASSWORD, path="/admin/login")
    page.goto(live_server + "/admin/review_products/")
    expect(page.locator("[data-state-count=pending]")).to_have_text("4")
    messages = []

    def answer(dialog):
        messages.append(dialog.message)
        dialog.accept()

    page.wait_for_load_state("load")  # no asset still streaming when the form navigates away
    page.once("dialog", answer)
    page.get_by_role("button", name="批量通过").click()
    expect(page.get_by_text("已通过2件，跳过2件")).to_be_visible(timeout=10000)
    assert "共4件待审核" in messages[0] and "全部通过的2件将被通过" in messages[0]
    assert [Product.get_by_id(p.id).status for p in (*clean, high_sales, resubmitted)] == [
        "filed", "filed", "pending", "pending"]
    screenshot(page, "review-products-queue")

    page.wait_for_load_state("load")
    page.get_by_role("link", name="审核", exact=True).first.click()  # oldest first: 智能水表
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", name="智能水表")).to_be_visible()
    expect(page.get_by_text("产品上年度销售额大于单位年度所有产品总销售额")).to_be_visible()
    page.get_by_role("button", name="不通过", exact=True).click()  # no reason yet: said at the box
    expect(page.locator("#e-reason")).to_be_visible()
    expect(page.get_by_label("理由（不通过时必填）")).to_be_focused()
    expect(page.get_by_role("heading", name="智能水表")).to_be_visible()  # still on the page
    page.get_by_label("常用理由").select_option(label="经济数据不一致")
    expect(page.get_by_label("理由（不通过时必填）")).to_have_value(
        "产品经济数据与单位资产信息或证明材料不一致，请核对后重新填报。")
    expect(page.get_by_role("img", name="main_image.png")).to_be_visible()
    page.get_by_role("button", name="不通过", exact=True).click()
    expect(page.get_by_text("已处理：不通过")).to_be_visible(timeout=10000)
    assert Product.get_by_id(high_sales.id).status == "rejected"

    page.wait_for_load_state("load")
    page.get_by_role("link", name="审核", exact=True).first.click()
    expect(page.locator("[data-changed=model]")).to_contain_text("GS-100 → GS-100 系列")
    expect(page.get_by_text("这是不通过后重新提交的版本")).to_be_visible()
    page.wait_for_load_state("networkidle")
    # Last: a full-page screenshot leaves the embedded PDF viewer holding the next click.
    screenshot(page, "review-product")
