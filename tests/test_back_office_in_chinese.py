"""The back office speaks Chinese (issue 15 #1): every Flask-Admin view — list, create, edit,
details — as each staff role that may open it, with no English field label, column heading,
button or help text in the zh locale; times in Beijing time with the zone stated; the date
pickers' script in the page."""

import re
from datetime import UTC, datetime

import lxml.html

from models import ReasonTemplate

ALLOWED = {"PDF", "XLSX", "CSV", "ID", "QR", "USCC", "IP", "GTIN", "JSONL", "SMS", "K", "TOTP", "PNG", "JPG"}
ROLES = ("admin", "reviewer", "officer", "handler")
ASCII_WORD = re.compile(r"[A-Za-z]{2,}")


def _has(cls):
    return f"contains(concat(' ', @class, ' '), ' {cls} ')"


XPATHS = {
    "label": "//label", "th": "//th", "button": "//button", "legend": "//legend",
    "tab or menu": f"//*[{_has('nav-link')} or {_has('dropdown-item')}]",
    "help": f"//*[{_has('form-text')} or {_has('help-block')}]",
    "message": f"//*[{_has('alert')}]", "heading": "//h1", "link button": f"//a[{_has('btn')}]",
}


def _words(text):
    return [w for w in ASCII_WORD.findall(text or "") if w.upper() not in ALLOWED]


def english_words(html):
    """ASCII words in the page's labels, column headings, buttons, tabs, menus, help texts."""
    tree = lxml.html.fromstring(html)
    for node in tree.xpath("//script | //style | //pre | //code"):
        node.drop_tree()
    found = []
    for what, xpath in XPATHS.items():
        for node in tree.xpath(xpath):
            text = " ".join(node.text_content().split())
            if _words(text):
                found.append(f"{what}: {text[:80]}")
    for node in tree.xpath("//input[@placeholder] | //textarea[@placeholder]"):
        if _words(node.get("placeholder")):
            found.append(f"placeholder: {node.get('placeholder')}")
    return found


def _views(app):
    admin = app.extensions["admin"][0]
    return [v for v in admin._views if hasattr(v, "roles")]


def test_every_back_office_view_is_in_chinese_for_every_role_that_opens_it(app, client, make, login):
    ReasonTemplate.update(created_at=datetime(2026, 12, 6, 6, 30, tzinfo=UTC).replace(tzinfo=None)).execute()
    staff = {role: make.staff(role) for role in ROLES}
    problems, opened = [], 0
    for role, user in staff.items():
        client.post("/logout")
        login(user)
        for view in _views(app):
            if not any(r == role for r in view.roles):
                continue
            base = view.url.rstrip("/") + "/"
            pages = [base]
            if getattr(view, "model", None) is not None:
                row = view.get_query().first() if hasattr(view, "get_query") else None
                if getattr(view, "can_create", False):
                    pages.append(base + "new/")
                if row is not None:
                    key = view.get_pk_value(row)
                    if getattr(view, "can_edit", False):
                        pages.append(f"{base}edit/?id={key}")
                    if getattr(view, "can_view_details", False):
                        pages.append(f"{base}details/?id={key}")
            for url in pages:
                resp = client.get(url)
                if resp.status_code in (302, 404):
                    continue
                assert resp.status_code == 200, (role, url, resp.status_code)
                opened += 1
                problems += [f"{role} {url} — {p}" for p in english_words(resp.get_data(as_text=True))]
    assert opened > 30
    assert not problems, "\n".join(problems[:60])


def test_times_are_in_beijing_time_with_the_zone_stated(client, make, login):
    ReasonTemplate.update(created_at=datetime(2026, 12, 6, 6, 30)).execute()  # 06:30 UTC
    login(make.staff("admin"))
    html = client.get("/admin/reasons/details/?id=" + str(ReasonTemplate.select().first().id)).get_data(as_text=True)
    assert "2026-12-06 14:30（北京时间）" in html and "06:30" not in html


def test_forms_take_their_labels_from_the_views_column_labels(client, make, login):
    login(make.staff("admin"))
    html = client.get("/admin/windows/new/").get_data(as_text=True)
    labels = [label.text_content().strip() for label in lxml.html.fromstring(html).xpath("//form//label")]
    assert {"年份", "开放日期", "截止日期"} <= set(labels), labels
    assert not english_words(html)


def test_the_date_pickers_are_set_to_chinese(client, make, login):
    login(make.staff("admin"))
    html = client.get("/admin/holidays/new/").get_data(as_text=True)
    assert re.search(r'js/admin_locale(\.[0-9a-f]+)?\.js', html) and 'data-locale="zh-cn"' in html
    script = client.get("/static/js/admin_locale.js").get_data(as_text=True)
    assert "weekdaysMin" in script and "确定" in script
