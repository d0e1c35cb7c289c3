"""A push service on loopback for the push tests: it does what a browser's push service and
the browser do with what we send, no external service involved.

- ``LocalPushService`` is a real HTTP server (``http.server`` in a thread) on a free
  loopback port. Each ``Device`` has a P-256 key pair and an auth secret made by the test
  (what a browser makes when it subscribes) and an endpoint ``/push/<token>`` here.
- A POST is checked like a push service checks it (RFC 8292): the ``Authorization: vapid
  t=<JWT>, k=<key>`` header, the JWT signed (ES256) by the site's VAPID key, ``aud`` the
  endpoint's origin, ``exp`` ahead, ``sub`` a mailto:; and decrypted like the browser does
  (RFC 8291, aes128gcm, with ``http_ece``, the library pywebpush encrypts with) with the
  device's private key and auth secret. It answers 201, or what the test told the device to
  answer (410 for a subscription that is gone).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Device:
    """What a browser keeps for one push subscription."""

    token: str
    service: LocalPushService
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    answer: int = 201

    @property
    def endpoint(self) -> str:
        return f"{self.service.origin}/push/{self.token}"

    @property
    def p256dh(self) -> str:
        return b64(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def subscription(self) -> dict[str, Any]:
        """As ``PushSubscription.toJSON()`` gives it in the browser."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64(self.auth)},
        }


@dataclass
class Delivery:
    token: str
    status: int
    payload: dict[str, Any] | None
    headers: dict[str, str]
    claims: dict[str, Any]


class LocalPushService:
    def __init__(self, vapid_public_key: str) -> None:
        self.vapid_public_key = vapid_public_key
        self.devices: dict[str, Device] = {}
        self.deliveries: list[Delivery] = []
        self.problems: list[str] = []
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = service._receive(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LocalPushService:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def device(self) -> Device:
        device = Device(token=secrets.token_urlsafe(12), service=self)
        self.devices[device.token] = device
        return device

    def received(self, device: Device | None = None) -> list[Delivery]:
        with self.lock:
            return [
                d
                for d in self.deliveries
                if d.status == 201 and (device is None or d.token == device.token)
            ]

    # -- what a push service and the browser check -------------------------------------------

    def _receive(self, path: str, headers: dict[str, str], body: bytes) -> int:
        token = path.rsplit("/", 1)[-1]
        device = self.devices.get(token)
        if device is None:
            return self._problem(404, f"unknown endpoint {path}")
        lower = {k.lower(): v for k, v in headers.items()}
        try:
            claims = self._vapid_claims(lower.get("authorization", ""))
        except (ValueError, KeyError, InvalidSignature) as exc:
            return self._problem(401, f"VAPID: {exc!r}")
        if lower.get("content-encoding") != "aes128gcm" or "ttl" not in lower:
            return self._problem(400, f"headers: {lower}")
        payload = None
        if device.answer == 201:
            import http_ece

            try:
                plain = http_ece.decrypt(
                    body,
                    private_key=device.private_key,
                    auth_secret=device.auth,
                    version="aes128gcm",
                )
                payload = json.loads(plain)
            except Exception as exc:
                return self._problem(400, f"decryption: {exc!r}")
        with self.lock:
            self.deliveries.append(Delivery(token, device.answer, payload, lower, claims))
        return device.answer

    def _problem(self, status: int, text: str) -> int:
        with self.lock:
            self.problems.append(text)
        return status

    def _vapid_claims(self, authorization: str) -> dict[str, Any]:
        scheme, _space, rest = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError(f"not a vapid authorization: {authorization[:20]!r}")
        fields = dict(part.strip().split("=", 1) for part in rest.split(","))
        if fields["k"] != self.vapid_public_key:
            raise ValueError("k is not the site's VAPID public key")
        head, claims_part, signature = fields["t"].split(".")
        header = json.loads(unb64(head))
        if header.get("alg") != "ES256":
            raise ValueError(f"alg {header.get('alg')}")
        raw = unb64(signature)
        public = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), unb64(self.vapid_public_key)
        )
        public.verify(
            encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
            f"{head}.{claims_part}".encode(),
            ec.ECDSA(hashes.SHA256()),
        )
        claims = json.loads(unb64(claims_part))
        if claims["aud"] != self.origin:
            raise ValueError(f"aud {claims['aud']} is not {self.origin}")
        if int(claims["exp"]) <= time.time():
            raise ValueError("expired")
        if not str(claims["sub"]).startswith("mailto:"):
            raise ValueError(f"sub {claims['sub']}")
        return claims
