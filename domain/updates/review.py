"""信息更新审核 (SPEC §7.1): the reviewer's queue of yearly updates, claims, the difference
against the product's filed version, and bulk 通过 of updates with no change whose
pre-review checks are clean. Statuses change only in workflows.apply()."""

from collections import namedtuple

from flask_babel import lazy_gettext as _l

import workflows
from domain import search
from domain.filing import review as product_review
from domain.filing import rules as filing_rules
from domain.updates import filed_data, pre_review_checks
from models import Patent, Product, ProductVersion, Unit, User, YearlyUpdate, db, status_counts
from workflows import UpdateStatus

OBJECT_TYPE = "update"  # ReviewClaim.object_type of yearly updates
# The queue's tabs: the states a reviewer looks at, each in the order it is worked through.
QUEUE_STATES = (UpdateStatus.PENDING, UpdateStatus.REJECTED, UpdateStatus.APPROVED)
FILTERS = ("year", "region", "industry", "unit", "since", "until", "unchanged")

Skipped = namedtuple("Skipped", "update_id name reason")


def queue_query(status, args):
    """Updates in `status` with their product and unit, filtered by `args` (year, region,
    industry prefix, part of the unit's name, since / until: Beijing dates of submission),
    oldest submission first."""
    query = (YearlyUpdate.select(YearlyUpdate, Product, Unit).join(Product).join(Unit)
             .where(YearlyUpdate.status == status))
    year = str(args.get("year") or "").strip()
    if year.isdigit():
        query = query.where(YearlyUpdate.year == int(year))
    industry = (args.get("industry") or "").strip().split(" ")[0].upper()
    if industry:
        query = query.where(Product.industry.startswith(industry))
    query = product_review.unit_and_dates(query, args, YearlyUpdate.submitted_at)
    return query.order_by(YearlyUpdate.submitted_at, YearlyUpdate.id)


def state_counts():
    """{status: count} of the queue's tabs."""
    return status_counts(YearlyUpdate, QUEUE_STATES)


# ---------------------------------------------------------------- the difference


def changes(update, base=None):
    """The update's difference against the product's filed version (product_review.diff:
    fields side by side, patents added / removed / changed, files added and removed)."""
    return product_review.diff(filed_data(update) if base is None else base, update.data or {})


def unchanged(update, base=None):
    found = changes(update, base)
    return not (found["fields"] or found["patents"] or found["files"])


# ---------------------------------------------------------------- claims


CLAIMS = product_review.ReviewClaims(OBJECT_TYPE, YearlyUpdate, (UpdateStatus.PENDING,))
claims_of, claim_of = CLAIMS.claims_of, CLAIMS.claim_of
claim, release, assign, release_decided = CLAIMS.claim, CLAIMS.release, CLAIMS.assign, CLAIMS.release_decided


# ---------------------------------------------------------------- bulk 通过


class _Batch:
    """What bulk 通过 reads for many updates at once: their products and units, the filed
    versions they compare with, the patents they name, the units' facts."""

    def __init__(self, ids):
        self.updates = {u.id: u for u in YearlyUpdate.select(YearlyUpdate, Product, Unit, User)
                        .join(Product).join(Unit).join(User).where(YearlyUpdate.id.in_(ids))}
        updates = list(self.updates.values())
        version_ids = [u.base_version_id for u in updates if u.base_version_id]
        self.versions = {v.id: v.data for v in ProductVersion.select(ProductVersion.id, ProductVersion.data)
                         .where(ProductVersion.id.in_(version_ids))} if version_ids else {}
        patent_ids = {e["patent_id"] for u in updates for e in (u.data or {}).get("patents") or []}
        self.patents = {p.id: p for p in Patent.select().where(Patent.id.in_(list(patent_ids)))} if patent_ids else {}
        self.facts = filing_rules.UnitFacts(u.product.unit_id for u in updates)

    def base(self, update):
        return self.versions.get(update.base_version_id) if update.base_version_id else filed_data(update)

    def problem(self, update, actor, held):
        """Why bulk 通过 leaves the update alone, or None."""
        if held is not None and held.reviewer_id != actor.id:
            return _l("已由%(who)s认领", who=held.reviewer.display_name)
        if update.status != UpdateStatus.PENDING:
            return _l("当前状态为%(status)s", status=workflows.status_label(update))
        if not unchanged(update, self.base(update)):
            return _l("信息有变化，须逐项审核")
        checks = pre_review_checks(update, self.facts, self.patents)
        if not product_review.is_clean(checks):
            return product_review._problems(checks)
        return None


def clean_count(update_ids, actor):
    """How many of the updates bulk_approve() would approve now (its confirmation)."""
    ids = list(update_ids)
    batch = _Batch(ids)
    claims = claims_of(ids)
    return sum(1 for u in batch.updates.values() if batch.problem(u, actor, claims.get(u.id)) is None)


BATCH = 200


def bulk_approve(update_ids, actor):
    """通过 every pending update of `update_ids` that changes nothing and whose pre-review
    checks are all clean, each through workflows.apply(). Returns (approved, skipped)."""
    ids = list(dict.fromkeys(int(i) for i in update_ids))
    batch = _Batch(ids)
    claims = claims_of(ids)
    actor.cached_roles = actor.role_names
    approved, skipped = 0, []
    try:
        for start in range(0, len(ids), BATCH):
            with workflows.after_commit(), db.database.atomic(), search.deferred():
                for uid in ids[start:start + BATCH]:
                    update = batch.updates.get(uid)
                    if update is None:
                        skipped.append(Skipped(uid, "", _l("信息更新不存在")))
                        continue
                    problem = batch.problem(update, actor, claims.get(uid))
                    if problem is not None:
                        skipped.append(Skipped(uid, update.product.name, problem))
                        continue
                    try:
                        workflows.apply(update, "approve", actor)
                    except workflows.WorkflowError as exc:
                        skipped.append(Skipped(uid, update.product.name, exc.message))
                        continue
                    approved += 1
    finally:
        del actor.cached_roles
    release_decided(ids)
    return approved, skipped
