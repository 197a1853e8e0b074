"""Loopback IMAP server (a real Dovecot) for Appeal Desk's Rust tests.

Usage:
    /usr/bin/python3 tests/imap/server.py --dir DIR --user ADDRESS:PASSWORD
        --tls-cert FILE --tls-key FILE [--port 0] [--starttls]

Needs Debian's python3 and dovecot-imapd (Dovecot 2.3; scripts/setup.sh
installs it); nothing else. tests/smtp/make_certs.sh makes a certificate and
key that fit (its server.pem covers localhost and 127.0.0.1; clients trust
its ca.pem).

The script writes a Dovecot configuration to DIR/dovecot.conf and runs
``dovecot -F -c DIR/dovecot.conf`` as its child. It listens on 127.0.0.1:PORT
(--port 0, the default, picks a free port) and, once a connection there gets
Dovecot's greeting over TLS, prints exactly one line, ``READY <port>``, to
stdout and nothing more there; diagnostics go to stderr. Startup takes about
0.2 s. SIGTERM or SIGINT stops Dovecot and all its processes (about 1 s) and
exits with status 0. If the script is killed with SIGKILL (as Rust's
Child::kill does), Dovecot still gets SIGTERM (PR_SET_PDEATHSIG) and stops
by itself. If Dovecot dies on its own, the script exits 1.

Everything lives in DIR (created if missing; a later run may reuse it, and
the mail is kept):
    DIR/dovecot.conf    the configuration (rewritten on every start)
    DIR/passwd          the passwd-file with the one user
    DIR/run/            Dovecot's base_dir (sockets, master.pid), unless DIR
                        is too long for Unix socket paths (then a directory
                        under /tmp, removed on exit)
    DIR/state/          Dovecot's state_dir
    DIR/log/dovecot.log Dovecot's log (logins and failed logins included)
    DIR/log/stderr.log  the Dovecot master's own stderr
    DIR/mail/ADDRESS/   the user's home; the mail store is its Maildir/

The relay
    PORT is not Dovecot's own: the script accepts there and relays each
    connection, byte for byte, to Dovecot's listener on another 127.0.0.1
    port (picked free, retried on a clash), connecting from a loopback
    address other than 127.0.0.1, a random 127.x.y.z new for each
    connection (Dovecot's log shows it as rip). TLS runs end to end between
    the client and Dovecot. Two Dovecot habits make this necessary: it
    counts a connection whose two ends have the same IP as secure, and so
    would take a plaintext LOGIN from 127.0.0.1 before STARTTLS; and it
    delays every login from an IP after failed ones (4 s, doubling up to
    15 s, the next correct login included), which would slow down every
    test after a wrong-password test.

Transport security
    default       implicit TLS (IMAPS, like port 993): TLS from the first
                  byte, no plain listener at all.
    --starttls    plain IMAP (like port 143): the greeting offers STARTTLS and
                  LOGINDISABLED; LOGIN before STARTTLS gets "NO
                  [PRIVACYREQUIRED] Plaintext authentication disallowed on
                  non-secure (SSL/TLS) connections.", AUTHENTICATE "NO
                  [PRIVACYREQUIRED] Authentication not allowed until SSL/TLS
                  is enabled."
    TLS 1.2 at least. The readiness probe does not check the certificate.

The user
    ADDRESS is the login name exactly as given (for example
    letters@free-n.example.org); PASSWORD is everything after the first ":"
    and may contain any character. LOGIN, AUTHENTICATE PLAIN and
    AUTHENTICATE LOGIN work. A wrong password gets "NO [AUTHENTICATIONFAILED]
    Authentication failed." after 0.5 s. Further attempts on the same
    connection (one source address, see "The relay") wait Dovecot's growing
    delay, 4 s, 8 s, then 15 s, a correct password too: make a new
    connection for each attempt.

Mailboxes
    One namespace, no prefix, hierarchy separator "/" (LIST answers
    ``* LIST (\\HasNoChildren) "/" INBOX``). Only INBOX exists at start.
    CREATE works at any depth: "Processed", "Appeal Desk/Processed" (which
    makes "Appeal Desk" appear as \\Noselect \\HasChildren). Folders are
    Maildir++ folders (DIR/mail/ADDRESS/Maildir/.Appeal Desk.Processed/), so
    a name may not contain "." ("NO [CANNOT] Character not allowed in mailbox
    name: '.'") nor begin with "~". Capabilities after login (Dovecot
    2.3.19): IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT
    SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT
    MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS
    LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES
    WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY
    PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY.
    Before login: IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+
    AUTH=PLAIN AUTH=LOGIN (on --starttls before TLS: STARTTLS LOGINDISABLED
    instead of the AUTH= ones).

Delivering a message
    INBOX is the Maildir DIR/mail/ADDRESS/Maildir/ (its cur/, new/ and tmp/
    exist before READY is printed). To deliver, write the message (CRLF or
    LF line ends; FETCH always serves CRLF) to
        DIR/mail/ADDRESS/Maildir/tmp/NAME
    then rename it to
        DIR/mail/ADDRESS/Maildir/new/NAME
    so that Dovecot never sees half a file. NAME must be unique in that
    Maildir and contain no ":" or "/" (e.g. "<unix time ns>.<n>.test").
    Dovecot notices the message at the client's next SELECT, EXAMINE,
    STATUS, NOOP or CHECK (or announces it in IDLE), moves it to cur/ and
    gives it the next UID; files found in one scan get UIDs in name order.
    The file must be readable by the mail processes, which run as Debian's
    "dovecot" user when this script runs as root (CI) and as the caller
    otherwise: make it world-readable, 0644, which std::fs::write and
    File::create give under the usual umask 022 (a 0600 file, such as
    tempfile's NamedTempFile, needs a chmod). For example:

        import os, time
        def deliver(maildir, data: bytes, n: int):
            name = f"{time.time_ns()}.{n}.test"
            tmp = os.path.join(maildir, "tmp", name)
            with open(tmp, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)
            os.rename(tmp, os.path.join(maildir, "new", name))

    or in a shell: cp msg.eml "$M/tmp/$n.test" && mv "$M/tmp/$n.test" "$M/new/"

Users and permissions
    As root (CI): Dovecot's master, config, log and auth processes run as
    root; its login processes as Debian's dovenull, chrooted; the others
    and the mail processes as Debian's dovecot user (dovecot-core makes both
    users), because Dovecot refuses mail access as root. The mail processes
    chroot to DIR/mail before they become dovecot, so the directories above
    DIR may be private to root (as tempfile's are). The script makes
    DIR/mail searchable (go+rx) and chowns DIR/mail/ADDRESS/, all of it, to
    dovecot; files Dovecot writes there are dovecot's (root reads them
    anyway).
    As an ordinary user: every process runs as that user, nothing is
    chrooted, and nothing's ownership changes; DIR/mail/ADDRESS must then be
    reachable by that user, as it is.
"""

