"""Reminders of the yearly update (the periodic job "updates.remind") and the counts the
staff 工作台 shows. Each reminder goes out once: an UpdateReminder row per unit, year and
kind is written in the same transaction as its outbox rows, so a second run (or a second
worker at the same moment) finds it and sends nothing."""

from peewee import JOIN, IntegrityError, fn

from domain.updates import due_products, window_state
from infra import notifications
from models import AssetInfo, Product, Unit, UpdateReminder, User, YearlyUpdate, db
from workflows import UpdateStatus

DUE_DAYS = (30, 7, 1)  # reminders before the window closes
OPEN_STATES = (UpdateStatus.DRAFT, UpdateStatus.REJECTED)  # still to be done by the unit


def _not_done_query(year, *fields):
    """The due products of `year` still 未更新 or 不通过 (their `fields`)."""
    update = YearlyUpdate.alias()
    return (due_products(year).select(*fields)
            .join(update, JOIN.LEFT_OUTER, on=((update.product == Product.id) & (update.year == year)))
            .where(update.id.is_null() | update.status.in_(OPEN_STATES)))


def _not_done(year):
    """{unit id: how many of its due products are still 未更新 or 不通过} for `year`."""
    return dict(_not_done_query(year, Product.unit, fn.COUNT(Product.id)).group_by(Product.unit).tuples())


def not_done_products(year=None):
    """The due products of `year` (default: the window open or last open) still 未更新 or
    不通过, with their unit and their update (`.yearly`, or None), by unit."""
    year = year or window_state().year
    update = YearlyUpdate.alias()
    rows = (due_products(year).select(Product, Unit, update).join(Unit).switch(Product)
            .join(update, JOIN.LEFT_OUTER, on=((update.product == Product.id) & (update.year == year)), attr="yearly")
            .where(update.id.is_null() | update.status.in_(OPEN_STATES))
            .order_by(Unit.name, Product.id))
    return list(rows)


def _due_kind(days_left):
    """The reminder due with `days_left` days to go: the nearest of 30 / 7 / 1 days it has
    reached (a day the job did not run is made up for by the next run), or None."""
    reached = [d for d in DUE_DAYS if days_left <= d]
    return f"due{min(reached)}" if reached else None


def _send(unit, year, kind, template, payload):
    """The reminder's row and its outbox rows in one transaction; [] when it was sent before."""
    try:
        with db.database.atomic():
            UpdateReminder.create(unit=unit.id, year=year, kind=kind)
            user = unit.user
            return notifications.queue(template, phone=user.phone, email=user.email, user=user, payload=payload)
    except IntegrityError:
        return []


def remind():
    """Periodic job: while the window is open, tell each unit with products to update that it
    has opened, that its asset info of last year is still missing, and 30 / 7 / 1 days before
    it closes how many products are still 未更新 or 不通过."""
    state = window_state()
    if not state.open:
        return {"queued": 0}
    year, closes = state.year, state.window.closes_on.isoformat()
    due_units = {uid for (uid,) in due_products(year).select(Product.unit).distinct().tuples()}
    units = {u.id: u for u in Unit.select(Unit, User).join(User).where(Unit.id.in_(list(due_units)))} \
        if due_units else {}
    sent = {(r.unit_id, r.kind) for r in UpdateReminder.select().where(UpdateReminder.year == year)}
    with_assets = {uid for (uid,) in AssetInfo.select(AssetInfo.unit).where(
        AssetInfo.fiscal_year == year - 1, AssetInfo.unit.in_(list(due_units))).tuples()} if due_units else set()
    ids = []
    for uid, unit in units.items():
        if (uid, "opens") not in sent:
            ids += _send(unit, year, "opens", "update_window_open", {"year": year, "closes": closes})
        if uid not in with_assets and (uid, "assets") not in sent:
            ids += _send(unit, year, "assets", "update_assets_missing", {"year": year, "fiscal_year": year - 1})
    kind = _due_kind(state.days_left)
    if kind:
        for uid, n in _not_done(year).items():
            if (uid, kind) not in sent and uid in units:
                ids += _send(units[uid], year, kind, "update_due",
                             {"year": year, "n": n, "days": state.days_left, "closes": closes})
    notifications.deliver_soon(ids)
    return {"queued": len(ids)}


def counts(year=None):
    """The 工作台's counts for the year whose window is open or was last open: products
    updated (已更新), waiting for review (待审核), and not started (未更新 or 不通过)."""
    year = year or window_state().year
    by_status = dict(YearlyUpdate.select(YearlyUpdate.status, fn.COUNT(YearlyUpdate.id))
                     .where(YearlyUpdate.year == year).group_by(YearlyUpdate.status).tuples())
    return {"year": year, "updated": by_status.get(UpdateStatus.APPROVED, 0),
            "waiting": by_status.get(UpdateStatus.PENDING, 0),
            "not_started": _not_done_query(year, Product.id).count()}  # one count, not one per unit
