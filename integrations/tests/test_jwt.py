"""signed_payload_jwt verification: one valid token built as BigCommerce (and the sandbox)
builds it, then every way a token must be refused."""

import base64
import json
import time
import uuid

import jwt
import pytest

from integrations.bigcommerce.api.signed_payload import InvalidSignedPayload, SignedPayload, verify_signed_payload

CLIENT_ID = "test-client-id-0123456789"
SECRET = "test-client-secret-" + "0123456789abcdef" * 4


def claims(**overrides):
    now = int(time.time())
    base = {
        "aud": CLIENT_ID,
        "iss": "bc",
        "iat": now,
        "nbf": now - 5,
        "exp": now + 24 * 3600,
        "jti": str(uuid.uuid4()),
        "sub": "stores/abc123",
        "user": {"id": 24654, "email": "merchant@example.com", "locale": "fr-FR"},
        "owner": {"id": 12345, "email": "owner@example.com"},
        "url": "/",
        "channel_id": None,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not ...}


def sign(payload, key=SECRET, algorithm="HS256", headers=None):
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def verify(token, **kwargs):
    return verify_signed_payload(token, client_id=CLIENT_ID, client_secret=SECRET, **kwargs)


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_valid_payload_gives_the_store_user_owner_and_jti():
    payload = claims(channel_id=1, url="/products")
    result = verify(sign(payload))
    assert isinstance(result, SignedPayload)
    assert result.store_hash == "abc123"
    assert (result.user_id, result.user_email, result.user_locale) == (24654, "merchant@example.com", "fr-FR")
    assert (result.owner_id, result.owner_email) == (12345, "owner@example.com")
    assert result.jti == payload["jti"]
    assert result.url == "/products"
    assert result.channel_id == 1
    assert not result.user_is_owner


def test_settings_give_the_default_client_id_and_secret(settings):
    settings.BIGCOMMERCE_CLIENT_ID = CLIENT_ID
    settings.BIGCOMMERCE_CLIENT_SECRET = SECRET
    assert verify_signed_payload(sign(claims())).store_hash == "abc123"


def test_small_clock_skew_is_tolerated():
    now = int(time.time())
    result = verify(sign(claims(iat=now + 10, nbf=now + 10)))
    assert result.store_hash == "abc123"


@pytest.mark.parametrize(
    ("token_factory", "reason"),
    [
        (lambda: sign(claims(), key="another-secret-of-sufficient-length-0123456789"), "signature"),
        (lambda: sign(claims(aud="someone-else")), "audience"),
        (lambda: sign(claims(iss="not-bc")), "issuer"),
        (
            lambda: sign(
                claims(exp=int(time.time()) - 3600, iat=int(time.time()) - 90000, nbf=int(time.time()) - 90000)
            ),
            "expired",
        ),
        (lambda: sign(claims(nbf=int(time.time()) + 3600)), "not_yet_valid"),
        (lambda: sign(claims(sub="customers/1")), "subject"),
        (lambda: sign(claims(sub="stores/")), "subject"),
        (lambda: sign(claims(jti=...)), "missing_claim"),
        (lambda: sign(claims(exp=...)), "missing_claim"),
        (lambda: sign(claims(nbf=...)), "missing_claim"),
        (lambda: sign(claims(iat=...)), "missing_claim"),
        (lambda: sign(claims(sub=...)), "missing_claim"),
        (lambda: sign(claims(channel_id="1")), "claims"),
    ],
    ids=[
        "wrong-key",
        "wrong-audience",
        "wrong-issuer",
        "expired",
        "not-yet-valid",
        "bad-subject",
        "empty-store-hash",
        "no-jti",
        "no-exp",
        "no-nbf",
        "no-iat",
        "no-sub",
        "channel-not-int",
    ],
)
def test_refused(token_factory, reason):
    with pytest.raises(InvalidSignedPayload) as caught:
        verify(token_factory())
    assert caught.value.reason == reason


def test_alg_none_is_refused():
    token = b64({"alg": "none", "typ": "JWT"}) + "." + b64(claims()) + "."
    with pytest.raises(InvalidSignedPayload) as caught:
        verify(token)
    assert caught.value.reason == "algorithm"


def test_hs512_with_the_right_key_is_still_refused():
    with pytest.raises(InvalidSignedPayload) as caught:
        verify(sign(claims(), algorithm="HS512"))
    assert caught.value.reason == "algorithm"


def test_header_claiming_hs256_over_another_signature_is_refused():
    good = sign(claims())
    other = sign(claims(), algorithm="HS512")
    forged = good.rsplit(".", 1)[0] + "." + other.rsplit(".", 1)[1]
    with pytest.raises(InvalidSignedPayload) as caught:
        verify(forged)
    assert caught.value.reason == "signature"


def test_tampered_claims_are_refused():
    header, _, signature = sign(claims()).split(".")
    forged = ".".join([header, b64(claims(sub="stores/victim")), signature])
    with pytest.raises(InvalidSignedPayload) as caught:
        verify(forged)
    assert caught.value.reason == "signature"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c",
        "....",
        "eyJhbGciOiJIUzI1NiJ9.not-base64!.sig",
        None,
        123,
        b64({"alg": "HS256"}) + "." + base64.urlsafe_b64encode(b"[1,2]").decode() + ".x",
    ],
)
def test_malformed_is_refused(token):
    with pytest.raises(InvalidSignedPayload) as caught:
        verify(token)
    assert caught.value.reason in {"malformed", "signature"}


def test_malformed_reason_for_garbage():
    with pytest.raises(InvalidSignedPayload) as caught:
        verify("not-a-jwt")
    assert caught.value.reason == "malformed"


# Correctly signed but out of bounds: refused, never a crash further on --------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": 10**20},
        {"exp": 1e300},
        {"exp": str(int(time.time()) + 3600)},
        {"exp": int(time.time()) + 30 * 86400},
        {"iat": 1e300},
        {"nbf": -(10**15)},
        {"iat": -1},
        {"jti": "j" * 256},
        {"jti": "jti\u0000"},
        {"user": {"id": 1, "email": "a\u0000@b.test"}},
        {"url": "/\u0000"},
        {"user": {"id": 1, "email": "\ud800"}},
        {"extra": [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]},
    ],
    ids=[
        "exp-1e20",
        "exp-1e300",
        "exp-a-string",
        "exp-in-30-days",
        "iat-1e300",
        "nbf-negative",
        "iat-negative",
        "jti-256",
        "jti-nul",
        "email-nul",
        "url-nul",
        "email-surrogate",
        "nested-20",
    ],
)
def test_signed_claims_out_of_bounds_are_refused(overrides):
    with pytest.raises(InvalidSignedPayload) as caught:
        verify(sign(claims(**overrides)))
    assert caught.value.reason in {"claims", "expired", "not_yet_valid", "issued_in_future"}


def test_the_longest_jti_the_database_keeps_is_accepted():
    result = verify(sign(claims(jti="j" * 255)))
    assert result.jti == "j" * 255 and isinstance(result.expires_at, int)


def test_a_deeply_nested_header_or_payload_is_malformed_not_a_crash():
    deep = "[" * 5000 + "]" * 5000
    header = base64.urlsafe_b64encode(('{"alg": "HS256", "x": ' + deep + "}").encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidSignedPayload) as caught:
        verify(header + "." + b64(claims()) + ".sig")
    assert caught.value.reason == "malformed"
