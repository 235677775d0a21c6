"""Public pages, the open-data API, account pages and the company portal (/portal)."""

from urllib.parse import urlencode

from flask import jsonify, render_template, request
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from flask_wtf.csrf import CSRFError

# Modules that add routes to a blueprint of another module are imported for that alone:
# openapi to the API's, search_pages to the public one, the portal's pages to the portal's.
from domain import units
from infra import notifications
from models import shanghai_time
from public_site import api, auth, objections, openapi, page_cache, product_pages, public, search_pages, verify  # noqa: F401
from public_site.portal import base as portal
from public_site.portal import filing, messages, patents, recognition, updates, verification  # noqa: F401
from public_site.portal import objections as portal_objections  # noqa: F401
from workflows import TEMPLATE_GLOBALS

# code: (title, message, offer 返回上一页). CSRF failures are a 400 of their own.
ERROR_PAGES = {
    400: (_l("请求无效"), _l("请求无效，请返回上一页重试。"), True),
    "csrf": (_l("页面已过期"), _l("页面已过期或您已在其他窗口重新登录。请返回上一页，刷新后再提交。"), True),
    403: (_l("无权访问"), _l("您没有权限访问此页面"), False),
    404: (_l("页面不存在"), _l("您访问的页面不存在或已被移除。"), False),
    405: (_l("无法打开此地址"), _l("此地址只能通过页面上的按钮提交，不能直接打开或刷新。"), True),
    409: (_l("无法保存"), _l("该事项的状态已变化，请刷新页面后查看。"), True),
    413: (_l("文件过大"), _l("上传的文件超过了大小限制。"), False),
    429: (_l("操作过于频繁"), _l("操作过于频繁，请稍后再试。"), False),
    500: (_l("系统繁忙"), _l("处理您的请求时出错，请稍后再试；问题持续时请联系平台管理员。"), True),
}


def filesize(n):
    """635 B, 12.3 KB, 4.5 MB (Jinja's filesizeformat says "Bytes" in any language)."""
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def lang_url(locale):
    """This page in another language: its query (a search, a filter) kept."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", locale)]
    return request.path + "?" + urlencode(args)


def init_app(app):
    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(portal.bp, url_prefix="/portal")
    app.register_blueprint(product_pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(verify.bp)
    app.register_blueprint(objections.bp)
    page_cache.init_app(app)

    @app.context_processor
    def layout_context():
        return {
            "current_locale": str(get_locale()),
            "lang_url": lang_url,
            "site_name": app.config["SITE_NAME"],
            "unread_messages": notifications.unread_count(current_user),
            "field_label": units.field_label,
        }

    app.jinja_env.globals.update(TEMPLATE_GLOBALS)  # status_label() and the status enums
    app.jinja_env.filters["beijing"] = shanghai_time
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.filters["wan"] = lambda v: "" if v is None else f"{v:,.2f}"  # 万元 amounts

    def error_page(error):
        """The site's own page for an HTTP error, in the visitor's language. A message the
        code gave (abort(409, description=…)) wins over the default one."""
        code = 400 if isinstance(error, CSRFError) else error.code
        if code == 404 and request.path.startswith(api.bp.url_prefix + "/"):  # an address the API lacks
            return jsonify(error=str(_l("接口地址不存在，请查阅 /api/v1/openapi.json"))), 404
        if code == 405 and request.path.startswith(api.bp.url_prefix + "/"):  # (routing errors miss the API's handlers)
            return api.http_error(error)
        title, message, back = ERROR_PAGES["csrf" if isinstance(error, CSRFError) else code]
        if code in (403, 409) and getattr(error, "description", None) and isinstance(error.description, LazyString):
            message = error.description
        allow = {k: v for k, v in error.get_headers() if k == "Allow"}  # a 405 names the methods allowed
        return render_template("public/error.html", code=code, title=title, message=message, back=back), code, allow

    for key in ERROR_PAGES:
        app.register_error_handler(CSRFError if key == "csrf" else key, error_page)

    app.after_request(not_stored_if_private)


# Pages of one signed-in person or of an account form: the company portal, the back office
# (Flask-Admin gives each view a blueprint of its own, all under /admin) and 登录/注册/忘记密码
# (the auth blueprint).
PRIVATE_PREFIXES = ("/portal", "/admin")


def not_stored_if_private(response):
    """Cache-Control: no-store on private pages, so no browser (Back after 退出) or proxy keeps
    them. Public pages keep their own caching (the page cache, the phone page's no-cache) and
    static files theirs."""
    endpoint = request.endpoint or ""
    if endpoint == "static" or endpoint.endswith(".static"):
        return response
    path = request.path
    if request.blueprint == auth.bp.name or any(path == p or path.startswith(p + "/") for p in PRIVATE_PREFIXES):
        response.headers["Cache-Control"] = "no-store"
    return response
