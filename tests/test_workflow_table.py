"""The workflow table: every row works for its role, every other (state, event, role)
combination is refused and changes nothing."""

from datetime import date, timedelta

import pytest

import workflows
from domain import visibility
from domain.transitions import TRANSITIONS
from models import (
    AssetInfo,
    AuditLog,
    Objection,
    Outbox,
    Product,
    Recognition,
    RecognitionRound,
    Unit,
    UnitChangeRequest,
    UnitNameHistory,
    UpdateWindow,
    YearlyUpdate,
    last_fiscal_year,
    today_shanghai,
    unit_of_obj,
)
from workflows import SYSTEM, GuardFailed, PermissionDenied, TransitionNotAllowed

ACTORS = ("owner", "other_unit", "reviewer", "officer", "handler", "admin", "system")


@pytest.fixture
def world(fixed_clock, make):
    """Actors and a builder of an object of each kind in a given status, on a fixed day (update
    windows, notices counted in working days and validity periods are dates)."""
    reviewer = make.staff("reviewer")
    unit = make.approved_unit(reviewer)
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    other = make.approved_unit(reviewer)
    actors = {
        "owner": unit.user,
        "other_unit": other.user,
        "reviewer": reviewer,
        "officer": make.staff("officer"),
        "handler": make.staff("handler"),
        "admin": make.staff("admin"),
        "system": SYSTEM,
    }
    today = today_shanghai()
    UpdateWindow.create(year=today.year, opens_on=today - timedelta(days=1),
                        closes_on=today + timedelta(days=1))
    rnd = RecognitionRound.create(year=today.year, name="年度认定", filing_from=date(today.year, 1, 1),
                                  filing_to=date(today.year, 12, 31))

    def product(status="filed"):
        p = make.complete_product(unit)
        Product.update(status=status).where(Product.id == p.id).execute()
        return Product.get_by_id(p.id)

    def build(kind, status):
        if kind == "unit":
            fresh = make.complete_unit()
            Unit.update(status=status).where(Unit.id == fresh.id).execute()
            return Unit.get_by_id(fresh.id)
        if kind == "change":
            return UnitChangeRequest.create(unit=unit, status=status, old_values={"name": unit.name},
                                            new_values={"name": unit.name + "（新）"})
        if kind == "product":
            p = product(status)
            if status == "filed":
                Product.update(revocation_prompt_at=today).where(Product.id == p.id).execute()
            return Product.get_by_id(p.id)
        if kind == "update":
            return YearlyUpdate.create(product=product(), year=today.year, status=status)
        if kind == "recognition":
            return Recognition.create(
                product=product(), round=rnd, status=status, notice_start=today - timedelta(days=20),
                notice_end=today - timedelta(days=1), valid_until=today - timedelta(days=1))
        if kind == "objection":
            rec = Recognition.create(product=product(), round=rnd, status="notice",
                                     notice_end=today + timedelta(days=5))
            return Objection.create(tracking_number=f"YY{Objection.select().count():08d}", recognition=rec,
                                    status=status, name="公众", phone="13900000000",
                                    email="public@example.cn", content="专利已失效")
        raise AssertionError(kind)

    return actors, build


def actor_for(actors, name, obj):
    if name == "owner":
        return unit_of_obj(obj).user
    return actors[name]


def allowed(transition, actor_name):
    if actor_name == "system":
        return SYSTEM in transition.roles
    if actor_name == "owner":
        return workflows.Role.UNIT in transition.roles
    if actor_name == "other_unit":
        return False
    return actor_name in transition.roles


