"""信息更新审核 in the back office: the queue, the update page leading with the difference
against the filed version, claims, bulk 通过 of unchanged clean updates only, a reason for
不通过, and the 工作台's counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from update_support import IN_WINDOW, filed_product

import workflows
from domain.filing import drafts
from domain.updates import editing
from domain.updates import review as update_review
from models import AssetInfo, YearlyUpdate
from workflows import UpdateStatus

pytestmark = pytest.mark.usefixtures("db_session")


def _submitted(make, clock, values=None, reviewer=None, when=IN_WINDOW):
    """A filed product's 2027 update, submitted in the window with `values` changed (none:
    确认无变化)."""
    product, reviewer = filed_product(make, clock, reviewer=reviewer)
    clock(when)
    AssetInfo.create(unit=product.unit, fiscal_year=2026, total_sales=Decimal(5000), ip_investment=Decimal(300))
    update = editing.open_update(product)
    if values:
        editing.save_fields(update, values)
        editing.submit(update, product.unit.user)
    else:
        editing.confirm_no_change(update, product.unit.user)
    return YearlyUpdate.get_by_id(update.id), reviewer


def test_the_update_page_leads_with_the_difference_against_the_filed_version(make, clock, login, client):
    update, reviewer = _submitted(make, clock, {"last_year_sales": Decimal(1500), "trademark": "新商标"})
    login(reviewer)
    page = client.get(f"/admin/review_updates/{update.id}").get_data(as_text=True)
    diff, checks, full = page.index("data-diff"), page.index("data-checks"), page.index('data-fields')
    assert diff < checks < full
    section = page[diff:checks]
    assert 'data-changed="last_year_sales"' in section and 'data-changed="trademark"' in section
    assert "1,200.00 万元" in section and "1,500.00 万元" in section and "新商标" in section
    assert 'data-changed="name"' not in section


def test_added_and_removed_patents_and_replaced_files_are_listed(make, clock, login, client):
    update, reviewer = _submitted(make, clock, {"last_year_sales": Decimal(1300)})
    # Back to a draft is not possible once submitted: reject, then change patents and files.
    workflows.apply(update, "reject", reviewer, reason="请补充专利")
    product = update.product
    second = make.complete_product(product.unit).patent_links.get().patent
    draft = drafts.UpdateDraft(update)
    first = product.patent_links.get().patent_id
    draft.link_patents([second.id])
    draft.set_patent_flags({second.id: {"core": True}})
    draft.unlink_patent(first)
    proof = next(f for f in draft.current()["files"] if f["kind"] == "economic_proof")
    draft.remove_file(proof["file_id"])
    draft.add_file("economic_proof", make.stored_png(product.unit.user))
    editing.submit(update, product.unit.user)
    login(reviewer)
    page = client.get(f"/admin/review_updates/{update.id}").get_data(as_text=True)
    assert 'data-patent-change="added"' in page and 'data-patent-change="removed"' in page
    assert page.count("经济效益证明文件：") >= 2 and "<del>" in page and "<ins>" in page


def test_the_queue_lists_oldest_first_and_a_claim_holds_an_update(make, clock, login, client):
    first, reviewer = _submitted(make, clock, {"last_year_sales": Decimal(1500)})
    second, _ = _submitted(make, clock, reviewer=reviewer, when=IN_WINDOW + timedelta(hours=1))
    other = make.staff("reviewer")
    login(reviewer)
    page = client.get("/admin/review_updates/").get_data(as_text=True)
    assert page.index(f'data-update="{first.id}"') < page.index(f'data-update="{second.id}"')
    update_review.claim(second, other)
    with pytest.raises(workflows.WorkflowError):
        update_review.claim(second, reviewer)
    approved, skipped = update_review.bulk_approve([first.id, second.id], reviewer)
    assert approved == 0 and {s.update_id for s in skipped} == {first.id, second.id}


def test_bulk_approval_takes_only_unchanged_updates_with_clean_checks(make, clock, login, client):
    changed, reviewer = _submitted(make, clock, {"last_year_sales": Decimal(1500)})
    unchanged, _ = _submitted(make, clock, reviewer=reviewer)
    login(reviewer)
    assert client.get("/admin/review_updates/bulk").get_json() == {"total": 2, "clean": 1}
    client.post("/admin/review_updates/bulk")
    assert YearlyUpdate.get_by_id(unchanged.id).status == UpdateStatus.APPROVED
    assert YearlyUpdate.get_by_id(changed.id).status == UpdateStatus.PENDING


def test_not_approved_needs_a_reason(make, clock, login, client):
    update, reviewer = _submitted(make, clock)
    login(reviewer)
    client.post(f"/admin/review_updates/{update.id}", data={"event": "reject", "reason": " "})
    assert YearlyUpdate.get_by_id(update.id).status == UpdateStatus.PENDING
    client.post(f"/admin/review_updates/{update.id}", data={"event": "reject", "reason": "证明文件不清晰"})
    assert YearlyUpdate.get_by_id(update.id).status == UpdateStatus.REJECTED


def test_a_unit_account_cannot_open_the_review_pages(make, clock, login, client):
    update, _reviewer = _submitted(make, clock)
    login(update.product.unit.user)
    assert client.get(f"/admin/review_updates/{update.id}").status_code in (302, 403)
    assert client.post(f"/admin/review_updates/{update.id}", data={"event": "approve"}).status_code in (302, 403)
    assert YearlyUpdate.get_by_id(update.id).status == UpdateStatus.PENDING


def test_the_dashboard_counts_updated_pending_and_not_started(make, clock, login, client):
    update, reviewer = _submitted(make, clock)
    _submitted(make, clock, {"last_year_sales": Decimal(1500)}, reviewer=reviewer)
    filed_product(make, clock, reviewer=reviewer)  # not started
    clock(IN_WINDOW)
    workflows.apply(update, "approve", reviewer)
    login(reviewer)
    page = client.get("/admin/").get_data(as_text=True)
    for key, n in (("updated", 1), ("waiting", 1), ("not_started", 1)):
        assert f'data-update-count="{key}"><a href="' in page
        start = page.index(f'data-update-count="{key}"')
        assert f">{n}</a>" in page[start:start + 200]
    assert "动力电池管理系统" in client.get("/admin/review_updates/not-updated").get_data(as_text=True)
