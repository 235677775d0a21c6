"""Back office: roles on every view, staff accounts created by an administrator,
notification failures visible and retried, the audit log read-only, /healthz."""

import re

from models import AuditLog, Outbox, User


def admin_post(client, url, data, form_url=None):
    """Post a Flask-Admin form with the CSRF token its page carries."""
    html = client.get(form_url or url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return client.post(url, data={**data, "csrf_token": token.group(1) if token else ""})


def test_administrator_creates_a_staff_account_with_several_roles(client, make, login):
    login(make.staff("admin"))
    resp = admin_post(client, "/admin/staff/new/", {
        "username": "zhangsan01", "full_name": "张三", "email": "zhangsan@zlcp.example.cn",
        "phone": "", "active": "y", "staff_roles": ["reviewer", "officer"],
        "new_password": "Staff@2026"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    user = User.get(User.username == "zhangsan01")
    assert user.role_names == {"reviewer", "officer"}
    audit = AuditLog.get(AuditLog.object_type == "user", AuditLog.object_id == user.id)
    assert audit.event == "create_staff" and audit.data["roles"] == ["officer", "reviewer"]
    client.post("/logout")
    assert client.post("/admin/login", data={"identity": "zhangsan01", "password": "Staff@2026"}).status_code == 302


def test_staff_account_needs_a_valid_password_and_a_role(client, make, login):
    login(make.staff("admin"))
    html = admin_post(client, "/admin/staff/new/", {
        "username": "lisi0001", "email": "lisi@zlcp.example.cn", "active": "y",
        "new_password": "short"}).get_data(as_text=True)
    assert "请至少选择一个角色" in html
    html = admin_post(client, "/admin/staff/new/", {
        "username": "lisi0001", "email": "lisi@zlcp.example.cn", "active": "y",
        "staff_roles": ["reviewer"], "new_password": "short"}).get_data(as_text=True)
    assert "密码长度应为8-18位" in html
    make.staff("reviewer", username="wangwu01")
    html = admin_post(client, "/admin/staff/new/", {
        "username": "wang@wu", "email": "not-mail", "active": "y", "staff_roles": ["reviewer"],
        "new_password": "Staff@2026"}).get_data(as_text=True)
    assert "用户名只能包含字母、数字和汉字，不支持特殊字符" in html and "邮箱格式不正确" in html
    html = admin_post(client, "/admin/staff/new/", {
        "username": "wangwu01", "email": "ww@zlcp.example.cn", "active": "y",
        "staff_roles": ["reviewer"], "new_password": "Staff@2026"}).get_data(as_text=True)
    assert "用户名已被使用" in html
    assert not User.select().where(User.username.in_(["lisi0001", "wang@wu"])).exists()


def test_unit_accounts_never_appear_among_staff(client, make, login):
    unit_user = make.unit_user()
    login(make.staff("admin"))
    html = client.get("/admin/staff/").get_data(as_text=True)
    assert unit_user.username not in html
    assert client.get(f"/admin/staff/edit/?id={unit_user.id}").status_code == 302  # not found → list


def test_each_view_checks_the_role_on_the_server(client, make, login):
    login(make.staff("reviewer"))
    assert client.get("/admin/").status_code == 200
    for url in ("/admin/staff/", "/admin/staff/new/", "/admin/audit/", "/admin/outbox/", "/admin/holidays/",
                "/admin/reasons/"):
        resp = client.get(url)
        assert resp.status_code == 403, url
        assert "您的角色无权访问此页面" in resp.get_data(as_text=True)
    resp = admin_post(client, "/admin/staff/new/", {"username": "sneaky01", "email": "s@x.cn",
                                                  "staff_roles": ["admin"], "new_password": "Sneaky@2026"})
    assert resp.status_code == 403
    assert not User.select().where(User.username == "sneaky01").exists()


def test_failed_notifications_are_listed_and_can_be_sent_again(client, make, login):
    row = Outbox.create(channel="sms", recipient="13912345678", template="sms_code", body="测试短信",
                        status="failed", tries=6, last_error="ConnectionError: provider unreachable")
    login(make.staff("admin"))
    html = client.get("/admin/outbox/?flt0_0=failed").get_data(as_text=True)
    assert "provider unreachable" in html and "发送失败" in html
    admin_post(client, "/admin/outbox/action/", form_url="/admin/outbox/",
               data={"action": "retry", "rowid": [str(row.id)]})
    assert Outbox.get_by_id(row.id).status == "sent"


def test_audit_log_is_read_only(client, make, login):
    from datetime import datetime

    entry = AuditLog.create(object_type="product", object_id=1, event="approve", actor_name="审核员",
                            created_at=datetime(2026, 11, 25, 5, 0, 0))
    login(make.staff("admin"))
    html = client.get("/admin/audit/").get_data(as_text=True)
    assert "审核员" in html and "2026-11-25 13:00（北京时间）" in html  # Beijing time, the zone stated
    admin_post(client, f"/admin/audit/edit/?id={entry.id}", form_url="/admin/audit/", data={"reason": "篡改"})
    admin_post(client, "/admin/audit/delete/", form_url="/admin/audit/", data={"id": str(entry.id)})
    assert AuditLog.get_by_id(entry.id).reason == ""
    csv = client.get("/admin/audit/export/csv/").get_data(as_text=True)
    assert "产品备案" in csv and "（北京时间）" in csv  # the manual's words (admin_app/records.py)


def test_healthz_reports_database_and_queue(client):
    data = client.get("/healthz").get_json()
    assert data["database"] == "ok" and data["queue"] == "ok" and data["ok"] is True
