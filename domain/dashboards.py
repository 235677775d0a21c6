"""The figures of each role's 工作台 (README: dashboards per role): what a reviewer, an officer, an
objection handler and an administrator look at first in the morning. Each count is one SQL
aggregate; the pages link every count to the list it counts (admin_app/dashboard.py)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from peewee import JOIN, Case, fn
from redis.exceptions import RedisError

import jobs
from domain import objections
from domain.recognition.notices import working_days_left
from domain.recognition.rounds import current_round
from domain.statistics import utc_start_of
from infra import calendar, changes
from infra.calendar import CalendarUnknown
from models import (
    AuditLog,
    Objection,
    Product,
    Recognition,
    ReviewClaim,
    StoredFile,
    Unit,
    UnitChangeRequest,
    User,
    YearlyUpdate,
    today_shanghai,
)
from workflows import ChangeStatus, ObjectionStatus, ProductStatus, RecognitionStatus, UnitStatus, UpdateStatus

OBJECTION_WORKING_DAYS = 15  # an objection is answered within 15 working days of its receipt
EXPIRING_DAYS = 30  # the officer sees recognitions whose validity ends within 30 days


@dataclass(frozen=True)
class Queue:
    key: str
    count: int
    oldest: datetime | None  # naive UTC
    overdue: int  # waiting since `cutoff` or before
    cutoff: date  # the last Beijing day of submission that is past the target

    @property
    def oldest_days(self):
        if self.oldest is None:
            return None
        return (today_shanghai() - (self.oldest + timedelta(hours=8)).date()).days


def target_days():
    return int(current_app.config.get("REVIEW_TARGET_DAYS", 5))


def _queue(key, model, status_field, status, time_field, cutoff):
    before = utc_start_of(cutoff + timedelta(days=1))
    row = (model.select(fn.COUNT(model.id), fn.MIN(time_field),
                        fn.SUM(Case(None, [(time_field < before, 1)], 0)))
           .where(status_field == status).tuples().get())
    return Queue(key, row[0] or 0, row[1], int(row[2] or 0), cutoff)


def review_queues():
    """The reviewer's queues: how many wait, since when, how many longer than the target."""
    cutoff = today_shanghai() - timedelta(days=target_days())
    return [
        _queue("units", Unit, Unit.status, UnitStatus.PENDING, Unit.submitted_at, cutoff),
        _queue("changes", UnitChangeRequest, UnitChangeRequest.status, ChangeStatus.PENDING,
               UnitChangeRequest.submitted_at, cutoff),
        _queue("products", Product, Product.status, ProductStatus.PENDING, Product.submitted_at, cutoff),
        _queue("revocations", Product, Product.status, ProductStatus.REVOCATION_PENDING, Product.updated_at, cutoff),
    ]


def claimed_products(user, limit=50):
    """The products the reviewer has claimed and not yet decided (their 待审核 work)."""
    query = (Product.select(Product.id, Product.name, Product.model, Product.status, Product.submitted_at)
             .join(ReviewClaim, on=((ReviewClaim.object_id == Product.id) & (ReviewClaim.object_type == "product")))
             .where(ReviewClaim.reviewer == user.id,
                    Product.status.in_([ProductStatus.PENDING, ProductStatus.REVOCATION_PENDING]))
             .order_by(Product.submitted_at, Product.id))
    return query.count(), list(query.limit(limit))


def decisions_today(user, limit=100):
    """The status changes the user made today (Beijing day): count and the latest rows."""
    query = AuditLog.select().where(AuditLog.actor == user.id, AuditLog.created_at >= utc_start_of(today_shanghai()),
                                    AuditLog.to_status != "", AuditLog.to_status != AuditLog.from_status)
    return query.count(), list(query.order_by(AuditLog.created_at.desc()).limit(limit))


def candidate_count(round_):
    """len(recognition candidates(round_)) as one SQL count (the candidates page assesses every
    product in Python; the 工作台 needs only how many): filed products of approved units, not
    past 待公示 in the round, filed within its filing period or updated (已更新) for its year.
    The 工作台 keeps it until the next public change (each of those is a reindex: a filing, a
    notice, an approved update) or a change of the round's period."""
    started = Recognition.select(Recognition.product).where(
        Recognition.round == round_, Recognition.status != RecognitionStatus.CANDIDATE)
    updated = YearlyUpdate.select(YearlyUpdate.product).where(
        YearlyUpdate.year == round_.year, YearlyUpdate.status == UpdateStatus.APPROVED)
    in_period = ((Product.filed_at >= utc_start_of(round_.filing_from))
                 & (Product.filed_at < utc_start_of(round_.filing_to + timedelta(days=1))))
    return (Product.select().join(Unit)
            .where(Product.status == ProductStatus.FILED, Unit.status == UnitStatus.APPROVED,
                   Product.id.not_in(started), in_period | Product.id.in_(updated))
            .count())


def officer():
    """The current round and its candidates; 公示中 with the nearest end and its working days
    left; recognitions whose validity ends within EXPIRING_DAYS."""
    today = today_shanghai()
    round_ = current_round()
    notices = Recognition.select().where(Recognition.status == RecognitionStatus.NOTICE)
    next_end = notices.select(fn.MIN(Recognition.notice_end)).where(Recognition.notice_end >= today).scalar()
    days_left = None
    if next_end:
        try:
            days_left = working_days_left(next_end, today)
        except CalendarUnknown:
            days_left = None
    return {
        "round": round_, "candidates": changes.kept(
            f"candidates:{round_.id}:{round_.year}:{round_.filing_from}:{round_.filing_to}",
            lambda: candidate_count(round_)) if round_ else 0, "in_notice": notices.count(),
        "next_end": next_end, "next_end_days": days_left,
        "expiring": Recognition.select().where(
            Recognition.status == RecognitionStatus.RECOGNISED,
            Recognition.valid_until.between(today, today + timedelta(days=EXPIRING_DAYS))).count(),
    }


@dataclass(frozen=True)
class OpenObjection:
    objection: Objection
    received: date
    deadline: date | None  # None: the holiday arrangement of a year it runs into is not entered
    overdue: bool


def open_objections():
    """异议 being handled (受理 / 处理中), oldest first, each with its deadline: the one stored at
    receipt, else OBJECTION_WORKING_DAYS counted from the Beijing day it was received."""
    today = today_shanghai()
    rows = []
    query = (Objection.select(Objection, User).join(User, JOIN.LEFT_OUTER, on=(Objection.handler == User.id))
             .where(Objection.status.in_([ObjectionStatus.ACCEPTED, ObjectionStatus.PROCESSING]))
             .order_by(Objection.created_at, Objection.id))
    with calendar.remembered():
        for objection in query:
            received = (objection.created_at + timedelta(hours=8)).date()
            deadline = objection.deadline or objections.deadline_for(received)
            rows.append(OpenObjection(objection, received, deadline, deadline is not None and deadline < today))
    return rows


def administrator():
    """Background jobs waiting, the holiday calendar's coverage, files stored (accounts and the
    outbox are counted by their own list views, whose filters the links use)."""
    today = today_shanghai()
    try:
        queued = jobs.queue_length()
    except RedisError:  # Redis not answering: the page still opens and says so
        queued = None
    return {
        "jobs_queued": queued,
        "calendar": [(year, calendar.year_entered(year)) for year in (today.year, today.year + 1)],
        "storage_bytes": StoredFile.select(fn.COALESCE(fn.SUM(StoredFile.size), 0)).scalar() or 0,
        "storage_files": StoredFile.select().count(),
    }


def human_size(nbytes):
    size = float(nbytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"
