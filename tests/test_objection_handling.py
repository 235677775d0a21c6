"""异议处理 (manual §九): the handler's queue (tabs, oldest first, filters, 处理期限 across
holidays, overdue marked), claims by handlers only, 请单位说明 and the unit's reply in the
portal (its own objections only, never the objector's contact details), contact details masked
until 查看联系方式 (each view audited), and the decisions: 异议成立 revokes the recognition at
once whether 公示中 or 已认定, 异议不成立 keeps it and lets the daily run recognise a notice that
ended meanwhile."""

import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import first_year_not_entered, outbox_texts
from test_pdf_scripts_never_run import one_page_pdf
from test_public_products import filed_product, recognition, shown_status, text_of

import jobs
import workflows
from domain.objections import deadline_for, handling, received_day
from models import (
    AuditLog,
    Objection,
    ObjectionFile,
    Outbox,
    Recognition,
    RecognitionRound,
    ReviewClaim,
    Unit,
    today_shanghai,
)
from workflows import ObjectionStatus, RecognitionStatus

BEIJING = ZoneInfo("Asia/Shanghai")
PHONE, EMAIL = "13812345678", "zhangsan@example.com"
_numbers = iter(range(1, 10**6))


def at(day, hour=10):
    return datetime(day.year, day.month, day.day, hour, tzinfo=BEIJING)


def objection(rec, content="该产品并未实施所关联的专利，请核查。", **kw):
    """An objection received now (as the public form files it)."""
    row = Objection.create(recognition=rec, name=kw.pop("name", "张三"), phone=kw.pop("phone", PHONE),
                           email=kw.pop("email", EMAIL), organisation=kw.pop("organisation", "某研究所"),
                           content=content, tracking_number=f"T{next(_numbers):07d}", **kw)
    Objection.update(deadline=deadline_for(received_day(row))).where(Objection.id == row.id).execute()
    return Objection.get_by_id(row.id)


def in_notice(make, **product):
    return recognition(filed_product(make, **product), make, to="notice")


def queue_ids(client, **args):
    html = client.get("/admin/review_objections/", query_string=args).get_data(as_text=True)
    return [int(i) for i in re.findall(r'<tr data-objection="(\d+)"', html)], html


