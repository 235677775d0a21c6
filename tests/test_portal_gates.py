"""The portal's gates, each with one answer: signed in as a unit (else the login page, or 403
for staff), the unit verified (else the locked page, 403, naming the page and the unit's
status), the object the unit's own (else 404); and the left menu in the manual's order."""

import re

import pytest

from models import UnitPatent

UNVERIFIED_PAGES = (  # (method, path, the page's name on the locked page)
    ("get", "/portal/patents", "专利信息管理"),
    ("post", "/portal/patents/auto-import", "专利信息管理"),
    ("get", "/portal/patents/new", "专利信息管理"),
    ("get", "/portal/assets", "资产信息"),
    ("get", "/portal/verification/change", "变更单位信息"),
    ("post", "/portal/verification/change", "变更单位信息"),
)


@pytest.mark.parametrize(("method", "path", "title"), UNVERIFIED_PAGES)
def test_an_unverified_unit_gets_the_locked_page_everywhere_verification_is_needed(
        client, make, login, method, path, title):
    login(make.unit_user())
    resp = getattr(client, method)(path)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 403
    assert f"<h1 class=\"h4\">{title}</h1>" in html
    assert "单位实名认证审核通过后方可办理此项业务" in html and "未提交" in html
    assert "前往单位实名认证" in html


def test_a_verified_unit_passes_the_gate(client, make, login):
    unit = make.approved_unit()
    login(unit.user)
    for path in ("/portal/patents", "/portal/assets", "/portal/verification/change"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert "单位实名认证审核通过后方可办理此项业务" not in resp.get_data(as_text=True)


def test_visitors_go_to_the_login_page_and_staff_are_refused(client, make, login):
    resp = client.get("/portal/patents")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    login(make.staff("admin"))
    resp = client.get("/portal/patents")
    assert resp.status_code == 403 and "工作人员账号不能进入单位端" in resp.get_data(as_text=True)


def test_another_units_objects_do_not_exist_for_a_unit(client, make, login):
    owner = make.approved_unit()
    product = make.complete_product(owner)
    link = UnitPatent.get(UnitPatent.unit == owner)
    other = make.approved_unit()
    login(other.user)
    assert client.get(f"/portal/products/{product.id}/info").status_code == 404
    assert client.post(f"/portal/patents/{link.id}/delete").status_code == 404
    assert UnitPatent.get_or_none(UnitPatent.id == link.id) is not None


def test_the_left_menu_follows_the_manual(client, make, login):
    login(make.approved_unit().user)
    html = client.get("/portal/").get_data(as_text=True)
    menu = html[html.index('class="zl-side"'):html.index("</nav>", html.index('class="zl-side"'))]
    entries = [re.sub(r"<[^>]+>|\s+|\d+", "", e) for e in re.findall(r'(?s)<(?:a|div)[^>]*>(.*?)</(?:a|div)>', menu)]
    entries = [e for e in entries if e and e != "管理中心"]
    assert entries[:8] == ["我的首页", "用户中心", "实名认证", "资产信息", "变更单位信息", "专利信息管理",
                           "产品备案管理", "产品备案信息更新"]
    assert "消息中心" in entries[8:]