@pytest.mark.parametrize("t", TRANSITIONS, ids=lambda t: f"{t.kind}-{'|'.join(t.sources)}-{t.event}")
def test_every_row_of_the_table_works_for_its_role(world, t):
    actors, build = world
    actor_name = next(a for a in ACTORS if allowed(t, a))
    for source in t.sources:
        obj = build(t.kind, source)
        actor = actor_for(actors, actor_name, obj)
        assert t in workflows.available_actions(obj, actor)
        result = workflows.apply(obj, t.event, actor, reason="理由：材料不全")
        assert result.status == t.target
        audit = AuditLog.select().where(AuditLog.object_type == t.kind,
                                        AuditLog.object_id == obj.id).order_by(AuditLog.id.desc()).first()
        assert (audit.event, audit.from_status, audit.to_status) == (t.event, source, t.target)
        assert audit.reason == "理由：材料不全"
        assert audit.actor_id == (None if actor == SYSTEM else actor.id)
        if t.notify:
            assert Outbox.select().where(Outbox.template.in_(t.notify)).exists()


def _kinds():
    return sorted({t.kind for t in TRANSITIONS})


def _forbidden_combinations():
    combos = []
    for kind in _kinds():
        statuses = list(workflows.STATUS_LABELS[kind])
        events = sorted({t.event for t in TRANSITIONS if t.kind == kind})
        for status in statuses:
            for event in events:
                t = next((t for t in TRANSITIONS if (t.kind, t.event) == (kind, event) and status in t.sources),
                         None)
                for actor_name in ACTORS:
                    if t is not None and allowed(t, actor_name):
                        continue
                    combos.append((kind, str(status), event, actor_name))
    return combos


FORBIDDEN = _forbidden_combinations()


def test_forbidden_combinations_cover_every_state_event_and_role():
    # sanity: the sweep below is not empty and includes both kinds of refusal
    assert len(FORBIDDEN) > 300
    assert ("product", "filed", "approve", "reviewer") in FORBIDDEN  # no such transition
    assert ("product", "pending", "approve", "owner") in FORBIDDEN  # wrong role


@pytest.mark.parametrize("kind", _kinds())
def test_every_forbidden_state_event_role_is_refused_and_changes_nothing(world, kind):
    actors, build = world
    checked = 0
    for k, status, event, actor_name in FORBIDDEN:
        if k != kind:
            continue
        obj = build(kind, status)
        actor = actor_for(actors, actor_name, obj)
        audits = AuditLog.select().count()
        with pytest.raises((TransitionNotAllowed, PermissionDenied)):
            workflows.apply(obj, event, actor, reason="理由")
        assert type(obj).get_by_id(obj.id).status == status
        assert AuditLog.select().count() == audits
        checked += 1
    assert checked > 0


def test_reason_is_required_where_the_table_says_so(world):
    actors, build = world
    product = build("product", "pending")
    with pytest.raises(GuardFailed) as exc:
        workflows.apply(product, "reject", actors["reviewer"], reason="  ")
    assert str(exc.value.message) == "请填写理由"
    assert Product.get_by_id(product.id).status == "pending"


def test_second_decision_on_the_same_item_is_told_who_decided_first(world):
    actors, build = world
    product = build("product", "pending")
    stale = Product.get_by_id(product.id)
    workflows.apply(product, "approve", actors["reviewer"])
    other_reviewer = actors["admin"]
    from models import Role, UserRoles
    UserRoles.create(user=other_reviewer, role=Role.get(Role.name == "reviewer"))
    with pytest.raises(workflows.AlreadyDecided) as exc:
        # the stale copy still says 待审核: the conditional UPDATE finds nothing to change
        workflows.apply(stale, "reject", other_reviewer, reason="不符合要求")
    message = str(exc.value.message)
    assert actors["reviewer"].display_name in message and "已备案" in message
    assert Product.get_by_id(product.id).status == "filed"


def test_guards_list_every_missing_item_at_once(make):
    unit = make.complete_unit(name="", legal_rep="", license_file=None)
    with pytest.raises(GuardFailed) as exc:
        workflows.apply(unit, "submit", unit.user)
    message = str(exc.value.message)
    assert "单位名称" in message and "法定代表人" in message and "营业执照或组织机构代码证" in message
    assert Unit.get_by_id(unit.id).status == "draft"


