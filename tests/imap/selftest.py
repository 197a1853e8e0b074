"""Checks tests/imap/server.py end to end with Python's imaplib.

Usage:
    /usr/bin/python3 tests/imap/selftest.py [--rounds N] [--keep]

Needs what server.py needs (Debian's dovecot-imapd) and openssl (for
tests/smtp/make_certs.sh). Stdlib only. Each round starts the server in both
modes (implicit TLS, then --starttls) in a fresh temporary directory and
checks, over TLS verified against the test CA: LOGIN, delivery of three
messages from tests/fixtures/mailbox/ into Maildir/new (SELECT sees 3),
SEARCH, FETCH of a body (the bytes delivered, with CRLF line ends), the "/"
separator, CREATE "Processed" and "Appeal Desk/Processed", UID MOVE (with
COPYUID), STORE \\Seen, a message delivered while selected (NOOP sees it),
LOGOUT; a wrong password (NO [AUTHENTICATIONFAILED], fast, twice); an
untrusted CA (refused); with --starttls, LOGIN before STARTTLS refused. Then
SIGTERM: exit status 0 and no Dovecot process left. The first round also
restarts the server on the same directory (the mail is still there) and
kills one with SIGKILL (its Dovecot goes away by itself).

Prints one line per check failed, the startup and stop times, and ends with
"selftest: N passed, M failed"; exits 0 when nothing failed. --keep leaves
the temporary directories (their path is printed) for a look at the logs.
"""

import argparse
import imaplib
import os
import re
import selectors
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SERVER = os.path.join(HERE, "server.py")
MAKE_CERTS = os.path.join(ROOT, "tests", "smtp", "make_certs.sh")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "mailbox")
PYTHON = "/usr/bin/python3"

ADDRESS = "letters@free-n.example.org"
PASSWORD = "c0rrect: horse battery"  # a ":" and a space on purpose
SUPPORTER = "marta.lindqvist@example.net"
LETTER_ID = "<appeal.1.19a2b3c4d5e.00000001.a1b2c3d4e5f6@free-n.example.org>"
FOLDER = "Appeal Desk/Processed"

passed = 0
failed = 0
startups = []
stops = []


def check(name: str, ok: bool, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail != "" else ""), flush=True)
    return ok


def render(name: str) -> bytes:
    with open(os.path.join(FIXTURES, name), "rb") as f:
        raw = f.read()
    for key, value in ((b"{{MESSAGE_ID}}", LETTER_ID), (b"{{TO}}", SUPPORTER),
                       (b"{{FROM}}", ADDRESS)):
        raw = raw.replace(key, value.encode())
    return raw


def deliver(maildir: str, data: bytes, n: int) -> str:
    name = f"{time.time_ns()}.{n}.test"
    tmp = os.path.join(maildir, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.rename(tmp, os.path.join(maildir, "new", name))
    return name


def crlf(data: bytes) -> bytes:
    return re.sub(rb"\r?\n", b"\r\n", data)


class Server:
    def __init__(self, directory: str, certs: str, starttls: bool):
        self.dir = directory
        self.maildir = os.path.join(directory, "mail", ADDRESS, "Maildir")
        self.err_path = directory + ".stderr"
        os.makedirs(os.path.dirname(directory), exist_ok=True)
        args = [PYTHON, SERVER, "--dir", directory, "--user", f"{ADDRESS}:{PASSWORD}",
                "--tls-cert", os.path.join(certs, "server.pem"),
                "--tls-key", os.path.join(certs, "server.key"), "--port", "0"]
        if starttls:
            args.append("--starttls")
        self.err = open(self.err_path, "ab")
        t = time.monotonic()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self.err)
        line = self.read_line(30.0)
        self.startup = time.monotonic() - t
        m = re.fullmatch(rb"READY (\d+)\n", line or b"")
        if not m:
            self.kill()
            raise RuntimeError(f"no READY line (got {line!r}); stderr:\n{self.stderr()}")
        self.port = int(m.group(1))
        startups.append(self.startup)
        with open(os.path.join(directory, "dovecot.conf")) as f:
            self.instance = re.search(r"^instance_name = (\S+)$", f.read(), re.M).group(1)

    def read_line(self, timeout: float):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        buf = b""
        deadline = time.monotonic() + timeout
        while not buf.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                break
            chunk = os.read(self.proc.stdout.fileno(), 1)
            if not chunk:
                break
            buf += chunk
        sel.close()
        return buf

    def stderr(self) -> str:
        if not self.err.closed:
            self.err.flush()
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def dovecot_pids(self):
        """Live Dovecot processes of this instance (by their command lines)."""
        conf = os.path.join(self.dir, "dovecot.conf").encode()
        prefix = f"dovecot-{self.instance}/".encode()
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmd = f.read()
                with open(f"/proc/{entry}/stat", "rb") as f:
                    state = f.read().rsplit(b")", 1)[1].split()[0]
            except OSError:
                continue
            if state != b"Z" and (cmd.startswith(prefix) or conf in cmd):
                pids.append(int(entry))
        return pids

    def stop(self) -> int:
        t = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()
            rc = None
        stops.append(time.monotonic() - t)
        rest = self.proc.stdout.read()
        self.proc.stdout.close()
        self.err.close()
        check("nothing more on stdout after READY", rest == b"", rest)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def tls_context(certs: str, ca: str = "ca.pem") -> ssl.SSLContext:
    return ssl.create_default_context(cafile=os.path.join(certs, ca))