import argparse
import base64
import ctypes
import grp
import os
import pwd
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"
DOVECOT = "/usr/sbin/dovecot"
DH_FILE = "/usr/share/dovecot/dh.pem"
START_TIMEOUT = 30.0     # seconds for one attempt to answer with the greeting
PORT_ATTEMPTS = 5        # tries with another free port after "Address already in use"
STOP_TIMEOUT = 10.0      # seconds Dovecot gets to stop after SIGTERM
# Unix socket paths are at most 107 bytes; the longest Dovecot puts in base_dir
# are about 30 ("token-login/imap-urlauth" and the like).
MAX_BASE_DIR = 70
# Characters that would need quoting in dovecot.conf or that Dovecot expands.
UNSAFE = set(" \t\r\n\"'\\#$%<>{}=;")

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
try:
    LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - glibc is always there on Debian
    LIBC = None

stopping = False


def note(msg: str):
    sys.stderr.write(f"imap-server: {msg}\n")
    sys.stderr.flush()


def prctl(option: int, arg: int) -> bool:
    return LIBC is not None and LIBC.prctl(option, arg, 0, 0, 0) == 0


def parse_args():
    p = argparse.ArgumentParser(description="Loopback IMAP server (Dovecot) for tests.")
    p.add_argument("--dir", required=True, metavar="DIR")
    p.add_argument("--user", required=True, metavar="ADDRESS:PASSWORD")
    p.add_argument("--tls-cert", required=True, metavar="FILE")
    p.add_argument("--tls-key", required=True, metavar="FILE")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--starttls", action="store_true")
    a = p.parse_args()
    if ":" not in a.user:
        p.error("--user takes ADDRESS:PASSWORD")
    a.address, _, a.password = a.user.partition(":")
    if not a.address or set(a.address) & (UNSAFE | set("/:")) or a.address.startswith("."):
        p.error("--user: the address must be non-empty, without '/', ':', spaces or quotes")
    if not 0 <= a.port <= 65535:
        p.error("--port must be 0..65535")
    a.dir = os.path.abspath(a.dir)
    a.tls_cert = os.path.abspath(a.tls_cert)
    a.tls_key = os.path.abspath(a.tls_key)
    for what, path in (("--dir", a.dir), ("--tls-cert", a.tls_cert), ("--tls-key", a.tls_key)):
        if set(path) & UNSAFE:
            p.error(f"{what}: the path may not contain spaces, quotes or any of #$%<>{{}}=;")
    for what, path in (("--tls-cert", a.tls_cert), ("--tls-key", a.tls_key)):
        if not os.path.isfile(path):
            p.error(f"{what}: no such file: {path}")
    return a


