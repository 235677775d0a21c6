"""Public pages are kept for anonymous visitors until public data changes
(public_site/page_cache.py): kept between changes, fresh after every reindex or touch,
never kept for a signed-in user or for a response that sets a cookie."""

from flask import current_app

from domain import patents, search
from infra import changes
from models import Product, ProductPatent, db
from tests.test_public_products import filed_product

PAGES = ("/products/{token}", "/m/{token}", "/search?q=电池", "/")


def rename_behind_the_index(product, name):
    """Change a public field without going through a workflow (nothing is reindexed)."""
    Product.update(name=name).where(Product.id == product.id).execute()


def test_public_pages_are_kept_until_public_data_changes(client, make):
    product = filed_product(make, name="动力电池管理系统")
    paths = [p.format(token=product.token) for p in PAGES]
    for path in paths:
        assert "动力电池管理系统" in client.get(path).get_data(as_text=True), path
    rename_behind_the_index(product, "储能电池管理系统")
    for path in paths:  # served as rendered before: the database was not asked again
        html = client.get(path).get_data(as_text=True)
        assert "动力电池管理系统" in html and "储能电池管理系统" not in html, path
    with db.database.atomic():
        search.reindex([product.id])  # what every status change and rename does
    for path in paths:
        assert "储能电池管理系统" in client.get(path).get_data(as_text=True), path


def test_signed_in_visitors_always_get_the_page_afresh(app, client, make, login):
    product = filed_product(make, name="动力电池管理系统")
    path = f"/products/{product.token}"
    assert "动力电池管理系统" in app.test_client().get(path).get_data(as_text=True)  # kept for the public
    login(product.unit.user)
    rename_behind_the_index(product, "储能电池管理系统")
    html = client.get(path).get_data(as_text=True)
    assert "储能电池管理系统" in html and "退出" in html  # their own page, with their menu


def test_a_legal_status_update_shows_on_the_product_page_at_once(client, make, tmp_path):
    product = filed_product(make)
    patent = ProductPatent.get(ProductPatent.product == product).patent
    assert "有效" in client.get(f"/products/{product.token}").get_data(as_text=True)
    daily = tmp_path / "status.csv"
    daily.write_text(f"number,legal_status\n{patent.display_number},失效\n", encoding="utf-8")
    assert patents.import_file(daily, delta=True)["changed"] == 1
    html = client.get(f"/products/{product.token}").get_data(as_text=True)
    assert "失效" in html


def test_a_response_that_sets_a_cookie_is_not_kept_for_others(app, make, db_session):
    product = filed_product(make, name="动力电池管理系统")
    path = f"/products/{product.token}?lang=en"
    first = app.test_client().get(path)  # switches the language: sets a cookie
    assert "session=" in first.headers.get("Set-Cookie", "") and "动力电池管理系统" in first.get_data(as_text=True)
    rename_behind_the_index(product, "储能电池管理系统")
    second = app.test_client().get(path)  # rendered afresh, with its own cookie
    assert "session=" in second.headers.get("Set-Cookie", "")
    assert "储能电池管理系统" in second.get_data(as_text=True)


def test_a_phone_revisit_is_answered_304_from_the_kept_page(client, make):
    product = filed_product(make, name="动力电池管理系统")
    first = client.get(f"/m/{product.token}")
    rename_behind_the_index(product, "储能电池管理系统")
    kept = client.get(f"/m/{product.token}")  # from the cache: same body, same ETag
    assert kept.headers["ETag"] == first.headers["ETag"] and kept.data == first.data
    assert "动力电池管理系统" in kept.get_data(as_text=True)
    again = client.get(f"/m/{product.token}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_setting_the_lifetime_to_zero_turns_the_cache_off(client, make):
    product = filed_product(make, name="动力电池管理系统")
    current_app.config["PAGE_CACHE_SECONDS"] = 0
    try:
        client.get(f"/products/{product.token}")
        rename_behind_the_index(product, "储能电池管理系统")
        assert "储能电池管理系统" in client.get(f"/products/{product.token}").get_data(as_text=True)
    finally:
        current_app.config["PAGE_CACHE_SECONDS"] = 300


def test_a_visitor_with_an_anonymous_session_gets_the_kept_page(client, make):
    product = filed_product(make, name="动力电池管理系统")
    assert "动力电池管理系统" in client.get(f"/products/{product.token}").get_data(as_text=True)
    client.get("/login")  # the sign-in form puts a CSRF token in a session cookie
    assert client.get_cookie("session") is not None
    rename_behind_the_index(product, "储能电池管理系统")
    html = client.get(f"/products/{product.token}").get_data(as_text=True)
    assert "动力电池管理系统" in html and "储能电池管理系统" not in html


def test_a_visitor_who_chose_english_never_gets_the_kept_chinese_page(app, make, db_session):
    product = filed_product(make)
    chinese = app.test_client().get(f"/products/{product.token}").get_data(as_text=True)
    assert "产品信息" in chinese  # now kept
    english = app.test_client()
    english.get("/?lang=en")  # remembered in the session
    html = english.get(f"/products/{product.token}").get_data(as_text=True)
    assert "Product information" in html and "产品信息" not in html


def test_public_pages_forbid_inline_scripts_and_framing_also_when_kept(client, make):
    product = filed_product(make, name="动力电池管理系统")
    paths = ("/", "/search?q=电池", f"/products/{product.token}", f"/m/{product.token}")
    rendered = {path: client.get(path) for path in paths}
    rename_behind_the_index(product, "储能电池管理系统")
    for path in paths:
        kept = client.get(path)
        assert "储能电池管理系统" not in kept.get_data(as_text=True), path  # really the kept page
        for visit, headers in (("rendered", rendered[path].headers), ("kept", kept.headers)):
            csp = headers["Content-Security-Policy"]
            assert "script-src 'self';" in csp and "frame-ancestors 'self'" in csp, (path, visit, csp)
            assert headers["X-Content-Type-Options"] == "nosniff", (path, visit)
            assert headers["X-Frame-Options"] == "SAMEORIGIN", (path, visit)


def test_only_kept_pages_consult_the_cache(client, db_session, monkeypatch):
    """Static files, /favicon.ico and /healthz never wait for (or fail with) the counter."""
    from peewee import OperationalError

    def unavailable(max_age=0.0):
        raise OperationalError("database is locked")

    monkeypatch.setattr(changes, "generation", unavailable)
    for path in ("/healthz", "/static/css/zlcp.css", "/favicon.ico"):
        assert client.get(path).status_code == 200, path