def connect(server: Server, certs: str, starttls: bool, host: str = "localhost"):
    if starttls:
        m = imaplib.IMAP4(host, server.port, timeout=10)
        m.starttls(ssl_context=tls_context(certs))
        return m
    return imaplib.IMAP4_SSL(host, server.port, ssl_context=tls_context(certs), timeout=10)


def login(m):
    return m.login(ADDRESS, PASSWORD)  # imaplib quotes the password


def check_wrong_password(server, certs, starttls, label):
    for attempt in (1, 2):
        m = connect(server, certs, starttls)
        t = time.monotonic()
        try:
            m.login(ADDRESS, "wrong-password")
            check(f"{label}: wrong password refused", False, "LOGIN succeeded")
        except imaplib.IMAP4.error as e:
            took = time.monotonic() - t
            check(f"{label}: wrong password gets AUTHENTICATIONFAILED",
                  "AUTHENTICATIONFAILED" in str(e), e)
            check(f"{label}: wrong password answered within 2 s (attempt {attempt})",
                  took < 2.0, f"{took:.2f} s")
        m.shutdown()


def check_untrusted(server, certs, starttls, label):
    try:
        if starttls:
            m = imaplib.IMAP4("localhost", server.port, timeout=10)
            try:
                m.starttls(ssl_context=tls_context(certs, "other-ca.pem"))
            finally:
                m.sock.close()
        else:
            imaplib.IMAP4_SSL("localhost", server.port,
                              ssl_context=tls_context(certs, "other-ca.pem"), timeout=10)
        check(f"{label}: an unrelated CA is refused", False, "handshake succeeded")
    except ssl.SSLCertVerificationError:
        check(f"{label}: an unrelated CA is refused", True)


def check_stopped(server, label):
    rc = server.stop()
    check(f"{label}: SIGTERM exits with status 0", rc == 0, rc)
    left = server.dovecot_pids()
    check(f"{label}: no Dovecot process left", not left, left)


