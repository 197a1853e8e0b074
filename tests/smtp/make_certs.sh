#!/usr/bin/env bash
# Throwaway test PKI for tests/smtp/server.py, valid 30 days, EC P-256 keys:
#   DIR/ca.pem        test CA (CA:TRUE, keyCertSign)
#   DIR/server.pem    leaf for localhost / 127.0.0.1, signed by ca.pem
#   DIR/server.key    its key (PKCS#8, unencrypted)
#   DIR/other-ca.pem  an unrelated CA, for "certificate not trusted" tests
# Usage: tests/smtp/make_certs.sh DIR
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/ca.ext" <<'CONF'
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
CONF

cat >"$work/server.ext" <<'CONF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
CONF

# quiet CMD...: run CMD, show its output only if it fails.
quiet() {
    local out
    if ! out=$("$@" 2>&1); then
        printf '%s\n' "$out" >&2
        return 1
    fi
}

key() { quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

# ca NAME SUBJECT: self-signed CA certificate NAME.pem with key in $work/NAME.key
ca() {
    key "$work/$1.key"
    quiet openssl req -new -key "$work/$1.key" -subj "$2" -out "$work/$1.csr"
    quiet openssl x509 -req -in "$work/$1.csr" -signkey "$work/$1.key" -days 30 \
        -set_serial "0x$(openssl rand -hex 16)" -extfile "$work/ca.ext" \
        -out "$dir/$1.pem"
}

ca ca "/CN=Appeal Desk Test CA"
ca other-ca "/CN=Unrelated Test CA"

key "$dir/server.key"
quiet openssl req -new -key "$dir/server.key" -subj "/CN=localhost" -out "$work/server.csr"
quiet openssl x509 -req -in "$work/server.csr" -CA "$dir/ca.pem" -CAkey "$work/ca.key" \
    -days 30 -set_serial "0x$(openssl rand -hex 16)" -extfile "$work/server.ext" \
    -out "$dir/server.pem"
chmod 600 "$dir/server.key"