def relay_source() -> str:
    """A random loopback address other than HOST, for one connection from
    the relay to Dovecot (see "The relay" in the docstring)."""
    n = secrets.randbelow(254 * 256 * 254)
    return f"127.{1 + n // (256 * 254)}.{n // 254 % 256}.{1 + n % 254}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def write_file(path: str, text: str, mode: int = 0o600):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise SystemExit(f"imap-server: there is no {name} user; as root this needs the "
                         "users that Debian's dovecot-core makes (dovecot, dovenull)")


class Layout:
    """Paths, and who runs what."""

    def __init__(self, a):
        self.dir = a.dir
        self.conf = os.path.join(a.dir, "dovecot.conf")
        self.passwd = os.path.join(a.dir, "passwd")
        self.state = os.path.join(a.dir, "state")
        self.logs = os.path.join(a.dir, "log")
        self.log = os.path.join(self.logs, "dovecot.log")
        self.stderr = os.path.join(self.logs, "stderr.log")
        self.mail = os.path.join(a.dir, "mail")
        self.home = os.path.join(self.mail, a.address)
        self.maildir = os.path.join(self.home, "Maildir")
        self.base = os.path.join(a.dir, "run")
        self.own_base = None  # a /tmp base_dir this script made and removes
        self.root = os.getuid() == 0
        if self.root:
            # Dovecot refuses mail access as root and login processes as root.
            self.internal = system_user("dovecot")
            self.login = system_user("dovenull")
        else:
            self.internal = self.login = pwd.getpwuid(os.getuid())
        self.internal_group = grp.getgrgid(self.internal.pw_gid).gr_name

    def make(self):
        if len(self.base) > MAX_BASE_DIR:
            self.own_base = tempfile.mkdtemp(prefix="adimap-")
            self.base = self.own_base
            note(f"DIR is too long for Unix socket paths; base_dir is {self.base}")
        for d in (self.dir, self.state, self.logs):
            os.makedirs(d, mode=0o700, exist_ok=True)
        os.makedirs(self.base, mode=0o755, exist_ok=True)  # Dovecot wants it so
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(self.maildir, sub), mode=0o700, exist_ok=True)

    def give_away(self):
        """As root: the mail processes chroot to DIR/mail and then run as
        dovecot, so DIR/mail must be searchable and the home dovecot's."""
        if not self.root:
            return
        mode = os.stat(self.mail).st_mode & 0o7777
        if mode & 0o055 != 0o055:
            os.chmod(self.mail, mode | 0o055)
        uid, gid = self.internal.pw_uid, self.internal.pw_gid
        os.chown(self.home, uid, gid)
        for top, dirs, files in os.walk(self.home):
            for name in dirs + files:
                os.lchown(os.path.join(top, name), uid, gid)

    def cleanup(self):
        if self.own_base:
            subprocess.run(["rm", "-rf", "--", self.own_base], check=False)


