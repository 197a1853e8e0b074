"""Loopback SMTP server for Appeal Desk's Rust tests.

Usage:
    /usr/bin/python3 tests/smtp/server.py --port 0 --record DIR
        [--mode accept|faults] [--tls-cert FILE --tls-key FILE]
        [--auth USER:PASS] [--implicit-tls]

Needs Debian's python3 and python3-aiosmtpd (1.4.x); nothing else.

The server listens on 127.0.0.1 (port 0 picks a free port). Once it accepts
connections it prints exactly one line, ``READY <port>``, to stdout and
prints nothing more there; diagnostics go to stderr. SIGTERM or SIGINT stops
it with exit status 0.

Transport security
    --tls-cert/--tls-key   offer STARTTLS and require it before MAIL/AUTH
                           (530 otherwise).
    --implicit-tls         with the cert and key: TLS from the first byte
                           (SMTPS, like port 465); no STARTTLS then.
    --auth USER:PASS       require AUTH PLAIN or LOGIN before MAIL; wrong
                           credentials get "535 5.7.8 Authentication
                           credentials invalid". With TLS configured, AUTH is
                           only offered and accepted once TLS is up.

Recording (every mode)
    Each accepted message is written to DIR/<n>.eml (n = 000001, 000002, ...
    in arrival order, the bytes as received after dot-unstuffing), then one
    line is appended and flushed to DIR/log.jsonl:
        {"n": 1, "mail_from": "...", "rcpt": ["..."],
         "message_id": "<...>" or null, "size": 1234, "queue_id": "...",
         "arrived": <seconds on this machine's monotonic clock>,
         "ehlo": <EHLO commands on this letter's connection so far>}
    The .eml is complete before its log line is written. Numbering continues
    after the highest DIR/*.eml already present, so a restarted server can
    share DIR. The final dot is answered with
        250 2.0.0 Ok: queued as <12 uppercase hex digits, unique per message>

--mode accept (default): every message is accepted.

--mode faults: the behaviour is chosen by each recipient's local part (the
part before the last "@", case-insensitive prefix). Counters are kept per
recipient address (lower-cased) across connections, for the life of the
process:
    temp...      RCPT gets "451 4.3.0 Try again later" the first 2 times
                 for that address; the 3rd attempt is accepted.
    perm...      RCPT always gets "550 5.1.1 <addr>: Recipient address
                 rejected: User unknown".
    drop...      the first time the address reaches DATA the server replies
                 354, reads the first line of data and then aborts the
                 connection without a reply; nothing is recorded. Later
                 attempts are accepted.
    slow...      the reply to the final dot comes 2 seconds late (every
                 time); the message is accepted.
    throttle...  the first time the address is seen at RCPT the server
                 replies "421 4.7.0 Too many messages, slow down" and closes
                 the connection; later attempts are accepted.
    anything else is accepted.
Each fault injected appends {"rcpt": "...", "fault": "temp|perm|drop|slow|
throttle"} to DIR/faults.jsonl (flushed).
"""

import argparse
import asyncio
import collections
import json
import logging
import os
import re
import secrets
import signal
import time
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, TLSSetupException

log = logging.getLogger("smtp-server")

