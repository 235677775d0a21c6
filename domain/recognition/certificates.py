"""认定证书: the certificate number handed out when a product is recognised, the signed
address its QR code carries, and what a certificate number stands for today (证书查询).

The QR code of a recognised product opens its phone page with a compact signature:

    SITE_URL/m/<product token>?c=<certificate number>&v=<valid until, YYYYMMDD>&s=<signature>

`s` is the platform's Ed25519 signature (infra.signing; base64url, no padding) of the text

    ZLCP-CERT-1|<certificate number>|<product token>|<valid until, YYYYMMDD>

so anyone holding the public key (/.well-known/zlcp-certificate-key) can check offline that
the platform issued that certificate for that product with that validity. Whether it still
stands (有效 / 已过期 / 撤销认定) is the live data's to say: the phone page and /verify ask
certificate_status().
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from flask import current_app
from peewee import fn

from infra import signing
from models import Product, Recognition, Sequence, Unit, shanghai_time, today_shanghai
from workflows import CertificateStatus, RecognitionStatus

MESSAGE_PREFIX = "ZLCP-CERT-1"
NUMBER_MAX_LENGTH = 40


def next_certificate_number(recognition):
    """认定证书编号: ZLCP + year (4) + sequence within the year (6), e.g. ZLCP2026000031."""
    year = today_shanghai().year
    prefix = f"ZLCP{year}"

    def used():
        last = (Recognition.select(fn.MAX(Recognition.certificate_number))
                .where(Recognition.certificate_number.startswith(prefix)).scalar())
        return int(last[len(prefix):]) if last else 0

    return f"{prefix}{Sequence.take(f'certificate-{year}', used):06d}"


# ---------------------------------------------------------------- the signed QR address


def signed_message(certificate_number, product_token, valid_until):
    """The text the QR code's signature is made over."""
    return f"{MESSAGE_PREFIX}|{certificate_number}|{product_token}|{valid_until:%Y%m%d}"


def phone_address(product_token):
    """The phone page of a product, absolute: the configured SITE_URL, never a Host header."""
    return current_app.config["SITE_URL"].rstrip("/") + "/m/" + product_token


def signed_url(rec):
    """The address the certificate's QR code carries: the phone page with c, v and s."""
    token = rec.product.token
    params = {"c": rec.certificate_number, "v": f"{rec.valid_until:%Y%m%d}",
              "s": signing.sign(signed_message(rec.certificate_number, token, rec.valid_until))}
    return phone_address(token) + "?" + urlencode(params)


@dataclass(frozen=True)
class SignatureCheck:
    """What the phone page says of a scanned signature."""

    valid: bool  # the platform signed exactly these values
    certificate_number: str
    valid_until: date | None
    lapsed: bool  # signed, but the validity it names has passed


def check_signature(product_token, args):
    """The check of the c / v / s parameters of a phone-page address, or None when the address
    carries none (a plain product QR code)."""
    number, until, signature = (args.get(k, "") or "" for k in ("c", "v", "s"))
    if not (number or until or signature):
        return None
    try:
        day = date(int(until[:4]), int(until[4:6]), int(until[6:8])) if len(until) == 8 and until.isdigit() else None
    except ValueError:
        day = None
    number = number[:NUMBER_MAX_LENGTH]
    valid = day is not None and signing.verify(signed_message(number, product_token, day), signature[:200])
    return SignatureCheck(valid, number, day, valid and day < today_shanghai())


# ---------------------------------------------------------------- 证书查询


def certificate_status(rec):
    """有效 / 已过期 / 撤销认定 of a recognition that has a certificate, from its live status."""
    if rec.status == RecognitionStatus.REVOKED:
        return CertificateStatus.REVOKED
    if rec.status == RecognitionStatus.EXPIRED or (rec.valid_until and rec.valid_until < today_shanghai()):
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


def normalise_number(text):
    """A typed certificate number: spaces dropped, full-width letters and digits read, upper case."""
    text = "".join((text or "").split())
    text = "".join(chr(ord(ch) - 0xFEE0) if "！" <= ch <= "～" else ch for ch in text)
    return text.upper()[:NUMBER_MAX_LENGTH]


def find_certificate(number):
    """The recognition a certificate number was issued with (any status: a number that once
    existed always resolves), with its product and unit; None when there is none."""
    number = normalise_number(number)
    if not number:
        return None
    return (Recognition.select(Recognition, Product, Unit).join(Product).join(Unit)
            .where(Recognition.certificate_number == number).first())


@dataclass(frozen=True)
class Certificate:
    """One certificate as 证书查询 shows it."""

    number: str
    status: CertificateStatus
    product_name: str
    model: str
    unit_name: str
    product_token: str
    recognised_on: str
    valid_until: str
    revoked_on: str


def certificate_view(rec):
    return Certificate(
        number=rec.certificate_number, status=certificate_status(rec), product_name=rec.product.name,
        model=rec.product.model or "", unit_name=rec.product.unit.name, product_token=rec.product.token,
        recognised_on=shanghai_time(rec.recognised_at, "%Y-%m-%d"),
        valid_until=rec.valid_until.isoformat() if rec.valid_until else "",
        revoked_on=shanghai_time(rec.revoked_at, "%Y-%m-%d") if rec.revoked_at else "",
    )