def mailbox_session(server, certs, starttls, label):
    """The main scenario. Returns what was delivered, by UID."""
    md = server.maildir
    check(f"{label}: Maildir new/ exists before login", os.path.isdir(os.path.join(md, "new")))
    m = connect(server, certs, starttls, host="127.0.0.1" if starttls else "localhost")
    typ, _ = login(m)
    check(f"{label}: LOGIN", typ == "OK", typ)
    typ, caps = m.capability()
    caps = caps[0].decode().upper().split()
    for cap in ("IMAP4REV1", "MOVE", "UIDPLUS", "IDLE", "CONDSTORE", "NAMESPACE"):
        check(f"{label}: capability {cap}", cap in caps, caps)
    print(f"{label}: capabilities after login: {' '.join(caps)}", flush=True)

    names = ["unsubscribe_reply.eml", "hard_bounce_dsn.eml", "unrelated.eml"]
    sent = [render(n) for n in names]
    for i, data in enumerate(sent):
        deliver(md, data, i)
    typ, data = m.select("INBOX")
    check(f"{label}: SELECT INBOX sees 3", typ == "OK" and data == [b"3"], (typ, data))

    typ, data = m.uid("SEARCH", None, "ALL")
    uids = data[0].split() if typ == "OK" else []
    check(f"{label}: UID SEARCH ALL finds 3", len(uids) == 3, data)
    typ, data = m.uid("SEARCH", None, "HEADER", "In-Reply-To", f'"{LETTER_ID}"')
    replies = data[0].split() if typ == "OK" else []
    check(f"{label}: SEARCH HEADER In-Reply-To finds the reply", len(replies) == 1, data)
    typ, data = m.search(None, "UNSEEN")
    check(f"{label}: SEARCH UNSEEN finds 3", typ == "OK" and len(data[0].split()) == 3, data)

    bodies = {}
    for uid in uids:
        typ, data = m.uid("FETCH", uid, "(BODY.PEEK[])")
        bodies[uid] = data[0][1] if typ == "OK" and data and isinstance(data[0], tuple) else None
    by_uid = {}
    for uid, body in bodies.items():
        for name, raw in zip(names, sent):
            if body == crlf(raw):
                by_uid[uid] = name
    check(f"{label}: FETCH BODY[] gives each message's bytes with CRLF",
          sorted(by_uid.values()) == sorted(names), {u: (b or b"")[:60] for u, b in bodies.items()})
    uid_of = {name: uid for uid, name in by_uid.items()}
    check(f"{label}: the In-Reply-To search found unsubscribe_reply",
          replies and by_uid.get(replies[0]) == "unsubscribe_reply.eml", replies)

    typ, data = m.list()
    check(f"{label}: LIST shows separator \"/\"",
          typ == "OK" and any(b'"/" INBOX' in line for line in data), data)
    for folder in ("Processed", FOLDER):
        typ, data = m.create(f'"{folder}"')
        check(f"{label}: CREATE {folder}", typ == "OK", data)
    typ, data = m.list()
    listed = b"\n".join(data)
    check(f"{label}: LIST shows the new folders",
          b'"/" "Appeal Desk/Processed"' in listed and b'"/" Processed' in listed, data)

    reply = uid_of.get("unsubscribe_reply.eml", b"1")
    typ, data = m.uid("MOVE", reply, f'"{FOLDER}"')
    check(f"{label}: UID MOVE to {FOLDER}", typ == "OK", data)
    _, copyuid = m.response("COPYUID")
    check(f"{label}: MOVE answers COPYUID (UIDPLUS)",
          bool(copyuid and copyuid[0] and copyuid[0].split()[1] == reply), copyuid)
    typ, data = m.uid("SEARCH", None, "ALL")
    check(f"{label}: INBOX has 2 after the move", typ == "OK" and len(data[0].split()) == 2, data)
    typ, data = m.status(f'"{FOLDER}"', "(MESSAGES)")
    check(f"{label}: STATUS {FOLDER} has 1", typ == "OK" and b"MESSAGES 1" in data[0], data)
    moved = os.path.join(md, ".Appeal Desk.Processed")
    on_disk = [f for sub in ("new", "cur") for f in os.listdir(os.path.join(moved, sub))] \
        if os.path.isdir(moved) else []
    check(f"{label}: the moved message is in Maildir/.Appeal Desk.Processed/",
          len(on_disk) == 1, on_disk)
    typ, data = m.uid("MOVE", uid_of.get("unrelated.eml", b"3"), "Processed")
    check(f"{label}: UID MOVE to Processed", typ == "OK", data)

    bounce = uid_of.get("hard_bounce_dsn.eml", b"2")
    typ, data = m.uid("STORE", bounce, "+FLAGS.SILENT", r"(\Seen)")
    check(f"{label}: UID STORE +FLAGS \\Seen", typ == "OK", data)
    typ, data = m.uid("FETCH", bounce, "(FLAGS)")
    check(f"{label}: FETCH FLAGS shows \\Seen", typ == "OK" and b"\\Seen" in data[0], data)
    typ, data = m.search(None, "UNSEEN")
    check(f"{label}: SEARCH UNSEEN is empty now", typ == "OK" and data == [b""], data)

    deliver(md, render("auto_reply.eml"), 9)
    typ, data = m.noop()
    _, exists = m.response("EXISTS")
    check(f"{label}: NOOP sees a message delivered while selected",
          typ == "OK" and exists and exists[-1] == b"2", (typ, exists))
    typ, data = m.logout()
    check(f"{label}: LOGOUT", typ == "BYE", (typ, data))