def config(a, lay: Layout, port: int, token: str) -> str:
    if a.starttls:
        listeners = (f"  inet_listener imap {{\n    address = {HOST}\n    port = {port}\n  }}\n"
                     "  inet_listener imaps {\n    port = 0\n  }\n")
    else:
        listeners = ("  inet_listener imap {\n    port = 0\n  }\n"
                     f"  inet_listener imaps {{\n    address = {HOST}\n    port = {port}\n"
                     "    ssl = yes\n  }\n")
    dh = f"ssl_dh = <{DH_FILE}\n" if os.path.isfile(DH_FILE) else ""
    if lay.root:
        # auth reads DIR/passwd, so it stays root: DIR may be under a
        # directory that only root can search (tempfile makes them so).
        services = "service auth {\n  user = root\n}\n"
    else:
        # Rootless: no chroot (it needs root).
        listeners = "  chroot =\n" + listeners
        services = "".join(f"service {s} {{\n  chroot =\n}}\n" for s in
                           ("anvil", "ipc", "aggregator", "old-stats", "imap-urlauth-login"))
    return f"""# Written by tests/imap/server.py; rewritten on every start.
instance_name = appeal-desk-test-imap-{port}
base_dir = {lay.base}
state_dir = {lay.state}
protocols = imap
listen = {HOST}
log_path = {lay.log}
auth_verbose = yes
login_greeting = Appeal Desk test IMAP {token} ready.
shutdown_clients = yes

default_internal_user = {lay.internal.pw_name}
default_internal_group = {lay.internal_group}
default_login_user = {lay.login.pw_name}
first_valid_uid = 0
first_valid_gid = 0
mail_uid = {lay.internal.pw_uid}
mail_gid = {lay.internal.pw_gid}

ssl = required
ssl_cert = <{a.tls_cert}
ssl_key = <{a.tls_key}
{dh}ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes

auth_mechanisms = plain login
# Failed logins: auth_failure_delay = 0 leaves about 0.5 s (Dovecot 2.3
# flushes failures on a 0.5 s timer). Dovecot's per-IP penalty (4 s
# doubling to 15 s) does not carry over between connections: the relay
# connects from a new loopback address each time.
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = username_format=%u {lay.passwd}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {lay.passwd}
}}

mail_location = maildir:~/Maildir
valid_chroot_dirs = {lay.mail if lay.root else ""}
mail_fsync = never
mail_max_userip_connections = 100
namespace inbox {{
  inbox = yes
  prefix =
  separator = /
}}

service imap-login {{
{listeners}}}
{services}"""


def passwd_line(a, lay: Layout) -> str:
    pw = base64.b64encode(a.password.encode("utf-8")).decode("ascii")
    # No uid/gid fields (passwd-file rejects uid 0): mail_uid/mail_gid apply.
    home = lay.home
    if lay.root:
        # The home DIR/mail/./ADDRESS makes the mail processes chroot to
        # DIR/mail (as root, before they become dovecot), so the directories
        # above DIR need not be searchable by dovecot.
        home = os.path.join(lay.mail, ".", os.path.basename(lay.home))
    return f"{a.address}:{{PLAIN.b64}}{pw}::::{home}::\n"


class Relay:
    """Accepts on HOST:port and relays each connection, byte for byte, to
    Dovecot's listener on HOST, from a new loopback address each time (see
    "The relay" in the docstring)."""

    def __init__(self, port: int):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # A fixed --port can be taken again at once by the next run.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, port))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.target = None

    def start(self, target_port: int):
        self.target = (HOST, target_port)
        threading.Thread(target=self.serve, daemon=True).start()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def serve(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.connect, args=(client,), daemon=True).start()

    def connect(self, client):
        upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            upstream.bind((relay_source(), 0))
            upstream.connect(self.target)
        except OSError as e:
            note(f"relay: cannot reach dovecot at {self.target}: {e}")
            upstream.close()
            client.close()
            return
        for sock in (client, upstream):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        done = []
        lock = threading.Lock()

        def pump(src, dst):
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
            with lock:
                done.append(1)
                last = len(done) == 2
            if last:
                client.close()
                upstream.close()

        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
        pump(client, upstream)


