"""公众异议 from the public (manual §九): the form (every error at once, nothing typed or
uploaded lost, only 公示中 / 已认定 products), the receipt with its 受理编号 and 处理期限 across a
holiday, SMS and e-mail to the objector, duplicates linked, the per-phone daily cap, 异议查询
with the phone or the e-mail used, and 我有异议 on the product page."""

import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from test_public_products import filed_product, recognition

import jobs
import workflows
from domain.objections import intake
from infra.extensions import limiter
from models import AuditLog, Objection, ObjectionFile, Outbox, StoredFile
from workflows import ObjectionStatus

BEIJING = ZoneInfo("Asia/Shanghai")
CONTENT = "该产品实际并未实施所关联的专利，公示的产品信息与市场销售产品不符。"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
# 2027: 国庆 1–7 October, make-up working days Sunday 26 September and Saturday 9 October (as a
# State Council arrangement reads; the calendar library does not know 2027).
HOLIDAYS_2027 = {**{date(2027, 10, d): False for d in range(1, 8)},
                 date(2027, 9, 26): True, date(2027, 10, 9): True}


@pytest.fixture
def before_national_day(clock, enter_holidays):
    """The clock on Tuesday 28 September 2027, the year's arrangement entered."""
    enter_holidays(2027, HOLIDAYS_2027)
    clock(datetime(2027, 9, 28, 10, 0, tzinfo=BEIJING))


@pytest.fixture
def in_notice(make, before_national_day):
    product = filed_product(make)
    recognition(product, make, to="notice")
    return product


@pytest.fixture(autouse=True)
def fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


def form(product=None, **overrides):
    data = {"name": "王小明", "organisation": "某某研究所", "phone": "13912345678", "email": "Wang@Example.cn",
            "product": product.token if product else "", "content": CONTENT}
    data.update(overrides)
    return data


def post(client, data, files=()):
    payload = dict(data)
    if files:
        payload["files"] = [(io.BytesIO(body), name) for name, body in files]
    return client.post("/objections/new", data=payload, content_type="multipart/form-data")


def error_at(html, field):
    found = re.search(rf'id="e-{field}">([^<]+)<', html)
    return found.group(1) if found else None


# ---------------------------------------------------------------- the form