def starttls_refusal(server, label):
    m = imaplib.IMAP4("127.0.0.1", server.port, timeout=10)
    caps = m.capabilities
    check(f"{label}: greeting offers STARTTLS and LOGINDISABLED",
          "STARTTLS" in caps and "LOGINDISABLED" in caps, caps)
    try:
        m.login(ADDRESS, PASSWORD)
        check(f"{label}: LOGIN before STARTTLS refused", False, "it succeeded")
    except imaplib.IMAP4.error as e:
        check(f"{label}: LOGIN before STARTTLS refused with PRIVACYREQUIRED",
              "PRIVACYREQUIRED" in str(e), e)
    m.shutdown()


def one_round(base, certs, first):
    for starttls in (False, True):
        label = "starttls" if starttls else "imaps"
        directory = os.path.join(base, label)
        server = Server(directory, certs, starttls)
        try:
            if starttls:
                starttls_refusal(server, label)
            mailbox_session(server, certs, starttls, label)
            check_wrong_password(server, certs, starttls, label)
            check_untrusted(server, certs, starttls, label)
        finally:
            if server.proc.poll() is None:
                check_stopped(server, label)
            else:
                check(f"{label}: server still running", False, server.stderr())
        check(f"{label}: nothing unexpected on stderr", server.stderr() == "", server.stderr())

    if not first:
        return
    # Restart on the same directory: the mail is kept.
    server = Server(os.path.join(base, "imaps"), certs, False)
    try:
        m = connect(server, certs, False)
        login(m)
        typ, data = m.select("INBOX")
        check("restart: INBOX still has 2", typ == "OK" and data == [b"2"], data)
        typ, data = m.status(f'"{FOLDER}"', "(MESSAGES)")
        check(f"restart: {FOLDER} still has 1", typ == "OK" and b"MESSAGES 1" in data[0], data)
        m.logout()
    finally:
        check_stopped(server, "restart")

    # SIGKILL: Dovecot goes away by itself (PR_SET_PDEATHSIG).
    server = Server(os.path.join(base, "killed"), certs, False)
    check("sigkill: dovecot runs", bool(server.dovecot_pids()))
    server.kill()
    deadline = time.monotonic() + 10
    while server.dovecot_pids() and time.monotonic() < deadline:
        time.sleep(0.05)
    left = server.dovecot_pids()
    check("sigkill: Dovecot stops when server.py is killed", not left, left)
    server.proc.stdout.close()
    server.err.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--keep", action="store_true")
    a = p.parse_args()
    base = tempfile.mkdtemp(prefix="imap-selftest-")
    try:
        certs = os.path.join(base, "certs")
        subprocess.run(["bash", MAKE_CERTS, certs], check=True)
        for r in range(a.rounds):
            try:
                one_round(os.path.join(base, f"round{r + 1}"), certs, first=r == 0)
            except Exception:
                check(f"round {r + 1} ran to the end", False, traceback.format_exc())
    finally:
        if a.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    if startups:
        print(f"startup to READY: n={len(startups)} min={min(startups):.3f} s "
              f"median={statistics.median(startups):.3f} s max={max(startups):.3f} s")
    if stops:
        print(f"SIGTERM to exit: n={len(stops)} min={min(stops):.3f} s "
              f"median={statistics.median(stops):.3f} s max={max(stops):.3f} s")
    print(f"selftest: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
