"""认定批次 (manual §七, SPEC §7.2): one round per year, created by a 认定管理 officer with its
name, the filing period it covers, the day its public notice starts and its criteria.

A round is open from its creation until the officer closes it (关闭批次); notices start only in
an open round, and only one round is open at a time — the current round, whose candidates the
back office lists. Closing a round changes nothing of the notices and recognitions it started:
the daily job still ends them.
"""

from datetime import date

from flask_babel import lazy_gettext as _l

from domain.recognition import criteria as criteria_rules
from infra import validators
from infra.validators import FormErrors, ValidationError
from models import RecognitionRound, db, serialized, today_shanghai, utcnow

FIELDS = {
    "name": _l("批次名称"),
    "year": _l("认定年度"),
    "filing_from": _l("备案期开始日期"),
    "filing_to": _l("备案期结束日期"),
    "notice_start": _l("公示开始日期"),
}


def current_round():
    """The open round (the latest year, should two ever be open), or None."""
    return (RecognitionRound.select().where(RecognitionRound.closed_at.is_null())
            .order_by(RecognitionRound.year.desc()).first())


def rounds():
    return RecognitionRound.select().order_by(RecognitionRound.year.desc())


def get_round(round_id):
    round_id = validators.row_id(round_id)
    return None if round_id is None else RecognitionRound.get_or_none(RecognitionRound.id == round_id)


def _date(text, errors, field):
    text = validators.normal(text)
    if not text:
        errors[field] = _l("请填写%(field)s", field=FIELDS[field])
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = _l("日期格式应为 YYYY-MM-DD")
        return None


def parse(form, editing=None):
    """The round form's values, or FormErrors with every problem at once ({field: message})."""
    errors = {}
    name = validators.normal(form.get("name"))
    if not name:
        errors["name"] = _l("请填写批次名称")
    elif len(name) > 100:
        errors["name"] = _l("批次名称不能超过100个字")
    this_year = today_shanghai().year
    try:
        year = validators.year(form.get("year"), 2015, this_year + 1)
    except ValidationError as exc:
        year, errors["year"] = None, exc.message
    filing_from = _date(form.get("filing_from"), errors, "filing_from")
    filing_to = _date(form.get("filing_to"), errors, "filing_to")
    if filing_from and filing_to and filing_from > filing_to:
        errors["filing_to"] = _l("备案期结束日期不能早于开始日期")
    notice_start = _date(form.get("notice_start"), errors, "notice_start")
    if notice_start and filing_from and notice_start < filing_from:
        errors["notice_start"] = _l("公示开始日期不能早于备案期开始日期")
    criteria = criteria_rules.parse(form, errors)
    if year is not None and "year" not in errors:
        other = RecognitionRound.get_or_none(RecognitionRound.year == year)
        if other is not None and (editing is None or other.id != editing.id):
            errors["year"] = _l("%(year)s年度已有认定批次“%(name)s”，每年只设一个认定批次", year=year, name=other.name)
    if errors:
        raise FormErrors(errors)
    return {"name": name, "year": year, "filing_from": filing_from, "filing_to": filing_to,
            "notice_start": notice_start, "criteria": criteria}


def create_round(form, actor):
    """A new open round; FormErrors when the form is wrong or another round is still open."""
    values = parse(form)
    with serialized("recognition_round"):
        open_round = current_round()
        if open_round is not None:
            raise FormErrors({"year": _l("认定批次“%(name)s”尚未关闭。同一时间只能有一个进行中的认定批次，"
                                         "请先关闭该批次再新建。", name=open_round.name)})
        return RecognitionRound.create(created_by=actor, **values)


def update_round(round_, form):
    values = parse(form, editing=round_)
    with db.database.atomic():
        RecognitionRound.update(**values).where(RecognitionRound.id == round_.id).execute()
    return RecognitionRound.get_by_id(round_.id)


def close_round(round_):
    RecognitionRound.update(closed_at=utcnow()).where(
        RecognitionRound.id == round_.id, RecognitionRound.closed_at.is_null()).execute()


def reopen_round(round_):
    """Open a closed round again, unless another one is open."""
    with serialized("recognition_round"):
        open_round = current_round()
        if open_round is not None and open_round.id != round_.id:
            raise FormErrors({"year": _l("认定批次“%(name)s”尚未关闭。同一时间只能有一个进行中的认定批次。",
                                         name=open_round.name)})
        RecognitionRound.update(closed_at=None).where(RecognitionRound.id == round_.id).execute()
