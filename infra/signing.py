"""The platform's Ed25519 signing key: compact signatures anyone holding the public key can
check offline (the signed QR codes of 认定证书, domain/recognition/certificates.py).

The key is the SIGNING_KEY setting: a PEM text (PKCS#8, unencrypted) or the path of a PEM
file. A development machine (DEVELOPMENT) and the tests (TESTING) without one get a key
generated once and kept in the instance folder (signing-key.pem); anywhere else the app
refuses to start without it, as it refuses config.toml's example secrets — a key made up at
start-up would change with every restart and every worker, and no printed QR code would
verify any more.
"""

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

GENERATED_KEY_FILE = "signing-key.pem"
EXTENSION = "zlcp_signing"


class SigningKeyMissing(RuntimeError):
    pass


def _load(setting):
    """The private key a SIGNING_KEY setting names (PEM text or a file's path)."""
    text = setting.strip()
    data = text.encode() if text.startswith("-----BEGIN") else Path(text).expanduser().read_bytes()
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyMissing("ZLCP_SIGNING_KEY 必须是 Ed25519 私钥（PEM）")
    return key


def _generated(instance_path):
    """Development and tests: a key made once and kept in the instance folder."""
    path = Path(instance_path) / GENERATED_KEY_FILE
    if path.exists():
        return _load(str(path))
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    tmp.replace(path)
    return key


def init_app(app):
    """Load the signing key, or refuse to start without one outside development and tests."""
    setting = app.config.get("SIGNING_KEY") or ""
    if setting:
        key = _load(setting)
    elif app.config.get("DEVELOPMENT") or app.config.get("TESTING"):
        key = _generated(app.instance_path)
    else:
        raise SigningKeyMissing(
            "缺少证书签名密钥：请将 ZLCP_SIGNING_KEY 设为 Ed25519 私钥"
            "（PEM 文本或文件路径，见 README 的 Production 一节）；"
            "开发环境请设置 ZLCP_DEVELOPMENT=true。")
    app.extensions[EXTENSION] = key


def _key():
    return current_app.extensions[EXTENSION]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(message):
    """The signature of `message` (text) as base64url without padding (86 characters)."""
    return b64url(_key().sign(message.encode()))


def verify(message, signature):
    """True when `signature` (base64url) is the platform key's signature of `message`."""
    try:
        raw = from_b64url(signature)
    except (ValueError, TypeError):
        return False
    if len(raw) != 64 or b64url(raw) != signature:  # one spelling per signature (unused bits zero)
        return False
    try:
        _key().public_key().verify(raw, message.encode())
    except InvalidSignature:
        return False
    return True


def public_raw():
    return _key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem():
    return _key().public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_id():
    """A short name of the public key (the first 16 hex digits of its SHA-256)."""
    return hashlib.sha256(public_raw()).hexdigest()[:16]


def public_jwk():
    """The public key as a JSON Web Key (RFC 8037: OKP / Ed25519)."""
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(public_raw()), "kid": key_id(), "use": "sig",
            "alg": "EdDSA"}
