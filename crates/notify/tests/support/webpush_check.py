"""Independent checks of egov-notify's Web Push output (http_ece, cryptography).

Reads one JSON object on stdin and prints one JSON object:
  {"op": "decrypt", "content": b64url, "private_key": b64url (32-byte d), "auth": b64url}
      -> {"plaintext": utf-8 text}          (http_ece.decrypt, version aes128gcm)
  {"op": "vapid", "jwt": "...", "public_key": b64url (65 bytes)}
      -> {"header": {...}, "claims": {...}} (ES256 signature checked, raises if bad)
"""

import base64
import json
import sys

import http_ece
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def main():
    req = json.load(sys.stdin)
    if req["op"] == "decrypt":
        key = ec.derive_private_key(int.from_bytes(b64(req["private_key"]), "big"), ec.SECP256R1())
        plain = http_ece.decrypt(
            b64(req["content"]),
            private_key=key,
            auth_secret=b64(req["auth"]),
            version="aes128gcm",
        )
        print(json.dumps({"plaintext": plain.decode("utf-8")}, ensure_ascii=False))
    elif req["op"] == "vapid":
        header, claims, sig = req["jwt"].split(".")
        raw = b64(sig)
        if len(raw) != 64:
            raise SystemExit("signature is not 64 bytes")
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64(req["public_key"]))
        public.verify(der, (header + "." + claims).encode("ascii"), ec.ECDSA(hashes.SHA256()))
        print(json.dumps({"header": json.loads(b64(header)), "claims": json.loads(b64(claims))}))
    else:
        raise SystemExit("unknown op")


if __name__ == "__main__":
    main()
