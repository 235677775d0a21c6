"""The public product page, the phone page a QR code opens, the QR codes and the main image:
only public fields, the status in the manual's words, no private data anywhere."""

import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

import workflows
from infra import storage
from infra.validators import patent_check_char
from models import (
    AssetInfo,
    Patent,
    ProductFile,
    ProductPatent,
    Recognition,
    RecognitionRound,
    UnitPatent,
    last_fiscal_year,
    today_shanghai,
)

# Distinctive values of every private field: none may reach a public page or the API.
SECRETS = {
    "last_year_cost": Decimal("24680.13"), "ip_investment": Decimal("13579.24"),
    "last_year_sales": Decimal("987654.32"), "last_year_export": Decimal("11223.34"),
    "last_year_net_profit": Decimal("55667.78"), "last_year_output": Decimal("99887.76"),
    "market_share": Decimal("12.34"), "gross_margin": Decimal("43.21"),
    "contribution_index": Decimal("37.77"), "contribution_method": "own",
    "method_k": Decimal("0.8642"), "method_explanation": "秘密说明XYZ", "gtin": "6901234567892",
}
SECRET_TEXTS = ["24680.13", "13579.24", "987654.32", "987,654.32", "11223.34", "55667.78", "99887.76",
                "12.34", "43.21", "37.77", "0.8642", "秘密说明XYZ", "6901234567892", "自行测算",
                "(2024)粤03民初秘密1号", "13812345670", "13987654320", "0755-66668888", "秘密联系人",
                "经济效益证明秘密.pdf", "秘密主图名.png", "一种保密的电池方法", "秘密法人", "ZL201920000001"]


def filed_product(make, **overrides):
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    product = make.complete_product(unit, **overrides)
    product = workflows.apply(product, "submit", unit.user)
    return workflows.apply(product, "approve", make.staff("reviewer"))


def secret_product(make):
    """A filed product with a distinctive value in every private field."""
    product = filed_product(make, trademark="星河", export_countries=["US", "DE"], **SECRETS)
    unit = product.unit
    unit.__class__.update(contact="秘密联系人", contact_phone="13812345670", legal_rep="秘密法人",
                          legal_rep_phone="13987654320", office_address="0755-66668888").where(
        unit.__class__.id == unit.id).execute()
    body = "2019200000001"[:12]
    number = body + patent_check_char(body)
    hidden = Patent.create(number=number, display_number="ZL201920000001.X", name="一种保密的电池方法",
                           kind="utility", patentees=[unit.name])
    UnitPatent.create(unit=unit, patent=hidden, source="auto", acquisition="original")
    ProductPatent.create(product=product, patent=hidden, public=False, litigated=True,
                         case_number="(2024)粤03民初秘密1号")
    for link in ProductFile.select().where(ProductFile.product == product):
        name = "秘密主图名.png" if link.kind == "main_image" else "经济效益证明秘密.pdf"
        storage.StoredFile.update(original_name=name).where(storage.StoredFile.id == link.file_id).execute()
    return product


def recognition(product, make, *, to="notice"):
    """Take a filed product through the recognition workflow to `to` (tests using it run at the
    fixed_clock: a notice's end is counted in working days of a year whose holidays are known)."""
    rnd = RecognitionRound.get_or_none(RecognitionRound.year == today_shanghai().year) or RecognitionRound.create(
        year=today_shanghai().year, name="年度认定", filing_from=today_shanghai() - timedelta(days=365),
        filing_to=today_shanghai())
    rec = Recognition.create(product=product, round=rnd)
    start = today_shanghai() - (timedelta(days=40) if to != "notice" else timedelta(days=1))
    rec = workflows.apply(rec, "start_notice", make.staff("officer"), start=start)
    if to in ("recognised", "expired", "revoked_after_recognition"):
        rec = workflows.apply(rec, "recognise", workflows.SYSTEM)
    if to == "expired":
        Recognition.update(valid_until=today_shanghai() - timedelta(days=1)).where(Recognition.id == rec.id).execute()
        rec = workflows.apply(Recognition.get_by_id(rec.id), "expire", workflows.SYSTEM)
    if to in ("revoked", "revoked_after_recognition"):
        rec = workflows.apply(rec, "revoke", make.staff("handler"), reason="异议成立")
    return rec


