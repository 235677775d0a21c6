"""证书查询 (/verify): a certificate number → the product, the unit, 有效 / 已过期 / 撤销认定 and
the dates, from the live data; and the platform's public key for the signed QR codes, at
/.well-known/zlcp-certificate-key (JSON: PEM, JWK, the signed message's format) and
/.well-known/zlcp-certificate-key.pem."""

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l

from domain.recognition import certificates
from infra import signing
from infra.extensions import PUBLIC_CSP, limiter, talisman

bp = Blueprint("certificates_public", __name__)

KEY_PATH = "/.well-known/zlcp-certificate-key"
MESSAGE_FORMAT = certificates.MESSAGE_PREFIX + "|{c}|{t}|{v}"


def _looking_up():
    return bool(request.args.get("number", "").strip())


@bp.get("/verify")
@talisman(content_security_policy=PUBLIC_CSP)
@limiter.limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], exempt_when=lambda: not _looking_up())
def verify():
    """The form, and the answer for ?number=… (a link or a QR code may open it so)."""
    typed = request.args.get("number", "")
    number = certificates.normalise_number(typed)
    error = found = None
    if "number" in request.args:
        if not number:
            error = _l("请输入证书编号")
        else:
            rec = certificates.find_certificate(number)
            found = certificates.certificate_view(rec) if rec else None
    return render_template("public/verify.html", typed=typed[:certificates.NUMBER_MAX_LENGTH], number=number,
                           asked="number" in request.args and not error, found=found, error=error,
                           key_url=KEY_PATH, message_format=MESSAGE_FORMAT,
                           site_url=current_app.config["SITE_URL"].rstrip("/"))


@bp.get(KEY_PATH)
def public_key():
    """The key that signs the certificates' QR codes, for checking them offline."""
    site = current_app.config["SITE_URL"].rstrip("/")
    return jsonify({
        "issuer": current_app.config["CERTIFICATE_ISSUER"],
        "algorithm": "Ed25519",
        "kid": signing.key_id(),
        "jwk": signing.public_jwk(),
        "pem": signing.public_pem(),
        "message_format": MESSAGE_FORMAT,
        "url_format": site + "/m/{t}?c={c}&v={v}&s={signature}",
        "parameters": {
            "c": "certificate number (证书编号)",
            "t": "product token (the path of the phone page /m/<t>)",
            "v": "valid until (有效期至), YYYYMMDD, Asia/Shanghai",
            "s": "Ed25519 signature of message_format filled in, UTF-8, base64url without padding",
        },
        "documentation": site + "/verify#signature",
    })


@bp.get(KEY_PATH + ".pem")
def public_key_pem():
    return Response(signing.public_pem(), mimetype="application/x-pem-file")