def test_every_error_shows_at_once_at_its_field_and_what_was_typed_stays(client, in_notice):
    resp = post(client, form(None, name="", phone="1391234", email="wang@", content="太短了"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and Objection.select().count() == 0
    assert error_at(html, "name") == "请输入姓名"
    assert error_at(html, "phone") == "手机号格式不正确"
    assert error_at(html, "email") == "邮箱格式不正确"
    assert error_at(html, "product") == "请选择异议对象（公示中或已认定的产品）"
    assert error_at(html, "content") == "异议内容不能少于20个字（当前3个字）"
    assert "请修改以下5处错误后重新提交" in html
    assert 'value="1391234"' in html and 'value="wang@"' in html and ">太短了</textarea>" in html
    assert 'value="某某研究所"' in html
    # the limits are stated on the form, with the counter
    assert "20至2000个字" in html and "data-objection-counter" in html and "js/objection_form" in html

    too_long = post(client, form(in_notice, content="异" * 2001)).get_data(as_text=True)
    assert error_at(too_long, "content") == "异议内容不能超过2000个字（当前2001个字）"
    assert f'value="{in_notice.token}"' in too_long and "checked" in too_long  # the product stays chosen


def test_only_products_in_notice_or_recognised_can_be_chosen(client, make, before_national_day):
    noticed, recognised, filed, revoked = (filed_product(make) for _ in range(4))
    recognition(noticed, make, to="notice")
    recognition(recognised, make, to="recognised")
    recognition(revoked, make, to="revoked_after_recognition")

    listed = {c["token"] for c in intake.objectable_products("")}
    assert listed == {noticed.token, recognised.token}
    html = client.get("/objections/new?q=").get_data(as_text=True)
    assert noticed.token in html and recognised.token in html
    assert filed.token not in html and revoked.token not in html

    for product in (filed, revoked):
        _values, errors = intake.validate(form(product))
        assert str(errors["product"]) == "只能对公示中或已认定的产品提出异议，请重新选择"
        resp = post(client, form(product))
        assert error_at(resp.get_data(as_text=True), "product") == "只能对公示中或已认定的产品提出异议，请重新选择"
        page = client.get(f"/objections/new?product={product.token}").get_data(as_text=True)
        assert f'value="{product.token}"' not in page and "只能对公示中或已认定的产品提出异议" in page
    assert Objection.select().count() == 0

    chosen = client.get(f"/objections/new?product={recognised.token}").get_data(as_text=True)
    assert re.search(rf'name="product" id="p-{recognised.token}" value="{recognised.token}"\s+checked', chosen)


# ---------------------------------------------------------------- submit, receipt, notifications


def test_a_good_objection_is_received_with_a_deadline_across_national_day(client, in_notice):
    resp = post(client, form(in_notice))
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/objections/received")
    [objection] = Objection.select()
    assert objection.status == ObjectionStatus.ACCEPTED and objection.repeats == 0
    assert objection.email == "wang@example.cn" and objection.phone == "13912345678"
    # 15 working days from Tuesday 28 September, counting it: 国庆 skipped, Saturday 9 October worked
    assert objection.deadline == date(2027, 10, 22)
    assert re.fullmatch(r"YY27(-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}){3}", objection.tracking_number)

    audit = AuditLog.get(AuditLog.object_type == "objection", AuditLog.object_id == objection.id)
    assert audit.event == "received" and audit.actor is None and audit.actor_name == "公众"
    assert "王小明" not in (audit.actor_name + audit.reason)

    rows = {(r.channel, r.recipient): r.body for r in Outbox.select().where(Outbox.template == "objection_received")}
    assert set(rows) == {("sms", "13912345678"), ("email", "wang@example.cn")}  # nothing to the unit
    for body in rows.values():
        assert objection.tracking_number in body and in_notice.name in body and "2027-10-22" in body

    receipt = client.get("/objections/received").get_data(as_text=True)
    assert f'data-tracking-number="{objection.tracking_number}"' in receipt
    assert "2027-09-28" in receipt and "2027-10-22" in receipt and in_notice.name in receipt
    assert "15个工作日" in receipt and "异议查询" in receipt and "data-objection-duplicate" not in receipt
    # the receipt is this browser's: another visitor is sent to the empty form
    other = client.application.test_client().get("/objections/received")
    assert other.status_code == 302 and other.headers["Location"].endswith("/objections/new")
    assert client.get("/objections/received").headers["Cache-Control"] == "no-store"


def test_without_the_holiday_arrangement_the_deadline_waits_and_is_filled_later(make, clock, enter_holidays):
    enter_holidays(2027, HOLIDAYS_2027)
    clock(datetime(2027, 9, 28, 10, 0, tzinfo=BEIJING))
    product = filed_product(make)
    rec = recognition(product, make, to="notice")
    clock(datetime(2027, 12, 20, 10, 0, tzinfo=BEIJING))  # 15 working days reach 2028, not entered
    objection, duplicate = intake.submit(rec, form(product, phone="13912345679", email="a@example.cn"), CONTENT)
    assert not duplicate and objection.deadline is None
    sms = Outbox.get(Outbox.channel == "sms", Outbox.template == "objection_received")
    assert "处理期限待节假日安排公布后确定" in sms.body
    assert intake.fill_missing_deadlines() == 0

    enter_holidays(2028, {date(2028, 1, 1): False})
    assert intake.fill_missing_deadlines() == 1
    assert Objection.get_by_id(objection.id).deadline == date(2028, 1, 7)


def test_the_same_objection_sent_again_is_linked_not_filed_twice(client, in_notice):
    spaced = CONTENT.replace("，", "， ")
    first = post(client, form(in_notice, content=spaced))
    assert first.status_code == 303
    number = Objection.get().tracking_number
    before = StoredFile.select().count()
    # the same person, product and text: blanks typed differently, e-mail and name changed
    again = post(client, form(in_notice, content="  " + spaced.replace(" ", "\n \t") + "\n", name="王先生",
                              email="other@example.cn"), files=[("证据.pdf", PDF)])
    assert again.status_code == 303
    assert Objection.select().count() == 1
    objection = Objection.get()
    assert objection.repeats == 1 and objection.tracking_number == number
    assert ObjectionFile.select().count() == 0 and StoredFile.select().count() == before  # the repeat's file went
    receipt = client.get("/objections/received").get_data(as_text=True)
    assert f'data-tracking-number="{number}"' in receipt and "data-objection-duplicate" in receipt
    assert f"受理编号{number}" in receipt
    assert Outbox.select().where(Outbox.template == "objection_received").count() == 2  # the first one's only


def test_a_phone_may_object_a_limited_number_of_times_a_day(app, client, in_notice, monkeypatch, clock):
    monkeypatch.setitem(app.config, "OBJECTION_PHONE_DAILY", 2)
    for n in range(2):
        assert post(client, form(in_notice, content=f"{CONTENT}第{n}条")).status_code == 303
    resp = post(client, form(in_notice, content=f"{CONTENT}第三条"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and error_at(html, "phone") == "该手机号今日提交的异议已达2件，请明日再提交"
    assert Objection.select().count() == 2
    # another phone is not held back; the next Beijing day the phone may object again
    assert post(client, form(in_notice, phone="13912345670", content=f"{CONTENT}第三条")).status_code == 303
    clock(datetime(2027, 9, 29, 0, 5, tzinfo=BEIJING))
    assert post(client, form(in_notice, content=f"{CONTENT}第三条")).status_code == 303


def test_the_form_posts_are_rate_limited_per_address_with_a_chinese_page(app, client, in_notice, monkeypatch):
    monkeypatch.setitem(app.config, "OBJECTION_RATE_LIMIT", "2 per hour")
    limiter.reset()
    for _ in range(3):  # searching for the product without script posts the form: not a submission
        assert post(client, {**form(in_notice), "action": "search", "q": "产品"}).status_code == 200
    for _ in range(2):
        post(client, form(in_notice, name=""))
    resp = post(client, form(in_notice))
    assert resp.status_code == 429 and "操作过于频繁" in resp.get_data(as_text=True)
    assert Objection.select().count() == 0
    assert client.get("/objections/new").status_code == 200  # the form itself is not counted


# ---------------------------------------------------------------- attachments


def test_attachments_are_checked_by_content_and_kept_across_a_failed_submit(client, in_notice):
    resp = post(client, form(in_notice, name=""), files=[("证据.pdf", PDF), ("伪装.pdf", b"just some text, not a PDF")])
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert error_at(html, "name") == "请输入姓名"
    assert "文件“伪装.pdf”的格式不受支持，仅支持png, jpg, bmp, PDF格式" in error_at(html, "files")
    [kept] = StoredFile.select().where(StoredFile.owner.is_null())
    assert kept.original_name == "证据.pdf" and kept.owner is None and not kept.public
    assert f'data-kept-file="{kept.id}"' in html
    token = re.search(r'name="files_token" value="([^"]+)"', html).group(1)

    # a forged field names nothing; the signed one brings the file to the objection
    assert intake.kept_attachments(token[:-2] + "xx") == []
    assert post(client, form(in_notice, files_token=token)).status_code == 303
    [link] = ObjectionFile.select()
    assert link.file_id == kept.id and link.kind == "objector" and link.objection_id == Objection.get().id
    assert intake.kept_attachments(token) == []  # once part of an objection, never claimable again


def test_attachments_of_a_form_never_sent_are_forgotten_the_day_after(client, in_notice, clock, make):
    clock(datetime(2026, 6, 17, 10, tzinfo=BEIJING))
    post(client, form(in_notice, name=""), files=[("未提交.pdf", PDF)])
    post(client, form(in_notice), files=[("已提交.pdf", PDF)])
    owned = make.approved_unit().user
    other = StoredFile.create(key="kept-by-owner", original_name="营业执照.pdf", size=1, content_type="application/pdf",
                              kind="pdf", sha256="0" * 64, owner=owned)
    assert jobs.run("objections.purge") == {"deleted": 0}  # a day to come back to the form
    clock(datetime(2026, 6, 18, 12, tzinfo=BEIJING))
    assert jobs.run("objections.purge") == {"deleted": 1}
    names = {f.original_name for f in StoredFile.select()}
    assert "未提交.pdf" not in names and "已提交.pdf" in names and other.original_name in names


def test_at_most_five_attachments(client, in_notice):
    html = post(client, form(in_notice, name=""), files=[(f"{n}.pdf", PDF) for n in range(7)]).get_data(as_text=True)
    assert "附件最多5个，多出的2个文件未上传" in error_at(html, "files")
    assert StoredFile.select().where(StoredFile.owner.is_null()).count() == 5 and html.count("data-kept-file=") == 5


# ---------------------------------------------------------------- tracking numbers and 异议查询


def test_tracking_numbers_are_unique_short_and_read_aloud_without_confusion(app, fixed_clock):
    with app.test_request_context():
        numbers = {intake.new_tracking_number() for _ in range(2000)}
    assert len(numbers) == 2000
    for number in numbers:
        assert len(number) <= 24 and intake.TRACKING_PATTERN.fullmatch(number)
        assert not set(number[5:]) & set("01OIL")
    sample = next(iter(numbers))
    assert intake.normalise_tracking_number(" " + sample.lower().replace("-", " ") + " ") == sample


def look_up(client, number, contact):
    resp = client.post("/objections/track", data={"number": number, "contact": contact})
    return resp, resp.get_data(as_text=True)


def test_look_up_with_the_phone_or_the_email_and_nothing_for_a_wrong_one(client, in_notice):
    post(client, form(in_notice))
    objection = Objection.get()
    number = objection.tracking_number
    for typed_number, contact in ((number, "13912345678"), (number.lower().replace("-", ""), "+86 139 1234 5678"),
                                  (number.replace("-", " "), "WANG@example.CN")):
        resp, html = look_up(client, typed_number, contact)
        assert resp.status_code == 200 and 'data-objection-status="accepted">已受理<' in html, contact
        assert in_notice.name in html and "2027-09-28" in html and "2027-10-22" in html
        assert "13912345678" not in html.split("data-objection-result", 1)[1]

    generic = "未查询到异议，请核对受理编号和手机号或邮箱后重试。"
    for typed_number, contact in ((number, "13912345670"), (number, "other@example.cn"),
                                  (number[:-1] + ("2" if number[-1] != "2" else "3"), "13912345678")):
        resp, html = look_up(client, typed_number, contact)
        assert generic in html and "data-objection-result" not in html and in_notice.name not in html
    assert intake.lookup(number, "13912345670") is None and intake.lookup(number, "") is None


def test_the_look_up_shows_the_decision_and_its_reasons(client, make, in_notice):
    post(client, form(in_notice))
    objection = Objection.get()
    workflows.apply(objection, "dismiss", make.staff("handler"), reason="经核查，产品已实施所关联专利。")
    _resp, html = look_up(client, objection.tracking_number, "13912345678")
    assert 'data-objection-status="dismissed">异议不成立<' in html
    assert "经核查，产品已实施所关联专利。" in html and 'data-decided-on>2027-09-28<' in html
    texts = [r.body for r in Outbox.select().where(Outbox.template == "objection_dismissed", Outbox.channel != "inbox")]
    assert len(texts) == 2 and all("经核查，产品已实施所关联专利。" in t for t in texts)  # SMS and e-mail


def test_guessing_one_tracking_number_is_throttled_from_any_address(app, client, in_notice, monkeypatch):
    post(client, form(in_notice))
    number = Objection.get().tracking_number
    monkeypatch.setitem(app.config, "OBJECTION_LOOKUP_NUMBER_RATE_LIMIT", "3 per hour")
    limiter.reset()
    for n in range(3):
        assert look_up(client, number, f"1391234560{n}")[0].status_code == 200
    addresses = iter(f"10.0.0.{n}" for n in range(1, 10))
    resp = client.post("/objections/track", data={"number": number.lower(), "contact": "13912345678"},
                       environ_base={"REMOTE_ADDR": next(addresses)})
    assert resp.status_code == 429 and "操作过于频繁" in resp.get_data(as_text=True)
    # another number is not held back
    assert look_up(client, "YY27-2222-3333-4444", "13912345678")[0].status_code == 200


# ---------------------------------------------------------------- entries


def test_product_page_offers_the_form_only_in_notice_or_recognised(client, make, before_national_day):
    noticed, recognised, filed = (filed_product(make) for _ in range(3))
    recognition(noticed, make, to="notice")
    recognition(recognised, make, to="recognised")
    for product, offered in ((noticed, True), (recognised, True), (filed, False)):
        for path in (f"/products/{product.token}", f"/m/{product.token}"):
            html = client.get(path).get_data(as_text=True)
            link = f'/objections/new?product={product.token}'
            assert (link in html) is offered and ("我有异议" in html) is offered, (path, offered)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/objections/new" data-home-objection>公众异议<' in home
    assert 'href="/objections/track" data-home-objection-track>异议查询<' in home


def test_the_day_before_a_change_counts_from_beijing_midnight(app, fixed_clock):
    # the per-phone count starts at 00:00 Beijing time, stored as naive UTC (16:00 the day before)
    with app.test_request_context():
        start = intake._day_start_utc()
    assert start == datetime(2026, 6, 16, 16, 0) and start + timedelta(hours=8) == datetime(2026, 6, 17)