def text_of(html):
    return re.sub(r"<[^>]+>", " ", html)


def shown_status(html):
    """The status badge of a product page or phone page (the word may recur in notes)."""
    found = re.search(r'class="(?:st st|zl-pstatus zl-pstatus)-[a-z_]+">([^<]+)<', html)
    return found.group(1) if found else None


def assert_no_secrets(text):
    leaked = [s for s in SECRET_TEXTS if s in text]
    assert not leaked, leaked


# ---------------------------------------------------------------- the product page


def test_filed_product_page_shows_public_fields_and_no_private_data(client, make):
    product = secret_product(make)
    resp = client.get(f"/products/{product.token}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    for text in ("动力电池管理系统", "BMS-2000", "星河", product.category.name, product.industry.name,
                 "用于新能源汽车动力电池组的监测", "美国", "德国", "2018", product.unit.name, "已备案",
                 product.filing_number, "备案日期", "一种电池管理方法", "发明", "有效"):
        assert text in html, text
    assert shown_status(html) == "已备案"
    assert f"/products/{product.token}/image" in html
    assert f"/products/{product.token}/qr.png" in html and f"/products/{product.token}/qr.svg" in html
    assert "我有异议" not in html  # only when 公示中 or 已认定
    assert f"/products/{product.id}\"" not in html
    assert_no_secrets(html)


