"""The site's pages link only the Bootstrap rules the project uses (static/css/bootstrap-used.css,
issue 16) and look exactly as they do with the whole of Bootstrap: each page is drawn with the
subset, then its stylesheet is swapped for the whole file in the same page (the same captcha,
the same errors), drawn again and compared pixel by pixel, beyond the rasteriser's rounding.
Public pages at a phone's width and a desktop's, forms with their errors shown, the unit's
portal."""

import io

import pytest
from conftest import PASSWORD, screenshot
from PIL import Image, ImageChops
from playwright.sync_api import expect
from test_browser_accounts import sign_in
from test_browser_layout_shift import product_with_photo

from models import User

WHOLE = "/admin/static/bootstrap/bootstrap4/css/bootstrap.min.css"
SWAP = """whole => new Promise(done => {
  const link = document.querySelector('link[href*="/css/bootstrap-used."]');
  link.onload = () => requestAnimationFrame(() => requestAnimationFrame(done));
  link.href = whole;
})"""


def same_with_whole_bootstrap(page, name):
    """The page drawn with the subset equals the page drawn with the whole of Bootstrap (each
    drawn with transitions run to their end: swapping the stylesheet starts .btn's)."""
    assert page.locator('link[href*="/css/bootstrap-used."]').count() == 1
    assert page.locator('link[href*="bootstrap.min."]').count() == 0
    page.evaluate("document.fonts.ready")
    # every image in, lazy ones too: a full-page capture would otherwise catch one arriving
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(img => { img.loading = 'eager'; })")
    page.wait_for_function("Array.from(document.images).every(img => img.complete)")
    subset = Image.open(io.BytesIO(page.screenshot(full_page=True, animations="disabled"))).convert("RGB")
    page.evaluate(SWAP, WHOLE)
    whole = Image.open(io.BytesIO(page.screenshot(full_page=True, animations="disabled"))).convert("RGB")
    # A missing rule moves or recolours something; a level or two on a few pixels is the
    # rasteriser's rounding (34 pixels off by 1 were seen under load, on the same page).
    if subset.size != whole.size or ImageChops.difference(subset, whole).point(lambda v: v > 8 and 255).getbbox():
        screenshot(page, f"used-css-{name}-whole")
        subset.save(f"test-artifacts/used-css-{name}-subset.png")
        pytest.fail(f"{name}: the page differs with the whole of Bootstrap (see test-artifacts/used-css-{name}-*)")


@pytest.mark.browser
def test_public_pages_look_the_same_with_only_the_used_rules(browser, live_server, make):
    product = product_with_photo(make)
    for width, height, label in ((1280, 900, "desktop"), (390, 844, "phone")):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        page = context.new_page()
        pages = {
            "home": "/",
            "search": "/search?q=水表",
            "search-empty": "/search?q=无此产品&province=44",
            "product": f"/products/{product.token}",
            "verify": "/verify",
            "track": "/objections/track",
            "login": "/login",
            "register": "/register",
            "not-found": "/products/nosuchproduct",
        }
        for name, path in pages.items():
            page.goto(live_server + path)
            same_with_whole_bootstrap(page, f"{label}-{name}")
        # forms with every error shown
        page.goto(live_server + "/objections/new")
        page.get_by_role("button", name="提交异议").click()
        expect(page.locator(".invalid-feedback").first).to_be_visible()
        same_with_whole_bootstrap(page, f"{label}-objection-errors")
        page.goto(live_server + "/register")
        page.get_by_role("button", name="注册").click()
        same_with_whole_bootstrap(page, f"{label}-register-errors")
        context.close()


@pytest.mark.browser
def test_portal_pages_look_the_same_with_only_the_used_rules(page, live_server, make):
    reviewer = make.staff("reviewer")
    unit = make.approved_unit(reviewer)
    product = make.complete_product(unit)
    User.update(username="CssUnit01").where(User.id == unit.user_id).execute()
    sign_in(page, live_server, "CssUnit01", PASSWORD)
    for name, path in {"home": "/portal/", "verification": "/portal/verification", "assets": "/portal/assets",
                       "patents": "/portal/patents", "patents-new": "/portal/patents/new",
                       "products": "/portal/products", "info": f"/portal/products/{product.id}/info",
                       "patents-step": f"/portal/products/{product.id}/patents",
                       "materials": f"/portal/products/{product.id}/materials", "updates": "/portal/updates",
                       "recognitions": "/portal/recognitions", "objections": "/portal/objections",
                       "messages": "/portal/messages"}.items():
        page.goto(live_server + path)
        same_with_whole_bootstrap(page, f"portal-{name}")
