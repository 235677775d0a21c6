"""认定证书, its signed QR code and the 认定标识 (manual §七(二)): made after the commit of 认定
by the documents job, again only when their data changes; the QR code's signature checks out
against the platform's published key, and a tampered or lapsed one says so."""

import io
import re
import secrets
import shutil
import subprocess
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import ARTIFACTS
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import Flask
from PIL import Image
from test_public_products import filed_product, recognition

import jobs
import workflows
from app import create_app
from domain.recognition import certificates
from domain.recognition import documents as recognition_documents
from infra import signing, storage
from models import Recognition, StoredFile, Unit, today_shanghai

pytestmark = pytest.mark.usefixtures("fixed_clock")


def recognised(make, **product):
    return recognition(filed_product(make, **product), make, to="recognised")


def pdf_text(data, tmp_path):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def test_recognition_makes_the_certificate_qr_code_and_mark_after_the_commit(make, tmp_path):
    rec = Recognition.get_by_id(recognised(make, name="智能温控阀门", model="ZV-300").id)
    assert rec.certificate_number.startswith(f"ZLCP{today_shanghai().year}")
    assert recognition_documents.ready(rec)

    text = pdf_text(storage.read(rec.certificate_file), tmp_path)
    assert "专利密集型产品认定证书" in text
    assert "智能温控阀门" in text and "ZV-300" in text and rec.certificate_number in text
    assert rec.product.unit.name in text and rec.valid_until.isoformat() in text

    assert rec.certificate_file.kind == "pdf" and rec.certificate_file.owner_id == rec.product.unit.user_id
    assert not rec.certificate_file.public
    png = Image.open(io.BytesIO(storage.read(rec.qr_file)))
    assert png.width >= 400  # print-ready
    mark = Image.open(io.BytesIO(storage.read(rec.mark_file)))
    assert mark.height > mark.width >= 1000
    svg = storage.read(rec.qr_svg_file).decode()
    assert svg.startswith("<?xml") and "<path" in svg
    assert rec.certificate_number in storage.read(rec.mark_svg_file).decode()
    ARTIFACTS.mkdir(exist_ok=True)  # to look at: pdftoppm -png test-artifacts/certificate.pdf
    for name, stored in (("certificate.pdf", rec.certificate_file), ("mark.png", rec.mark_file),
                         ("mark.svg", rec.mark_svg_file), ("qr.png", rec.qr_file)):
        (ARTIFACTS / name).write_bytes(storage.read(stored))


def test_documents_are_made_again_only_when_their_data_changes(make):
    rec = recognised(make)
    first = Recognition.get_by_id(rec.id)
    assert recognition_documents.generate(rec.id) == "unchanged"
    assert recognition_documents.generate(rec.id) == "unchanged"
    again = Recognition.get_by_id(rec.id)
    assert [getattr(again, f"{n}_id") for n in recognition_documents.FILES] == \
        [getattr(first, f"{n}_id") for n in recognition_documents.FILES]

    Unit.update(name="更名后的科技有限公司").where(Unit.id == first.product.unit_id).execute()
    files_before = StoredFile.select().count()
    assert recognition_documents.generate(rec.id) == "made"
    renamed = Recognition.get_by_id(rec.id)
    assert renamed.certificate_file_id != first.certificate_file_id
    assert StoredFile.select().count() == files_before  # the old five are gone
    assert StoredFile.get_or_none(StoredFile.id == first.certificate_file_id) is None
    assert renamed.documents_digest != first.documents_digest


def test_a_product_in_notice_gets_no_documents(make):
    rec = recognition(filed_product(make), make, to="notice")
    assert recognition_documents.generate(rec.id) == "skipped"
    assert not recognition_documents.ready(Recognition.get_by_id(rec.id))


def test_missing_documents_are_asked_for_again(make):
    rec = Recognition.get_by_id(recognised(make).id)
    Recognition.update(certificate_file=None).where(Recognition.id == rec.id).execute()
    rec = Recognition.get_by_id(rec.id)
    assert recognition_documents.ensure(rec) is False  # the job is queued (sync in tests: done)
    assert recognition_documents.ready(Recognition.get_by_id(rec.id))


# ---------------------------------------------------------------- the signed QR code


def qr_address(rec):
    return certificates.signed_url(Recognition.get_by_id(rec.id))