def test_phone_page_shows_status_first_and_no_private_data(client, make):
    product = secret_product(make)
    resp = client.get(f"/m/{product.token}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<script" not in html and "stylesheet" not in html
    body = text_of(html[html.index("<main"):])
    assert body.split()[0] == "已备案"
    assert body.index("已备案") < body.index("动力电池管理系统") < body.index(product.filing_number)
    assert product.unit.name in html and "一种电池管理方法" in html
    assert f"/products/{product.token}/thumb.jpg" in html
    assert_no_secrets(html)


def test_products_never_public_are_not_found_by_token(client, make):
    unit = make.approved_unit()
    AssetInfo.create(unit=unit, fiscal_year=last_fiscal_year())
    draft = make.complete_product(unit)
    pending = workflows.apply(make.complete_product(unit), "submit", unit.user)
    rejected = workflows.apply(workflows.apply(make.complete_product(unit), "submit", unit.user),
                               "reject", make.staff("reviewer"), reason="材料不全")
    for product in (draft, pending, rejected):
        for path in ("", "/image", "/thumb.jpg", "/qr.png", "/qr.svg"):
            assert client.get(f"/products/{product.token}{path}").status_code == 404, (product.status, path)
        assert client.get(f"/m/{product.token}").status_code == 404
    assert client.get(f"/products/{draft.id}").status_code == 404  # the id is no address


def test_unknown_token_is_a_friendly_404_in_chinese(client, db_session):
    resp = client.get("/products/nosuchtoken")
    assert resp.status_code == 404 and "页面不存在" in resp.get_data(as_text=True)
    resp = client.get("/m/nosuchtoken")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 404 and "未找到该产品" in html and "请核对后重试" in html


def test_revoked_filing_says_so_without_details(client, make):
    product = secret_product(make)
    workflows.apply(product, "admin_revoke", make.staff("admin"), reason="违规")
    for path in (f"/products/{product.token}", f"/m/{product.token}"):
        resp = client.get(path)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and shown_status(html) == "已撤销", path
        assert "动力电池管理系统" in html and product.unit.name in html
        for detail in ("BMS-2000", product.filing_number, "一种电池管理方法", "星河", "qr.png"):
            assert detail not in html, (path, detail)
        assert_no_secrets(html)
    assert client.get(f"/products/{product.token}/image").status_code == 404
    assert client.get(f"/products/{product.token}/thumb.jpg").status_code == 404


@pytest.mark.usefixtures("fixed_clock")  # notices count working days
def test_product_in_public_notice_shows_notice_period_and_objection_link(client, make):
    product = filed_product(make)
    rec = recognition(product, make, to="notice")
    html = client.get(f"/products/{product.token}").get_data(as_text=True)
    assert shown_status(html) == "公示中" and "公示期" in html
    assert f"{rec.notice_start.isoformat()} — {rec.notice_end.isoformat()}" in html
    # 我有异议: the objection form with this product chosen
    assert re.search(rf'href="/objections/new\?product={product.token}"[^>]*>我有异议<', html.replace("\n", " "))
    assert shown_status(client.get(f"/m/{product.token}").get_data(as_text=True)) == "公示中"


@pytest.mark.usefixtures("fixed_clock")  # notices count working days
def test_recognised_product_shows_certificate_and_every_patent(client, make):
    product = secret_product(make)
    rec = recognition(product, make, to="recognised")
    assert rec.status == "recognised" and rec.certificate_number
    for path in (f"/products/{product.token}", f"/m/{product.token}"):
        html = client.get(path).get_data(as_text=True)
        assert shown_status(html) == "已认定" and "证书编号" in html and rec.certificate_number in html
        assert "有效期至" in html and rec.valid_until.isoformat() in html and "认定日期" in html
        # Recognised: the patent kept private at filing is public now; its case number is not.
        assert "ZL201920000001.X" in html and "一种保密的电池方法" in html
        assert "(2024)粤03民初秘密1号" not in html and "987654.32" not in html
    assert "我有异议" in client.get(f"/products/{product.token}").get_data(as_text=True)


@pytest.mark.usefixtures("fixed_clock")  # notices count working days
def test_a_lapsed_recognition_says_so_first_and_keeps_the_filed_details(client, make):
    product = filed_product(make)
    rec = recognition(product, make, to="expired")
    for path in (f"/products/{product.token}", f"/m/{product.token}"):
        html = client.get(path).get_data(as_text=True)
        assert shown_status(html) == "已过期" and f"认定已于{rec.valid_until.isoformat()}到期" in html
        assert "BMS-2000" in html and product.filing_number in html and "我有异议" not in html
        assert "一种保密的电池方法" not in html  # the filing-stage choice applies again
    listed = [p["token"] for p in client.get("/api/v1/products").get_json()["items"]]
    assert product.token in listed  # still a filed product


@pytest.mark.usefixtures("fixed_clock")  # notices count working days
@pytest.mark.parametrize("to,label", [("revoked", "已撤销认定"), ("revoked_after_recognition", "已撤销认定")])
def test_recognition_revoked_is_stated_plainly(client, make, to, label):
    product = filed_product(make)
    recognition(product, make, to=to)
    for path in (f"/products/{product.token}", f"/m/{product.token}"):
        resp = client.get(path)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and shown_status(html) == label
        assert "动力电池管理系统" in html and product.unit.name in html
        assert "BMS-2000" not in html and "我有异议" not in html and "一种电池管理方法" not in html


# ---------------------------------------------------------------- images and QR codes


def test_main_image_of_a_public_product_is_served_to_anyone(client, make):
    product = filed_product(make)
    resp = client.get(f"/products/{product.token}/image")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert resp.data == make.png()
    other = ProductFile.get(ProductFile.product == product, ProductFile.kind == "economic_proof")
    assert client.get(f"/files/{other.file.key}").status_code == 404  # other files stay private


def test_phone_thumbnail_is_a_small_jpeg(app, client, make):
    product = filed_product(make)
    big = storage.save_bytes(make.png((2400, 1800)), "big.png", "png", owner=product.unit.user)
    ProductFile.update(file=big).where(ProductFile.product == product, ProductFile.kind == "main_image").execute()
    resp = client.get(f"/products/{product.token}/thumb.jpg")
    assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(resp.data)) as img:
        assert img.format == "JPEG" and img.width == 480 and img.height == 360
    assert len(resp.data) < 30_000
    kept = Path(app.instance_path) / "cache" / "thumbs" / f"{big.sha256}-480.jpg"
    assert kept.read_bytes() == resp.data  # made once, then served from instance/cache
    kept.write_bytes(b"kept")
    assert client.get(f"/products/{product.token}/thumb.jpg").data == b"kept"


