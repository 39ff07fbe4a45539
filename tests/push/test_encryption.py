"""push/encryption.py against RFC 8291 Appendix A, and against http_ece (the
library pywebpush uses) as an independent decrypter."""

from __future__ import annotations

import base64
import json

import http_ece
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from push.encryption import RECORD_SIZE, encrypt, receiver_keys
from push.sender import MAX_PLAINTEXT

# RFC 8291, Appendix A.
PLAINTEXT = b"When I grow up, I want to be a watermelon"
AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
UA_PUBLIC = (
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
)
AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
SALT = "DGv6ra1nlYgDCS1FRnbzlw"
BODY = (
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAm"
    "S6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qu"
    "lcy4a-fN"
)


def b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def private_key(text: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(b64(text), "big"), ec.SECP256R1())


def test_reproduces_rfc_8291_appendix_a_byte_for_byte():
    body = encrypt(
        PLAINTEXT,
        receiver_keys(UA_PUBLIC, AUTH),
        sender_key=private_key(AS_PRIVATE),
        salt=b64(SALT),
    )
    assert body == b64(BODY)


def test_http_ece_decrypts_what_we_send():
    phone = ec.generate_private_key(ec.SECP256R1())
    point = phone.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    auth = b"0123456789abcdef"
    keys = receiver_keys(
        base64.urlsafe_b64encode(point).decode().rstrip("="),
        base64.urlsafe_b64encode(auth).decode().rstrip("="),
    )
    payload = json.dumps({"type": "complaint.routed", "body": "Jalan berlubang é…"}).encode()
    first, second = encrypt(payload, keys), encrypt(payload, keys)
    # A fresh sender key and salt every time: equal messages never look equal.
    assert first != second and first[:16] != second[:16] and first[21:86] != second[21:86]
    for body in (first, second):
        assert http_ece.decrypt(body, private_key=phone, auth_secret=auth, version="aes128gcm") == (
            payload
        )


def test_the_largest_payload_the_sender_allows_fits_one_push():
    keys = receiver_keys(UA_PUBLIC, AUTH)
    assert len(encrypt(b"x" * MAX_PLAINTEXT, keys)) == 4096 == RECORD_SIZE
    with pytest.raises(ValueError):
        encrypt(b"x" * RECORD_SIZE, keys)


def test_a_point_off_the_curve_is_refused():
    off_curve = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).decode().rstrip("=")
    with pytest.raises(ValueError):
        receiver_keys(off_curve, AUTH)
