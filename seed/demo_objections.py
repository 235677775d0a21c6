"""Demo objections (manual §九), so that the 异议处理 role opens a real queue on the first
`make run`: objections 已受理 (one of them past its 处理期限: the one that keeps a notice
公示中 past its end, made by seed/demo_recognition.py through held_notice()), 处理中 with
请单位说明 answered by the unit, 处理中 waiting for the unit's answer, 异议成立 (its
recognition goes 撤销认定) and 异议不成立 with the reason.

Objections are made one way only, as the public form files them (domain.objections.intake),
请单位说明 and the unit's reply through domain.objections.handling, decisions by demo_handler
through workflows.apply(). Each step runs at the moment it would have happened (models.clock_at),
so received days, 处理期限, decision dates and the audit rows agree; a day is never before the
recognition could be objected to. Works whatever today's date is: a 请单位说明 whose reply
deadline needs a holiday arrangement not entered yet is left out, and said so. Loaded once:
nothing is added when the demo objectors' objections exist.
"""

from contextlib import nullcontext
from datetime import UTC, date, datetime, time, timedelta

import workflows
from domain.objections import OBJECTABLE, handling, intake
from infra import storage
from models import SHANGHAI, Objection, Recognition, Unit, User, clock_at, db, today_shanghai, utcnow
from seed.demo_products import demo_pdf, placeholder_png
from workflows import RecognitionStatus

# The objection that keeps a notice 公示中 past its end (seed/demo_recognition.py).
HELD = ({"name": "王先生", "organisation": "", "phone": "13900139000", "email": "wang.objector@example.cn"},
        "该产品所关联的核心专利已于去年转让给他人，申报单位目前已不是该专利的专利权人，请核查其是否仍满足认定条件。")

PEOPLE = {
    "fresh": ({"name": "李婷", "organisation": "北京知信律师事务所", "phone": "13911020231",
                  "email": "liting@example.cn"},
                 ("公示材料中该产品上年度销售额较高，但据我们掌握的同型号产品市场数据，其年销量远低于此，"
                  "请核实申报单位所提交销售额证明材料的真实性。")),
    "answered": ({"name": "张伟", "organisation": "苏州启衡电子科技有限公司", "phone": "13962151188",
                 "email": "zhangwei@example.cn"},
                ("该产品说明书所述核心技术方案与我公司在先申请的发明专利权利要求1高度相似，"
                 "我们认为其核心专利存在被宣告无效的风险，请要求申报单位作出说明。")),
    "awaiting": ({"name": "赵敏", "organisation": "", "phone": "13951237706", "email": "zhaomin@example.cn"},
                "该产品在宣传资料中标注的专利号与公示信息中的核心专利不一致，疑似以他人专利申报，请予以核实。"),
    "founded": ({"name": "刘建国", "organisation": "浙江恒远检测技术有限公司", "phone": "13957108842",
                "email": "liujianguo@example.cn"},
               ("据了解，该产品申报的上年度销售额中包含了同系列其他型号产品的销售收入，"
                "该型号产品的实际销售额达不到认定条件，现附网店销售页面截图，请核查。")),
    "unfounded": ({"name": "陈晓东", "organisation": "", "phone": "13926049915", "email": "chenxd@example.cn"},
                  "该产品在电商平台上的售价明显低于同类产品，怀疑其申报的毛利率和专利贡献度数据不实，请核查。"),
}
REPLY_REQUEST = {
    "answered": "请贵单位就异议人提出的核心专利与其在先专利相似、存在无效风险的问题作出书面说明，"
               "并提供专利检索报告或稳定性分析材料（如有）。",
    "awaiting": "请贵单位说明产品宣传资料中标注的专利号与备案核心专利不一致的原因，并提供相关证明材料。",
}
REPLY = ("我单位核心专利为发明专利，授权前已经过实质审查；今年我单位委托专业检索机构进行了专利稳定性检索，"
         "未发现影响其新颖性和创造性的在先技术，检索报告见附件。异议人所称在先专利的申请日晚于我单位专利的优先权日。")
UPHOLD_REASON = ("经核查，申报单位提交的销售额证明中包含同系列其他型号产品的收入，该型号产品上年度实际销售额"
                 "未达到认定条件，异议成立，撤销认定。")
DISMISS_REASON = ("经核查，申报单位提交的财务审计报告显示该产品毛利率数据真实，售价差异源于销售渠道不同，"
                  "专利贡献度测算符合规定，异议不成立。")
IP = "127.0.0.1"


def _utc(day, hour=10):
    """The naive-UTC moment of `hour` o'clock, Beijing time, on `day` (never in the future)."""
    moment = datetime.combine(day, time(hour), SHANGHAI).astimezone(UTC).replace(tzinfo=None)
    return min(moment, utcnow())


def _weekday(day):
    """The weekday on or before `day` (staff do not decide at the weekend)."""
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _at(day, hour=10):
    return clock_at(_utc(day, hour)) if day < today_shanghai() else nullcontext()


def submit(recognition, key, day=None, files=()):
    """One objection of PEOPLE[key] (or HELD) as the public form files it, received on `day`."""
    person, content = HELD if key == "held" else PEOPLE[key]
    with _at(day or today_shanghai(), 9):
        objection, _duplicate = intake.submit(recognition, dict(person), content, files=files, ip=IP)
    return objection


def held_notice(recognition):
    """The open objection on a notice that must stay 公示中 past its end: received two days
    into the notice, so its 处理期限 has passed by now."""
    day = recognition.notice_start + timedelta(days=2)
    while day.weekday() >= 5 and day < recognition.notice_end:
        day += timedelta(days=1)
    return submit(recognition, "held", min(day, today_shanghai()))