def test_the_qr_code_carries_the_phone_page_and_a_signature_the_published_key_verifies(client, make, app):
    rec = recognised(make)
    url = qr_address(rec)
    parts = urlsplit(url)
    assert url.startswith(app.config["SITE_URL"] + "/m/" + rec.product.token + "?")
    args = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert args["c"] == rec.certificate_number and args["v"] == f"{rec.valid_until:%Y%m%d}"

    published = client.get("/.well-known/zlcp-certificate-key")
    assert published.status_code == 200
    key = published.get_json()
    assert key["jwk"]["kty"] == "OKP" and key["jwk"]["crv"] == "Ed25519"
    public = serialization.load_pem_public_key(key["pem"].encode())
    raw = signing.from_b64url(key["jwk"]["x"])
    assert public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == raw
    message = key["message_format"].format(c=args["c"], t=rec.product.token, v=args["v"])
    Ed25519PublicKey.from_public_bytes(raw).verify(signing.from_b64url(args["s"]), message.encode())  # offline

    pem = client.get("/.well-known/zlcp-certificate-key.pem")
    assert pem.status_code == 200 and pem.get_data(as_text=True) == key["pem"]


def test_signature_valid_tampered_and_lapsed(make, time_machine):
    rec = recognised(make)
    token = rec.product.token
    args = {k: v[0] for k, v in parse_qs(urlsplit(qr_address(rec)).query).items()}
    check = certificates.check_signature(token, args)
    assert check.valid and not check.lapsed

    later = (rec.valid_until + timedelta(days=1)).strftime("%Y%m%d")
    assert not certificates.check_signature(token, {**args, "v": later}).valid  # validity stretched
    assert not certificates.check_signature(token, {**args, "c": "ZLCP2026999999"}).valid
    assert not certificates.check_signature("x" * 24, args).valid  # another product's page
    sig = args["s"]
    flipped = sig[:10] + ("B" if sig[10] != "B" else "C") + sig[11:]  # another signature of 64 bytes
    assert not certificates.check_signature(token, {**args, "s": flipped}).valid
    # the last character carries 4 bits and 2 unused ones: the same bytes spelt otherwise are refused
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelt = sig[:-1] + alphabet[alphabet.index(sig[-1]) ^ 1]
    assert not certificates.check_signature(token, {**args, "s": respelt}).valid
    assert not certificates.check_signature(token, {**args, "s": "not base64!"}).valid
    assert not certificates.check_signature(token, {**args, "v": "20271399"}).valid
    assert certificates.check_signature(token, {}) is None

    time_machine.move_to(date.fromordinal(rec.valid_until.toordinal() + 1).isoformat() + "T12:00+08:00")
    lapsed = certificates.check_signature(token, args)
    assert lapsed.valid and lapsed.lapsed


def test_production_refuses_to_start_without_a_signing_key(tmp_path, monkeypatch):
    monkeypatch.setenv("ZLCP_INSTANCE_PATH", str(tmp_path))
    config = {"SECRET_KEY": secrets.token_hex(16), "SECURITY_PASSWORD_SALT": secrets.token_hex(16),
              "SECURITY_TOTP_SECRETS": {"1": secrets.token_hex(32)}, "DEVELOPMENT": False, "TESTING": False,
              "SIGNING_KEY": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    with pytest.raises(signing.SigningKeyMissing, match="ZLCP_SIGNING_KEY"):
        create_app(config)
    assert not (tmp_path / signing.GENERATED_KEY_FILE).exists()  # nothing made up

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    configured = Flask("signing-key-check", instance_path=str(tmp_path))  # (a second create_app would
    configured.config.update(SIGNING_KEY=pem)  # take over the tests' database binding)
    signing.init_app(configured)
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert configured.extensions[signing.EXTENSION].public_key().public_bytes(*raw) == \
        key.public_key().public_bytes(*raw)


def test_the_documents_job_is_on_the_docs_queue_and_named_by_the_recognise_transition():
    assert jobs.queue_of(recognition_documents.JOB) == "docs"
    recognise = workflows.find_transition("recognition", workflows.RecognitionStatus.NOTICE, "recognise")
    assert recognition_documents.JOB in recognise.jobs


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils")
def test_the_certificate_is_one_a4_portrait_page(make, tmp_path):
    rec = Recognition.get_by_id(recognised(make).id)
    path = tmp_path / "c.pdf"
    path.write_bytes(storage.read(rec.certificate_file))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\b", info)
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert (round(width), round(height)) == (595, 842)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "zlcp-cjk" in fonts.lower() or "wenquanyi" in fonts.lower()
