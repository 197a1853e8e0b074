#!/usr/bin/env python3
"""Verifies the DKIM signature of every message in a folder with dkimpy (Debian's
python3-dkim), an implementation independent of the one that signed them.

    dkim_verify.py DIR KEY_FILE SELECTOR DOMAIN

The public key is taken from the private KEY_FILE with openssl and served to dkimpy as the
TXT record SELECTOR._domainkey.DOMAIN would hold, so no DNS is asked. Prints one JSON object:
{"verified": N, "failed": [{"file": ..., "why": ...}], "signed_headers": [...]}; exits 0.
"""
import base64
import email
import json
import os
import subprocess
import sys

import dkim


def txt_record(key_file: str) -> bytes:
    der = subprocess.run(
        ["openssl", "pkey", "-in", key_file, "-pubout", "-outform", "DER"],
        check=True, capture_output=True,
    ).stdout
    algorithm = subprocess.run(
        ["openssl", "pkey", "-in", key_file, "-noout", "-text"],
        check=True, capture_output=True, text=True,
    ).stdout
    if "ED25519" in algorithm.upper():
        # RFC 8463: the bare 32-byte public key, the last bytes of its SubjectPublicKeyInfo.
        return b"v=DKIM1; k=ed25519; p=" + base64.b64encode(der[-32:])
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def main():
    folder, key_file, selector, domain = sys.argv[1:5]
    record = txt_record(key_file)
    expected = f"{selector}._domainkey.{domain}.".encode()

    def dnsfunc(name, timeout=5):
        return record if name.rstrip(b".") + b"." == expected else None

    verified, failed, signed = 0, [], set()
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".eml"):
            continue
        raw = open(os.path.join(folder, name), "rb").read()
        d = dkim.DKIM(raw)
        try:
            ok = d.verify(dnsfunc=dnsfunc)
            why = "" if ok else "the signature does not verify"
        except dkim.DKIMException as e:
            ok, why = False, str(e)
        if ok:
            verified += 1
            header = email.message_from_bytes(raw).get("DKIM-Signature", "")
            tags = dict(t.strip().split("=", 1) for t in "".join(header.split()).split(";") if "=" in t)
            signed.update(h.lower() for h in tags.get("h", "").split(":") if h)
        else:
            failed.append({"file": name, "why": why})
    print(json.dumps({"verified": verified, "failed": failed, "signed_headers": sorted(signed)}))


if __name__ == "__main__":
    main()