HOST = "127.0.0.1"
SLOW_SECONDS = 2.0
TEMP_FAILURES = 2
MESSAGE_ID = re.compile(rb"^message-id[ \t]*:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.I | re.M)
FOLD = re.compile(rb"\r?\n(?=[ \t])")


def message_id(data: bytes):
    """The Message-ID header's value (unfolded, stripped) or None."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        end = data.find(b"\n\n")
    head = data if end < 0 else data[: end + 2]
    m = MESSAGE_ID.search(head)
    if m is None:
        return None
    return FOLD.sub(b"", m.group(1)).strip().decode("utf-8", "replace")


def fault_kind(address: str):
    local = address.rpartition("@")[0] if "@" in address else address
    local = local.lower()
    for kind in ("temp", "perm", "drop", "slow", "throttle"):
        if local.startswith(kind):
            return kind
    return None


def append_only(path: str) -> int:
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)


def write_record(fd: int, record: dict):
    """One JSON line in one write(2) on an O_APPEND descriptor, so a killed server leaves
    whole lines. Readers still take only lines whose newline is written: a reader racing the
    write can see part of a line that crosses a page of the file."""
    line = (json.dumps(record) + "\n").encode("utf-8")
    written = os.write(fd, line)
    assert written == len(line), "a short write to a local log file"


class Recorder:
    """aiosmtpd handler: records messages, and injects faults if asked."""

    def __init__(self, directory: str, faults: bool, credentials):
        os.makedirs(directory, exist_ok=True)
        self.dir = directory
        self.faults = faults
        self.credentials = credentials
        existing = [int(f[:-4]) for f in os.listdir(directory)
                    if f.endswith(".eml") and f[:-4].isdigit()]
        self.n = max(existing, default=0)
        self.queue_prefix = secrets.randbits(24)
        self.log = append_only(os.path.join(directory, "log.jsonl"))
        self.fault_log = append_only(os.path.join(directory, "faults.jsonl"))
        self.temp_seen = collections.Counter()
        self.throttled = set()
        self.dropped = set()

    def close(self):
        os.close(self.log)
        os.close(self.fault_log)

    def note_fault(self, rcpt: str, fault: str):
        write_record(self.fault_log, {"rcpt": rcpt, "fault": fault})

    # --- AUTH (aiosmtpd "authenticator" callable) ---

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == self.credentials
        # handled=False + no message: aiosmtpd replies 535 5.7.8 on failure.
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    # --- aiosmtpd hooks ---

    async def handle_exception(self, error):
        # A failed TLS handshake is expected in "untrusted certificate" tests:
        # one line instead of a traceback. aiosmtpd then closes the connection.
        if isinstance(error, TLSSetupException):
            log.warning("TLS handshake failed: %r", error.__cause__)
        else:
            log.exception("SMTP session exception")
        return f"500 Error: ({type(error).__name__}) {error}"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname  # this hook's job in aiosmtpd 1.4
        if self.credentials is None:  # no --auth: don't offer AUTH at all
            responses = [r for r in responses if not r.startswith("250-AUTH")]
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        kind = fault_kind(address) if self.faults else None
        key = address.lower()
        if kind == "perm":
            self.note_fault(address, "perm")
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if kind == "temp":
            self.temp_seen[key] += 1
            if self.temp_seen[key] <= TEMP_FAILURES:
                self.note_fault(address, "temp")
                return "451 4.3.0 Try again later"
        if kind == "throttle" and key not in self.throttled:
            self.throttled.add(key)
            self.note_fault(address, "throttle")
            # The reply is written before this callback runs; close() flushes it.
            server.loop.call_soon(server.transport.close)
            return "421 4.7.0 Too many messages, slow down"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    def take_drop(self, rcpts):
        """Recipients whose first DATA should be dropped (marks them)."""
        victims = [r for r in rcpts
                   if fault_kind(r) == "drop" and r.lower() not in self.dropped]
        for r in victims:
            self.dropped.add(r.lower())
            self.note_fault(r, "drop")
        return victims

    async def handle_DATA(self, server, session, envelope):
        if self.faults:
            slow = [r for r in envelope.rcpt_tos if fault_kind(r) == "slow"]
            if slow:
                for r in slow:
                    self.note_fault(r, "slow")
                await asyncio.sleep(SLOW_SECONDS)
        data = envelope.original_content
        # No await from here on: numbering and both writes are atomic.
        self.n += 1
        n = self.n
        queue_id = f"{self.queue_prefix:06X}{n & 0xFFFFFF:06X}"
        with open(os.path.join(self.dir, f"{n:06d}.eml"), "wb") as f:
            f.write(data)
        write_record(self.log, {
            "n": n,
            "mail_from": envelope.mail_from,
            "rcpt": envelope.rcpt_tos,
            "message_id": message_id(data),
            "size": len(data),
            "queue_id": queue_id,
            "arrived": time.monotonic(),
            "ehlo": getattr(server, "ehlo_count", 0),
        })
        return f"250 2.0.0 Ok: queued as {queue_id}"


class TestSMTP(SMTP):
    # aiosmtpd's defaults are "User Name\0" / "Password\0"; use the usual ones.
    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    async def smtp_EHLO(self, hostname):
        # Counted per connection (STARTTLS keeps this protocol object): each letter's
        # record says how many EHLOs its connection had sent by then.
        self.ehlo_count = getattr(self, "ehlo_count", 0) + 1
        await super().smtp_EHLO(hostname)

    async def smtp_DATA(self, arg):
        handler = self.event_handler
        if (handler.faults and not arg and self.envelope.rcpt_tos
                and self.session.host_name
                and (not self._auth_required or self.session.authenticated)
                and handler.take_drop(self.envelope.rcpt_tos)):
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            try:
                await asyncio.wait_for(self._reader.readuntil(b"\r\n"), 10)
            except Exception:
                pass
            # Abort the TCP connection itself (under TLS if STARTTLS was used).
            (self._original_transport or self.transport).abort()
            # Ends this connection's command loop (aiosmtpd closes the writer).
            raise asyncio.CancelledError
        await super().smtp_DATA(arg)


def parse_args():
    p = argparse.ArgumentParser(description="Loopback SMTP server for tests.")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--record", required=True, metavar="DIR")
    p.add_argument("--mode", choices=("accept", "faults"), default="accept")
    p.add_argument("--tls-cert", metavar="FILE")
    p.add_argument("--tls-key", metavar="FILE")
    p.add_argument("--auth", metavar="USER:PASS")
    p.add_argument("--implicit-tls", action="store_true")
    a = p.parse_args()
    if bool(a.tls_cert) != bool(a.tls_key):
        p.error("--tls-cert and --tls-key go together")
    if a.implicit_tls and not a.tls_cert:
        p.error("--implicit-tls needs --tls-cert and --tls-key")
    if a.auth is not None and ":" not in a.auth:
        p.error("--auth takes USER:PASS")
    return a


async def serve(a):
    credentials = None
    if a.auth is not None:
        user, _, password = a.auth.partition(":")
        credentials = (user.encode(), password.encode())
    handler = Recorder(a.record, a.mode == "faults", credentials)

    tls = None
    if a.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(a.tls_cert, a.tls_key)

    smtp_kwargs = dict(
        hostname="localhost",  # else aiosmtpd calls socket.getfqdn() per connection
        enable_SMTPUTF8=True,
        auth_required=credentials is not None,
        authenticator=handler.authenticate,
    )
    if a.implicit_tls:
        # aiosmtpd only counts STARTTLS as "TLS is up", so with TLS from the
        # first byte auth_require_tls must be off for AUTH to be offered.
        smtp_kwargs.update(auth_require_tls=False)
    elif tls:
        smtp_kwargs.update(tls_context=tls, require_starttls=True, auth_require_tls=True)
    else:
        smtp_kwargs.update(auth_require_tls=False)  # plain AUTH, tests only

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: TestSMTP(handler, loop=loop, **smtp_kwargs),
        host=HOST, port=a.port, ssl=tls if a.implicit_tls else None,
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"READY {port}\n")
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        server.close()
        handler.close()


def main():
    a = parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(name)s: %(levelname)s: %(message)s")
    # aiosmtpd warns on every connection (AUTH without STARTTLS, deprecated
    # login_data); keep errors only.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    asyncio.run(serve(a))
    return 0


if __name__ == "__main__":
    sys.exit(main())
