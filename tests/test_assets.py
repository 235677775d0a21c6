"""Static files and pages reach the browser compressed and cacheable: fingerprinted addresses
are kept for good, plain ones revalidated; the phone page reserves its image's room; every
page has a meta description; the Content-Security-Policy still holds."""

import gzip
import io
import re
from pathlib import Path

import brotli
from PIL import Image

import workflows
from infra import assets
from models import AssetInfo, last_fiscal_year

GZIP = {"Accept-Encoding": "gzip"}


def stylesheets(html):
    return re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)


def test_pages_reference_fingerprinted_static_files(client):
    html = client.get("/").get_data(as_text=True)
    addresses = stylesheets(html) + re.findall(r'<script src="([^"]+)"', html)
    assert any("/static/css/zlcp." in a for a in addresses)
    assert any("/static/css/bootstrap-used." in a for a in addresses)
    for address in addresses:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)(\?|$)", address), address


def test_fingerprinted_files_are_cached_for_good_and_compressed(client):
    html = client.get("/").get_data(as_text=True)
    bootstrap = next(a for a in stylesheets(html) if "bootstrap-used." in a).replace("&amp;", "&")
    resp = client.get(bootstrap, headers=GZIP)
    assert resp.status_code == 200
    assert resp.headers["Content-Encoding"] == "gzip"
    assert "immutable" in resp.headers["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", resp.headers["Cache-Control"])[1]) >= 365 * 86400
    css = gzip.decompress(resp.data)
    assert b".container" in css and len(resp.data) < len(css) / 4
    assert resp.headers["Content-Type"].startswith("text/css")
    resp = client.get(bootstrap, headers={"Accept-Encoding": "br, gzip"})
    assert resp.headers["Content-Encoding"] == "br" and brotli.decompress(resp.data) == css
    plain = client.get(bootstrap)
    assert "Content-Encoding" not in plain.headers and plain.data == css


def test_a_static_file_from_memory_is_the_file_and_ranges_and_head_still_work(app, client):
    """Small files are sent from each worker's memory: the same bytes, again and again, while
    a Range, a HEAD or a revalidation still get WhiteNoise's own answers."""
    source = (Path(app.static_folder) / "css" / "zlcp.css").read_bytes()
    first, second = client.get("/static/css/zlcp.css"), client.get("/static/css/zlcp.css")
    assert first.data == second.data == source and int(first.headers["Content-Length"]) == len(source)
    assert "Content-Encoding" not in first.headers and first.headers["ETag"]
    part = client.get("/static/css/zlcp.css", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == source[:10]
    head = client.head("/static/css/zlcp.css")
    assert head.status_code == 200 and head.data == b"" and int(head.headers["Content-Length"]) == len(source)
    assert client.get("/static/css/zlcp.css", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert gzip.decompress(client.get("/static/css/zlcp.css", headers=GZIP).data) == source


def test_plain_static_addresses_are_revalidated(client):
    resp = client.get("/static/css/zlcp.css", headers=GZIP)
    assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "gzip"
    assert resp.headers["Cache-Control"] == "no-cache"
    again = client.get("/static/css/zlcp.css", headers={**GZIP, "If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304


def test_an_old_fingerprint_or_a_path_outside_the_folder_is_not_served(client):
    assert client.get("/static/css/zlcp.0123456789ab.css").status_code == 404
    assert client.get("/static/../config.toml").status_code == 404


def test_pages_and_json_are_compressed_for_browsers_that_accept_it(client):
    resp = client.get("/", headers=GZIP)
    assert resp.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in resp.headers["Vary"]
    assert "国家专利密集型产品备案认定试点平台" in gzip.decompress(resp.data).decode()
    plain = client.get("/")
    assert "Content-Encoding" not in plain.headers
    assert "国家专利密集型产品备案认定试点平台" in plain.get_data(as_text=True)
    api = client.get("/api/v1/openapi.json", headers=GZIP)
    assert api.status_code == 200 and api.headers["Content-Encoding"] == "gzip"
    assert api.headers["Content-Type"].startswith("application/json")


def test_page_cache_keeps_compressed_and_plain_copies_apart(app, client):
    before, app.config["PAGE_CACHE_SECONDS"] = app.config["PAGE_CACHE_SECONDS"], 300
    try:
        first = client.get("/", headers=GZIP)
        plain = client.get("/")
        again = client.get("/", headers=GZIP)
    finally:
        app.config["PAGE_CACHE_SECONDS"] = before
    assert first.headers["Content-Encoding"] == "gzip" and again.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert plain.get_data(as_text=True).startswith("<!doctype html>")


def test_content_security_policy_still_holds_on_pages(client):
    resp = client.get("/", headers=GZIP)
    assert "script-src" in resp.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in resp.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]


def test_every_page_has_a_meta_description(client, make):
    for path in ("/", "/search?q=电池", "/login"):
        html = client.get(path).get_data(as_text=True)
        assert re.search(r'<meta name="description" content="[^"]*专利密集型产品[^"]*">', html), path


def test_phone_page_image_has_its_width_and_height(client, make):
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    product = make.complete_product(unit)  # its main image is 40 × 30
    product = workflows.apply(product, "submit", unit.user)
    product = workflows.apply(product, "approve", make.staff("reviewer"))
    html = client.get(f"/m/{product.token}").get_data(as_text=True)
    img = re.search(r'<img src="[^"]*/thumb\.jpg"[^>]*>', html)[0]
    thumb = client.get(f"/products/{product.token}/thumb.jpg")
    with Image.open(io.BytesIO(thumb.data)) as picture:
        width, height = picture.size
    assert f'width="{width}"' in img and f'height="{height}"' in img
    assert (width, height) == (40, 30)
    assert re.search(r'<meta name="description" content="[^"]*动力电池管理系统', html)


def test_the_used_bootstrap_rules_are_up_to_date(app):
    """static/css/bootstrap-used.css is what `flask zlcp css` writes from today's templates,
    scripts and code: a class added to a page without `make css` fails here."""
    expected, whole = assets.used_bootstrap(app)
    committed = (Path(app.static_folder) / assets.USED_CSS).read_text(encoding="utf-8")
    assert committed == expected, "run `make css`: static/css/bootstrap-used.css is out of date"
    assert len(committed) < whole / 2 and committed.startswith("/*!\n * Bootstrap v4")


def test_only_the_rules_of_used_classes_are_kept():
    css = (".btn{a:1}.carousel{b:2}.btn.disabled,.carousel-item{c:3}"
           "@media (min-width:768px){.col-md-6{d:4}.popover{e:5}}"
           ".input-group:not(.has-validation)>.form-control{f:6}"
           ".alert-danger{g:7}.badge-x{h:8}body{i:9}[hidden]{j:10}@keyframes spin{to{k:11}}")
    words = {"btn", "disabled", "col-md-6", "input-group", "form-control"}
    kept = assets.used_css(css, words, {"alert-"})
    assert kept == (".btn{a:1}.btn.disabled{c:3}@media (min-width:768px){.col-md-6{d:4}}"
                    ".input-group:not(.has-validation)>.form-control{f:6}.alert-danger{g:7}"
                    "body{i:9}[hidden]{j:10}@keyframes spin{to{k:11}}")
    sources = 'class="alert alert-{{ kind }}" "badge-" ~ tone f"text-{tone}" `m-${n}`'
    assert set(assets.CLASS_PREFIX.findall(sources)) == {"alert-", "badge-", "text-", "m-"}
