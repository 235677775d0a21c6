"""公众异议 (manual §九, SPEC §8): what the intake (intake.py: the public form, tracking
numbers, look-up), the handling (handling.py: the 异议处理 queue, 请单位说明, the unit's reply)
and the demo share: which recognitions may be objected to, and the 处理期限.

The objection's status changes only in workflows.apply() (domain/transitions.py: start_processing,
uphold → the recognition goes 撤销认定 at once, dismiss)."""

from datetime import timedelta

from flask import current_app

from infra import calendar
from infra.calendar import CalendarUnknown
from models import Objection, Recognition
from workflows import ObjectionStatus, RecognitionStatus

# The states in which an objection is still being handled (it keeps a notice from ending).
OPEN = (ObjectionStatus.ACCEPTED, ObjectionStatus.PROCESSING)
# A recognition the public may object to: in public notice or recognised (manual §九).
OBJECTABLE = (RecognitionStatus.NOTICE, RecognitionStatus.RECOGNISED)


def working_days():
    """Working days from receipt to the 处理期限 (config OBJECTION_WORKING_DAYS, default 15)."""
    return int(current_app.config.get("OBJECTION_WORKING_DAYS", 15))


def reply_working_days():
    """Working days a unit has to answer 请单位说明 (config OBJECTION_REPLY_WORKING_DAYS, default 5)."""
    return int(current_app.config.get("OBJECTION_REPLY_WORKING_DAYS", 5))


def received_day(objection):
    """The Beijing day an objection was received."""
    return (objection.created_at + timedelta(hours=8)).date()


def deadline_for(day, days=None):
    """The day `days` working days (default working_days()) after `day`, from the holiday
    table; None while a year it reaches has no holiday arrangement entered."""
    try:
        with calendar.remembered():  # a year's days in one statement, not one per day counted
            return calendar.add_working_days(day, working_days() if days is None else days)
    except CalendarUnknown:
        return None


def objectable_recognition(product):
    """The product's recognition the public may object to now (公示中 or 已认定), or None."""
    return (Recognition.select().where(Recognition.product == product, Recognition.status.in_(OBJECTABLE))
            .order_by(Recognition.id.desc()).first())


def open_query():
    return Objection.select().where(Objection.status.in_(OPEN))