def test_product_submit_needs_last_years_asset_info(make):
    unit = make.approved_unit()
    product = make.complete_product(unit)
    with pytest.raises(GuardFailed) as exc:
        workflows.apply(product, "submit", unit.user)
    assert f"{last_fiscal_year()}年度资产信息" in str(exc.value.message)
    assert exc.value.links == ["portal.assets"]  # the message links to the form
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    assert workflows.apply(product, "submit", unit.user).status == "pending"


def test_pending_unit_change_blocks_filing(make):
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    UnitChangeRequest.create(unit=unit, old_values={"contact": "李四"}, new_values={"contact": "王五"})
    product = make.complete_product(unit)
    with pytest.raises(GuardFailed) as exc:
        workflows.apply(product, "submit", unit.user)
    assert "单位信息变更正在审核中" in str(exc.value.message)


def test_approved_name_change_keeps_the_former_name(make):
    reviewer = make.staff("reviewer")
    unit = make.approved_unit(reviewer)
    old_name = unit.name
    change = UnitChangeRequest.create(unit=unit, old_values={"name": old_name},
                                      new_values={"name": "新名称科技有限公司"})
    workflows.apply(change, "approve", reviewer)
    unit = Unit.get_by_id(unit.id)
    assert unit.name == "新名称科技有限公司"
    assert [h.name for h in UnitNameHistory.select()] == [old_name]
    assert unit.all_names() == ["新名称科技有限公司", old_name]
    sms = Outbox.select().where(Outbox.channel == "sms", Outbox.template == "change_approved").get()
    assert sms.body == "您提交的单位实名认证信息已审核通过" and sms.recipient == unit.user.phone


def test_filing_approval_assigns_a_unique_filing_number_and_snapshot(make):
    reviewer = make.staff("reviewer")
    unit = make.approved_unit(reviewer)
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    numbers = []
    for i in range(2):
        p = make.complete_product(unit, name=f"产品{i}")
        p = workflows.apply(p, "submit", unit.user)
        assert p.versions.count() == 1 and p.versions.get().data["fields"]["name"] == f"产品{i}"
        numbers.append(workflows.apply(p, "approve", reviewer).filing_number)
    year = today_shanghai().year
    assert numbers == [f"{year}4400001", f"{year}4400002"]


def test_unit_cannot_act_on_another_units_product(make):
    reviewer = make.staff("reviewer")
    owner = make.approved_unit(reviewer)
    intruder = make.approved_unit(reviewer)
    AssetInfo.create(unit=owner, fiscal_year=last_fiscal_year())
    product = make.complete_product(owner)
    assert workflows.available_actions(product, intruder.user) == []
    with pytest.raises(PermissionDenied):
        workflows.apply(product, "submit", intruder.user)


def test_upheld_objection_revokes_the_recognition_at_once(make):
    handler = make.staff("handler")
    unit = make.approved_unit()
    product = Product.create(unit=unit, name="产品", model="M", status="filed")
    rnd = RecognitionRound.create(year=2026, name="2026年度", filing_from=date(2026, 1, 1),
                                  filing_to=date(2026, 12, 31))
    rec = Recognition.create(product=product, round=rnd, status="recognised")
    objection = Objection.create(tracking_number="YY2026000001", recognition=rec, name="公众",
                                 phone="13900000000", email="public@example.cn", content="虚假")
    workflows.apply(objection, "uphold", handler, reason="经核查产品未使用该专利")
    assert Recognition.get_by_id(rec.id).status == "revoked"
    assert Objection.get_by_id(objection.id).outcome == "经核查产品未使用该专利"
    assert not visibility.listed_products().where(Product.id == product.id).exists()
    emails = Outbox.select().where(Outbox.channel == "email")
    assert {e.recipient for e in emails} == {"public@example.cn", unit.user.email}