def page(client, obj):
    resp = client.get(f"/admin/review_objections/{obj.id}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


# ---------------------------------------------------------------- the queue


def test_the_queue_has_a_tab_per_state_with_counts_oldest_first(make, login, client, clock):
    clock(at(date(2026, 6, 15)))
    rec = in_notice(make)
    older = objection(rec)
    clock(at(date(2026, 6, 16)))
    newer = objection(rec, content="第二个异议：专利已失效。")
    clock(at(date(2026, 6, 17)))
    newest = objection(rec, content="第三个异议")
    handler = make.staff("handler")
    workflows.apply(newest, "start_processing", handler)
    done = objection(rec, content="已处理的异议")
    workflows.apply(done, "dismiss", handler, reason="经核查异议不成立")

    login(handler)
    ids, html = queue_ids(client)
    assert ids == [older.id, newer.id]  # 已受理, oldest first
    counts = dict(re.findall(r'data-state-count="(\w+)">(\d+)<', html))
    assert counts == {"accepted": "2", "processing": "1", "upheld": "0", "dismissed": "1"}
    for label in ("已受理", "处理中", "异议成立", "异议不成立", "受理编号", "处理期限", "单位说明"):
        assert label in html
    assert queue_ids(client, status=ObjectionStatus.PROCESSING)[0] == [newest.id]
    assert queue_ids(client, status=ObjectionStatus.DISMISSED)[0] == [done.id]
    assert client.get("/admin/review_objections/?status=nonsense").status_code == 404


def first_monday_of_march(year):
    day = date(year, 3, 1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def test_the_deadline_skips_holidays_and_overdue_is_marked_the_day_after(make, login, client, clock,
                                                                        fixed_clock, enter_holidays):
    rec = in_notice(make)
    year = first_year_not_entered()
    monday = first_monday_of_march(year)
    holidays = {monday + timedelta(days=n): False for n in range(1, 8)}  # Tuesday to the next Monday off
    enter_holidays(year, holidays)
    clock(at(monday))
    row = objection(rec)
    # 15 working days counting the Monday of receipt: weekdays, the holidays left out.
    expected, counted, day = None, 0, monday
    while expected is None:
        if day.weekday() < 5 and day not in holidays:
            counted += 1
            if counted == 15:
                expected = day
        day += timedelta(days=1)
    assert row.deadline == expected == handling.deadline_of(row)
    assert expected > monday + timedelta(days=18)  # three weeks of weekdays would end sooner

    login(make.staff("handler"))
    clock(at(expected, hour=23))
    assert not handling.is_overdue(row)
    _, html = queue_ids(client)
    assert "已超期" not in html.split('data-list="objection-queue"')[1]
    clock(at(expected + timedelta(days=1), hour=8))
    assert handling.is_overdue(row)
    ids, html = queue_ids(client)
    table = html.split('data-list="objection-queue"')[1]
    assert ids == [row.id] and "data-overdue" in table and "已超期" in table and expected.isoformat() in table
    assert queue_ids(client, overdue=1)[0] == [row.id]
    workflows.apply(Objection.get_by_id(row.id), "dismiss", make.staff("handler"), reason="不成立")
    assert not handling.is_overdue(Objection.get_by_id(row.id))


def test_the_queue_filters_by_product_unit_region_and_dates(make, login, client, clock):
    clock(at(date(2026, 6, 10)))
    valve = in_notice(make, name="智能阀门")
    battery = in_notice(make, name="锂电池组")
    Unit.update(region_code="110105", name="北京电池有限公司").where(Unit.id == battery.product.unit_id).execute()
    early = objection(valve)
    clock(at(date(2026, 6, 16)))
    late = objection(battery)
    login(make.staff("handler"))
    assert queue_ids(client, product="阀门")[0] == [early.id]
    assert queue_ids(client, unit="北京电池")[0] == [late.id]
    assert queue_ids(client, region="11")[0] == [late.id]
    assert queue_ids(client, region="44")[0] == [early.id]
    assert queue_ids(client, since="2026-06-11")[0] == [late.id]
    assert queue_ids(client, until="2026-06-10")[0] == [early.id]
    assert queue_ids(client, since="2026-06-16", until="2026-06-16")[0] == [late.id]
    assert queue_ids(client, since="bad date")[0] == [early.id, late.id]


# ---------------------------------------------------------------- claims


@pytest.mark.usefixtures("fixed_clock")
def test_handlers_claim_release_and_assign_and_a_reviewer_cannot(make, login, client):
    row = objection(in_notice(make))
    first, second, admin, reviewer = (make.staff("handler"), make.staff("handler"), make.staff("admin"),
                                      make.staff("reviewer"))
    assert {u.id for u in handling.handlers()} >= {first.id, second.id}
    assert reviewer.id not in {u.id for u in handling.handlers()}

    login(first)
    client.post(f"/admin/review_objections/{row.id}/claim", data={"op": "claim"})
    claimed = ReviewClaim.get(ReviewClaim.object_type == "objection", ReviewClaim.object_id == row.id)
    assert claimed.reviewer_id == first.id
    assert "data-claimed-by" in page(client, row)
    with pytest.raises(workflows.AlreadyDecided):
        handling.claim(row, second)
    with pytest.raises(workflows.PermissionDenied):
        handling.claim(row, reviewer)
    with pytest.raises(workflows.GuardFailed):
        handling.assign(row, reviewer, admin)  # only to a handler
    client.post(f"/admin/review_objections/{row.id}/claim", data={"op": "release"})
    assert not ReviewClaim.select().where(ReviewClaim.object_id == row.id,
                                          ReviewClaim.object_type == "objection").exists()

    client.get("/logout")
    login(admin)
    client.post(f"/admin/review_objections/{row.id}/claim", data={"op": "assign", "reviewer": second.id})
    assert ReviewClaim.get(ReviewClaim.object_type == "objection").reviewer_id == second.id

    client.get("/logout")
    login(reviewer)
    assert client.get("/admin/review_objections/").status_code == 403
    assert client.post(f"/admin/review_objections/{row.id}/claim", data={"op": "claim"}).status_code == 403


# ---------------------------------------------------------------- 请单位说明 and the reply


def ask(client, row, message="请说明该产品实施关联专利的情况，并提供证明材料。"):
    return client.post(f"/admin/review_objections/{row.id}/request-reply", data={"message": message})


@pytest.mark.usefixtures("fixed_clock")
def test_asking_the_unit_moves_it_to_processing_and_tells_the_unit(make, login, client):
    rec = in_notice(make, name="智能阀门")
    row = objection(rec)
    handler = make.staff("handler")
    login(handler)
    empty = client.post(f"/admin/review_objections/{row.id}/request-reply", data={"message": "  "})
    assert "请填写需要单位说明的内容" in empty.get_data(as_text=True)
    assert Objection.get_by_id(row.id).status == ObjectionStatus.ACCEPTED

    assert ask(client, row).status_code == 302
    row = Objection.get_by_id(row.id)
    assert row.status == ObjectionStatus.PROCESSING and row.handler_id == handler.id
    assert handling.claim_of(row).reviewer_id == handler.id  # who asks holds it: no longer 待认领
    assert row.reply_request.startswith("请说明该产品") and row.reply_due == deadline_for(today_shanghai(), 5)
    audit = AuditLog.get(AuditLog.object_type == "objection", AuditLog.event == "reply_requested")
    assert audit.reason == row.reply_request and audit.actor_id == handler.id
    user = rec.product.unit.user
    [sms] = [o.body for o in Outbox.select().where(Outbox.channel == "sms", Outbox.recipient == user.phone,
                                                   Outbox.template == "objection_reply_requested")]
    assert "智能阀门" in sms and row.tracking_number in sms and row.reply_due.isoformat() in sms
    inbox = Outbox.get(Outbox.channel == "inbox", Outbox.template == "objection_reply_requested")
    assert inbox.recipient == str(user.id) and inbox.payload["link"] == f"/portal/objections/{row.id}"

    html = ask(client, row, "再说明一次").get_data(as_text=True)
    assert "已请单位说明，单位尚未答复" in html
    assert AuditLog.select().where(AuditLog.event == "reply_requested").count() == 1


@pytest.mark.usefixtures("fixed_clock")
def test_the_unit_replies_in_the_portal_and_the_handler_sees_it(make, login, client, app):
    rec = in_notice(make, name="智能阀门")
    row = objection(rec, name="王秘密", organisation="秘密研究所")
    handler = make.staff("handler")
    handling.request_reply(row, handler, "请说明专利实施情况。")
    jobs.run("notifications.deliver_mail")
    unit_user = rec.product.unit.user

    other = make.approved_unit()
    login(other.user)
    assert client.get(f"/portal/objections/{row.id}").status_code == 404
    assert client.post(f"/portal/objections/{row.id}", data={"reply": "我们是另一个单位的说明文字"}).status_code == 404
    assert str(row.tracking_number) not in client.get("/portal/objections").get_data(as_text=True)
    client.get("/logout")

    login(unit_user)
    messages = client.get("/portal/messages").get_data(as_text=True)
    assert f'href="/portal/objections/{row.id}"' in messages and "请对公众异议作出说明" in messages
    listing = client.get("/portal/recognitions?tab=notice").get_data(as_text=True)
    assert "异议 1 件" in listing and 'data-objection-count="1"' in listing
    html = client.get(f"/portal/objections/{row.id}").get_data(as_text=True)
    assert "请说明专利实施情况。" in html and row.content in html and "公众" in html
    for secret in (PHONE, EMAIL, "王秘密", "秘密研究所", "138****5678", "z***@example.com"):
        assert secret not in html, secret

    # Too short: the error at the field, the text and the uploaded file kept.
    resp = client.post(f"/portal/objections/{row.id}", content_type="multipart/form-data",
                       data={"reply": "太短", "files": [(io.BytesIO(one_page_pdf()), "实施证明.pdf")]})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "说明内容不能少于10字" in html and "太短" in html and "已上传：实施证明.pdf" in html
    kept = re.search(r'name="file_id" value="(\d+)"', html).group(1)
    # A file that is not a PDF or image is refused by its content, with the reply kept.
    resp = client.post(f"/portal/objections/{row.id}", content_type="multipart/form-data",
                       data={"reply": "该产品实施了全部关联专利，详见附件。", "file_id": kept,
                             "files": [(io.BytesIO(b"MZ not a pdf"), "x.pdf")]})
    assert resp.status_code == 400 and "仅支持" in resp.get_data(as_text=True)
    assert "该产品实施了全部关联专利" in resp.get_data(as_text=True)

    resp = client.post(f"/portal/objections/{row.id}", data={"reply": "该产品实施了全部关联专利，详见附件。",
                                                             "file_id": kept})
    assert resp.status_code == 302
    row = Objection.get_by_id(row.id)
    assert row.reply == "该产品实施了全部关联专利，详见附件。" and row.replied_at is not None
    [attached] = ObjectionFile.select().where(ObjectionFile.objection == row.id, ObjectionFile.kind == "unit")
    assert attached.file.original_name == "实施证明.pdf"
    replied = AuditLog.get(AuditLog.event == "unit_replied")
    assert replied.actor_id == unit_user.id and replied.actor_name == rec.product.unit.name  # not its login
    told = Outbox.get(Outbox.template == "objection_unit_replied", Outbox.channel == "email")
    assert told.recipient == handler.email
    html = client.get(f"/portal/objections/{row.id}").get_data(as_text=True)
    assert "该产品实施了全部关联专利" in html and 'data-reply-form' not in html
    client.get("/logout")

    login(handler)
    html = page(client, row)
    reply = html.split("data-unit-reply")[1].split("data-product")[0]
    assert "该产品实施了全部关联专利" in reply and "实施证明.pdf" in reply and "请说明专利实施情况。" in reply


@pytest.mark.usefixtures("fixed_clock")
def test_contact_details_are_masked_until_viewed_and_every_view_is_audited(make, login, client):
    row = objection(in_notice(make))
    login(make.staff("handler"))
    html = page(client, row)
    assert "138****5678" in html and "z***@example.com" in html
    assert PHONE not in html and EMAIL not in html and "查看联系方式" in html
    assert not AuditLog.select().where(AuditLog.event == "contacts_viewed").exists()
    for n in (1, 2):
        html = client.post(f"/admin/review_objections/{row.id}/contacts").get_data(as_text=True)
        assert PHONE in html and EMAIL in html
        assert AuditLog.select().where(AuditLog.event == "contacts_viewed", AuditLog.object_id == row.id).count() == n
    assert PHONE not in page(client, row)  # masked again on the next visit
    unit = make.approved_unit()
    with pytest.raises(workflows.PermissionDenied):
        handling.contacts_viewed(row, unit.user)


# ---------------------------------------------------------------- decisions


def decide(client, row, event, reason):
    return client.post(f"/admin/review_objections/{row.id}",
                       data={"event": event, "reason": reason, "seen_status": row.status})


@pytest.mark.usefixtures("fixed_clock")
@pytest.mark.parametrize("to", ["notice", "recognised"])
def test_upholding_revokes_the_recognition_at_once(make, login, client, to):
    rec = recognition(filed_product(make, name="被异议的电机"), make, to=to)
    assert Recognition.get_by_id(rec.id).status == (RecognitionStatus.NOTICE if to == "notice"
                                                    else RecognitionStatus.RECOGNISED)
    row = objection(rec)
    login(make.staff("handler"))
    html = page(client, row)
    assert "异议成立将立即撤销该产品的认定" in html and "经核查，异议所反映的问题属实" in html  # the templates
    assert decide(client, row, "uphold", "经核查，异议所反映的问题属实。").status_code == 302
    row = Objection.get_by_id(row.id)
    assert row.status == ObjectionStatus.UPHELD and row.outcome == "经核查，异议所反映的问题属实。"
    assert Recognition.get_by_id(rec.id).status == RecognitionStatus.REVOKED
    for path in (f"/products/{rec.product.token}", f"/m/{rec.product.token}"):  # the public label of 撤销认定
        assert shown_status(client.get(path).get_data(as_text=True)) == "已撤销认定"
    assert "撤销认定" in text_of(page(client, row))


@pytest.mark.usefixtures("fixed_clock")
def test_a_decision_needs_a_reason_and_start_processing_is_reachable(make, login, client):
    rec = in_notice(make)
    row = objection(rec)
    login(make.staff("handler"))
    assert "开始处理" in page(client, row)
    client.post(f"/admin/review_objections/{row.id}/start", data={"seen_status": row.status})
    assert Objection.get_by_id(row.id).status == ObjectionStatus.PROCESSING
    assert handling.claim_of(row) is not None
    decide(client, Objection.get_by_id(row.id), "dismiss", "")
    assert Objection.get_by_id(row.id).status == ObjectionStatus.PROCESSING
    assert client.post(f"/admin/review_objections/{row.id}", data={"event": "revoke", "reason": "x"}).status_code == 400


def test_dismissal_keeps_the_recognition_and_the_next_daily_run_recognises_an_ended_notice(make, login, client,
                                                                                          clock):
    clock(at(date(2026, 6, 17)))
    product = filed_product(make, name="公示中的阀门")
    rnd = RecognitionRound.create(year=2026, name="2026年度认定", filing_from=date(2026, 1, 1),
                                  filing_to=date(2026, 12, 31))
    rec = workflows.apply(Recognition.create(product=product, round=rnd), "start_notice", make.staff("officer"),
                          start=date(2026, 6, 17))
    assert rec.notice_end == date(2026, 7, 1)
    row = objection(rec)
    clock(at(date(2026, 7, 2), hour=0))
    assert jobs.run("recognition.daily")["held"] == 1
    clock(at(date(2026, 7, 2), hour=10))
    login(make.staff("handler"))
    assert decide(client, row, "dismiss", "经核查，异议所反映的问题不属实，异议不成立。").status_code == 302
    assert Objection.get_by_id(row.id).status == ObjectionStatus.DISMISSED
    assert Recognition.get_by_id(rec.id).status == RecognitionStatus.NOTICE  # kept, not revoked
    clock(at(date(2026, 7, 3), hour=0))
    assert jobs.run("recognition.daily")["recognitions"] == 1
    assert Recognition.get_by_id(rec.id).status == RecognitionStatus.RECOGNISED
    assert "异议不成立" in outbox_texts("email", EMAIL)[-1]  # the objector is told why


@pytest.mark.usefixtures("fixed_clock")
def test_the_handlers_dashboard_uses_the_stored_deadline_and_links_to_the_queue(make, login, client):
    row = objection(in_notice(make))
    Objection.update(deadline=today_shanghai() - timedelta(days=1)).where(Objection.id == row.id).execute()
    login(make.staff("handler"))
    html = client.get("/admin/").get_data(as_text=True)
    assert re.search(r'data-count="objections_overdue"><a href="/admin/review_objections/\?overdue=1">1</a>', html)
    assert (today_shanghai() - timedelta(days=1)).isoformat() in html
    assert f'href="/admin/review_objections/{row.id}"' in html