def child_setup():
    # Dovecot's master gets SIGTERM when this script dies, even by SIGKILL.
    prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def read_from(path: str, start: int = 0, limit: int = 6000) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(start, f.tell() - limit))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def size_of(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def probe(port: int, starttls: bool, token: str, source: str = None) -> bool:
    """True once HOST:port answers with this run's greeting, over TLS."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((HOST, port), timeout=5,
                                      source_address=(source, 0) if source else None) as raw:
            if not starttls:
                with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                    f = tls.makefile("rb")
                    greeting = f.readline()
                    if not (greeting.startswith(b"* OK") and token.encode() in greeting):
                        return False
                    tls.sendall(b"r1 LOGOUT\r\n")
                    return True
            f = raw.makefile("rb")
            greeting = f.readline()
            if not (greeting.startswith(b"* OK") and token.encode() in greeting):
                return False
            if b"LOGINDISABLED" not in greeting:
                note("warning: plain greeting lacks LOGINDISABLED; plaintext LOGIN may work")
            raw.sendall(b"r1 STARTTLS\r\n")
            line = f.readline()
            while line.startswith(b"* "):
                line = f.readline()
            if not line.startswith(b"r1 OK"):
                return False
            f.close()
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"r2 LOGOUT\r\n")
                return tls.makefile("rb").readline().startswith(b"* BYE")
    except (OSError, ssl.SSLError):
        return False


def reap_all(keep: int = 0):
    """Reaps exited children other than keep (the master, which Popen waits
    for): this script is a subreaper for Dovecot's service processes."""
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None or info.si_pid == keep:
            return
        try:
            os.waitpid(info.si_pid, 0)
        except ChildProcessError:
            return


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def stop_dovecot(proc: subprocess.Popen):
    pgid = proc.pid  # start_new_session: the master leads its own group
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            note("dovecot did not stop on SIGTERM; killing it")
    # Whatever is left of the group (a master that hung, service processes
    # that outlived it): SIGTERM, a moment, then SIGKILL.
    for sig in (signal.SIGTERM, signal.SIGKILL):
        reap_all(proc.pid)
        if not group_alive(pgid):
            break
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            reap_all(proc.pid)
            if proc.poll() is not None and not group_alive(pgid):
                break
            time.sleep(0.02)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    reap_all()


def start(a, lay: Layout):
    """Starts Dovecot. Returns (proc, port to print, relay) once it answers,
    (proc, None, relay) if a signal came first, or (None, None, None) on
    failure."""
    try:
        relay = Relay(a.port)
    except OSError as e:
        note(f"cannot listen on {HOST}:{a.port}: {e}")
        return None, None, None
    attempts = PORT_ATTEMPTS
    for attempt in range(1, attempts + 1):
        port = free_port()
        token = secrets.token_hex(8)
        write_file(lay.conf, config(a, lay, port, token), 0o644)
        log_start, err_start = size_of(lay.log), size_of(lay.stderr)
        with open(lay.stderr, "ab") as err:
            proc = subprocess.Popen(
                [DOVECOT, "-F", "-c", lay.conf],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                start_new_session=True, preexec_fn=child_setup, close_fds=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        ready = False
        while not stopping and proc.poll() is None and time.monotonic() < deadline:
            # From the kind of source address the relay will use.
            if probe(port, a.starttls, token, relay_source()):
                ready = True
                break
            time.sleep(0.02)
        if ready:
            relay.start(port)
            ready = probe(relay.port, a.starttls, token)
            if not ready:
                note("the relay does not answer")
                stop_dovecot(proc)
                break
            return proc, relay.port, relay
        if stopping:
            return proc, None, relay
        if proc.poll() is None:
            if time.monotonic() >= deadline:
                note(f"dovecot did not answer on port {port} within {START_TIMEOUT:.0f} s")
            stop_dovecot(proc)
            break
        reap_all()
        errors = read_from(lay.stderr, err_start) + read_from(lay.log, log_start)
        if "Address already in use" in errors and attempt < attempts:
            note(f"port {port} was taken; trying another")
            continue
        note(f"dovecot exited with status {proc.returncode} before it was ready")
        break
    sys.stderr.write(read_from(lay.stderr, err_start))
    sys.stderr.write(read_from(lay.log, log_start))
    sys.stderr.flush()
    relay.close()
    return None, None, None


def on_signal(signum, frame):
    global stopping
    stopping = True


def main():
    a = parse_args()
    if not os.access(DOVECOT, os.X_OK):
        note(f"{DOVECOT} is missing; install Debian's dovecot-imapd (scripts/setup.sh)")
        return 1
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    # Service processes that outlive the master are re-parented to this
    # script, so that stop_dovecot can reap them.
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    lay = Layout(a)
    relay = None
    try:
        lay.make()
        write_file(lay.passwd, passwd_line(a, lay), 0o600)
        lay.give_away()
        proc, port, relay = start(a, lay)
        if proc is None:
            return 1
        if port is None:  # a signal came during startup
            stop_dovecot(proc)
            return 0
        sys.stdout.write(f"READY {port}\n")
        sys.stdout.flush()
        while not stopping:
            try:
                proc.wait(0.2)
            except subprocess.TimeoutExpired:
                reap_all(proc.pid)
                continue
            note(f"dovecot exited by itself with status {proc.returncode}")
            sys.stderr.write(read_from(lay.stderr))
            sys.stderr.write(read_from(lay.log))
            stop_dovecot(proc)
            return 1
        stop_dovecot(proc)
        return 0
    finally:
        if relay:
            relay.close()
        lay.cleanup()


if __name__ == "__main__":
    sys.exit(main())
