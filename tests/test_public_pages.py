"""Public pages: Chinese by default with English as a second locale, the registration
agreement staff can edit, friendly errors."""

import re

from models import Page


def test_chinese_by_default_and_english_on_request(client):
    html = client.get("/").get_data(as_text=True)
    assert 'lang="zh-CN"' in html and "单位登录" in html and "单位注册" in html
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert 'lang="en"' in html and "Unit sign-in" in html and "Mobile number, user name or e-mail" in html
    assert "Unit sign-in" in client.get("/").get_data(as_text=True)  # remembered
    assert "单位登录" in client.get("/?lang=zh_Hans_CN").get_data(as_text=True)


def test_agreement_page_shows_what_staff_wrote(client, make, login):
    from test_back_office import admin_post

    login(make.staff("admin"))
    resp = admin_post(client, "/admin/pages/edit/?id=agreement",
                      {"title": "单位注册协议", "body": "第一条 新协议。\n\n第二条 另一段。"})
    assert resp.status_code == 302
    html = client.get("/pages/agreement").get_data(as_text=True)
    assert "<p>第一条 新协议。</p>" in html and "<p>第二条 另一段。</p>" in html
    assert Page.get_by_id("agreement").updated_at is not None
    from seed import DATA

    Page.update(body=(DATA / "agreement.md").read_text(encoding="utf-8").strip()).where(
        Page.slug == "agreement").execute()


def test_registration_links_the_agreement(client):
    html = client.get("/register").get_data(as_text=True)
    assert re.search(r'href="/pages/agreement"[^>]*>《单位注册协议》', html)
    assert "我已阅读并同意" in html


def test_unknown_page_is_a_friendly_404(client):
    resp = client.get("/pages/nothing-here")
    assert resp.status_code == 404 and "页面不存在" in resp.get_data(as_text=True)


def test_every_asset_is_served_by_the_project(client):
    for path in ("/", "/login", "/register"):
        html = client.get(path).get_data(as_text=True)
        for url in re.findall(r'(?:src|href)="([^"#?][^"]*)"', html):
            assert url.startswith("/") and not url.startswith("//"), (path, url)
            if url.startswith(("/static/", "/admin/static/")):
                with client.get(url) as resp:
                    assert resp.status_code == 200, url