def test_qr_codes_point_at_the_phone_page(client, make, app):
    from public_site.product_pages import phone_url

    product = filed_product(make)
    with app.test_request_context():
        url = phone_url(product)
    assert url == f"http://127.0.0.1/m/{product.token}"  # SITE_URL in the tests' config
    png = client.get(f"/products/{product.token}/qr.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG\r\n\x1a\n")
    from infra import documents

    assert png.data == documents.qr_png(url)
    svg = client.get(f"/products/{product.token}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert svg.data == documents.qr_svg(url)


# ---------------------------------------------------------------- in a browser


def photo(width=2400, height=1800):
    """A photo-like PNG (gradients, shapes, some grain): several MB, like a camera upload."""
    import random

    from PIL import ImageDraw, ImageFilter

    rng = random.Random(7)
    img = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(60):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(40, 400)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    img = img.filter(ImageFilter.GaussianBlur(3))
    grain = Image.effect_noise((width, height), 24).convert("RGB")
    img = Image.blend(img, grain, 0.12)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def with_photo(product):
    big = storage.save_bytes(photo(), "photo.png", "png", owner=product.unit.user)
    ProductFile.update(file=big).where(ProductFile.product == product, ProductFile.kind == "main_image").execute()
    return big


@pytest.mark.usefixtures("fixed_clock")  # notices count working days
@pytest.mark.browser
def test_phone_page_is_light_and_readable_without_javascript(page, live_server, make, browser):
    from conftest import screenshot

    product = filed_product(make)
    recognition(product, make, to="recognised")
    stored = with_photo(product)
    assert stored.size > 1_000_000
    context = browser.new_context(java_script_enabled=False, locale="zh-CN",
                                  viewport={"width": 375, "height": 812}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    phone = context.new_page()
    finished = []
    phone.on("requestfinished", lambda request: finished.append(request))
    phone.goto(f"{live_server}/m/{product.token}")
    phone.wait_for_load_state("load")
    sizes = {r.url: r.sizes() for r in finished}
    total = sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes.values())
    print(f"phone page: {len(sizes)} responses, {total} bytes", {u.rsplit('/', 1)[1]: s["responseBodySize"]
                                                                for u, s in sizes.items()})
    assert total <= 100 * 1024, sizes
    assert any(u.endswith("/thumb.jpg") for u in sizes) and len(sizes) == 2  # the page and its image
    status = phone.locator(".st")
    assert status.inner_text() == "已认定"
    assert status.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 28
    box = status.bounding_box()
    assert box["y"] < 120 and box["height"] >= 40  # first, in large type
    assert phone.get_by_role("heading", name="动力电池管理系统").is_visible()
    assert phone.get_by_text("证书编号").is_visible() and phone.get_by_text(product.filing_number).is_visible()
    image = phone.get_by_role("img")
    assert image.evaluate("e => e.naturalWidth") == 480 and image.bounding_box()["width"] <= 375
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    screenshot(phone, "public-product-phone-375")
    context.close()


@pytest.mark.usefixtures("fixed_clock")  # notices count working days
@pytest.mark.browser
def test_product_and_phone_pages_have_no_serious_accessibility_violations(page, live_server, make):
    from axe_playwright_python.sync_playwright import Axe
    from conftest import screenshot

    product = filed_product(make, trademark="星河", export_countries=["US", "DE"])
    recognition(product, make, to="recognised")
    with_photo(product)
    axe = Axe()
    for path, name in ((f"/products/{product.token}", "public-product-desktop"),
                       (f"/m/{product.token}", None), ("/m/nosuchtoken", None)):
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        violations = [v for v in axe.run(page).response["violations"] if v["impact"] in ("serious", "critical")]
        assert not violations, (path, [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations])
        if name:
            screenshot(page, name)
    page.goto(f"{live_server}/products/{product.token}")
    assert page.get_by_role("heading", name="动力电池管理系统").is_visible()
    objection = page.get_by_role("link", name="我有异议")
    assert objection.is_visible() and objection.get_attribute("href") == f"/objections/new?product={product.token}"
    qr = page.get_by_role("img", name="扫码在手机上查看本产品")
    assert qr.evaluate("e => e.complete && e.naturalWidth > 0")


def test_the_phone_page_is_revalidated_so_a_revocation_shows_at_once(client, make):
    product = filed_product(make)
    first = client.get(f"/m/{product.token}")
    assert first.headers["Cache-Control"] == "no-cache" and first.headers.get("ETag")
    assert client.get(f"/m/{product.token}", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    workflows.apply(type(product).get_by_id(product.id), "admin_revoke", make.staff("admin"), reason="依职权撤销")
    again = client.get(f"/m/{product.token}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and shown_status(again.get_data(as_text=True)) == "已撤销"