def _objectable_from(rec):
    """The first Beijing day the public could object to `rec`'s product (its notice start)."""
    return rec.notice_start or today_shanghai()


def _after_recognised(rec):
    """The day after the recognition, for an objection still open or decided on 已认定."""
    if rec.status == RecognitionStatus.RECOGNISED and rec.recognised_at is not None:
        return (rec.recognised_at + timedelta(hours=8)).date() + timedelta(days=1)
    return _objectable_from(rec)


def _days(floor, *offsets):
    """Days `offsets` before today (each a weekday), none before `floor` nor after today,
    in order."""
    today = today_shanghai()
    out = []
    for offset in offsets:
        day = max(_weekday(today - timedelta(days=offset)), floor, out[-1] if out else date.min)
        out.append(min(day, today))
    return out


def _pick(recs, *preferences):
    """The first recognition meeting a preference (tried in order), else the first one."""
    for wanted in preferences:
        for rec in recs:
            if wanted(rec):
                return rec
    return recs[0] if recs else None


def _targets():
    """{plan key: recognition} among the recognitions the public may object to now."""
    recs = list(Recognition.select().where(Recognition.status.in_(OBJECTABLE)).order_by(Recognition.id))
    if len(recs) < 2:  # one to uphold (revoked) and one to keep: the demo needs both
        return None
    today = today_shanghai()

    def own(rec):
        return rec.product.unit.user.username == "demo_unit"

    def recognised(rec):
        return rec.status == RecognitionStatus.RECOGNISED

    def notice_running(rec):
        return rec.status == RecognitionStatus.NOTICE and rec.notice_end and rec.notice_end >= today

    def quiet(rec):  # not already objected to (the held notice)
        return not rec.objections.exists()

    replied = _pick(recs, lambda r: own(r) and recognised(r), lambda r: own(r) and quiet(r), quiet)
    rest = [r for r in recs if r != replied]
    upheld = _pick(rest, lambda r: recognised(r) and not own(r), lambda r: not own(r) and quiet(r), quiet)
    rest = [r for r in rest if r != upheld] or [replied]  # never the one revoked
    accepted = _pick(rest, lambda r: notice_running(r) and quiet(r), quiet)
    waiting = _pick([r for r in rest if r != accepted] or rest, lambda r: notice_running(r) and quiet(r), quiet)
    return {"fresh": accepted, "answered": replied, "awaiting": waiting, "founded": upheld,
            "unfounded": replied}


def _exists():
    phones = [person["phone"] for person, _content in PEOPLE.values()]
    return Objection.select().where(Objection.phone.in_(phones)).exists()


def load():
    """The demo objections; returns lines to print (none when they exist)."""
    if _exists():
        return []
    targets = _targets()
    if targets is None or targets["answered"] is None or targets["founded"] is None:
        return ["异议演示数据：公示中或已认定的产品不足两个，跳过"]
    handler = User.get(User.username == "demo_handler")
    skipped = []
    with workflows.after_commit(), db.database.atomic():
        _dismissed(targets["unfounded"], handler)
        _upheld(targets["founded"], handler)
        _replied(targets["answered"], handler, skipped)
        _waiting(targets["awaiting"], handler, skipped)
        submit(targets["fresh"], "fresh")
    lines = [("异议演示数据：已受理、处理中（单位已说明 / 待单位说明）、异议成立、异议不成立，"
              "见管理后台“异议处理”（demo_handler）。")]
    if skipped:
        lines.append("  部分异议演示数据未生成：" + "；".join(dict.fromkeys(skipped)))
    return lines


def _dismissed(rec, handler):
    received, started, decided = _days(_after_recognised(rec), 20, 18, 13)
    objection = submit(rec, "unfounded", received)
    with _at(started, 11):
        objection = workflows.apply(objection, "start_processing", handler)
    with _at(decided, 15):
        workflows.apply(objection, "dismiss", handler, reason=DISMISS_REASON)


def _upheld(rec, handler):
    received, started, decided = _days(_after_recognised(rec), 16, 15, 6)
    with _at(received, 9):
        shot = storage.save_bytes(placeholder_png("ONLINE SHOP PAGE (DEMO)"), "网店销售页面截图.png", "png")
    objection = submit(rec, "founded", received, files=[shot])
    with _at(started, 11):
        objection = workflows.apply(objection, "start_processing", handler)
    with _at(decided, 16):
        workflows.apply(objection, "uphold", handler, reason=UPHOLD_REASON)


def _replied(rec, handler, skipped):
    received, asked, answered = _days(_after_recognised(rec), 12, 10, 7)
    objection = submit(rec, "answered", received)
    with _at(asked, 14):
        try:
            objection = handling.request_reply(objection, handler, REPLY_REQUEST["answered"])
        except workflows.WorkflowError as exc:
            skipped.append(str(exc.message)[:40])
            return
    unit_user = Unit.get_by_id(rec.product.unit_id).user
    with _at(answered, 16):
        report = storage.save_bytes(demo_pdf("Patent stability search report (demo)"), "专利稳定性检索报告.pdf", "pdf",
                                    owner=unit_user)
        handling.unit_reply(objection, unit_user, REPLY, files=[report])


def _waiting(rec, handler, skipped):
    received, asked = _days(_objectable_from(rec), 2, 1)
    objection = submit(rec, "awaiting", received)
    with _at(asked, 10):
        try:
            handling.request_reply(objection, handler, REPLY_REQUEST["awaiting"])
        except workflows.WorkflowError as exc:
            skipped.append(str(exc.message)[:40])
            workflows.apply(objection, "start_processing", handler)  # 处理中 all the same
