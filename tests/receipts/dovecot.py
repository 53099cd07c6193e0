"""A real IMAP server for tests: Debian's dovecot with a throwaway configuration, started and stopped here.

    with Dovecot(tmp_path) as server:
        server.append(raw_bytes)              # IMAP APPEND into INBOX
        poll_imap(..., port=server.port, ssl_context=server.ssl_context())

It listens on 127.0.0.1 (IMAPS, free port), authenticates one user from a passwd-file, keeps mail
in a maildir, and uses a self-signed certificate for 127.0.0.1 made with `openssl req -x509`, so
the client verifies the certificate and host name like a production client would.

Dovecot refuses mail access as uid 0, so when the tests run as root the mail processes run as
the `dovecot` system user. That user cannot enter pytest's tmp_path (its parent is 0700), so the
server's folder is then a fresh directory under the system temp folder, removed afterwards.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

DOVECOT = Path("/usr/sbin/dovecot")
USER, PASSWORD = "bounces", "not-a-secret-test-password"


def require_dovecot() -> None:
    if not DOVECOT.exists():
        pytest.skip("needs a real IMAP server: /usr/sbin/dovecot is absent (apt-get install -y dovecot-imapd)")
    if not shutil.which("openssl"):
        pytest.skip("needs openssl to make the test server's certificate")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _mail_owner() -> tuple[int, int, str, str]:
    """(uid, gid, internal user, login user) for the mail processes."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return me.pw_uid, me.pw_gid, me.pw_name, me.pw_name
    try:
        dovecot = pwd.getpwnam("dovecot")
        pwd.getpwnam("dovenull")
    except KeyError:
        pytest.skip("running as root needs the dovecot and dovenull users that the Debian package creates")
    return dovecot.pw_uid, dovecot.pw_gid, "dovecot", "dovenull"


class Dovecot:
    def __init__(self, tmp_path: Path) -> None:
        require_dovecot()
        self.uid, self.gid, self.internal_user, self.login_user = _mail_owner()
        if os.geteuid() == 0:
            self.root = Path(tempfile.mkdtemp(prefix="relay-dovecot-"))
            self.root.chmod(0o755)
            self._remove_root = True
        else:
            self.root = tmp_path / "dovecot"
            self.root.mkdir()
            self._remove_root = False
        self.port = _free_port()
        self.cert = self.root / "cert.pem"
        self._process: subprocess.Popen | None = None

    # -- set-up ---------------------------------------------------------------------------------

    def _make_certificate(self) -> None:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", str(self.root / "key.pem"), "-out", str(self.cert)],
            check=True, capture_output=True, timeout=60,
        )

    def _write_config(self) -> Path:
        mail = self.root / "mail"
        mail.mkdir()
        os.chown(mail, self.uid, self.gid)
        (self.root / "passwd").write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}:{self.uid}:{self.gid}::{mail / USER}::\n", encoding="utf-8")
        conf = self.root / "dovecot.conf"
        conf.write_text(f"""
base_dir = {self.root / "run"}
state_dir = {self.root / "state"}
log_path = {self.root / "dovecot.log"}
protocols = imap
listen = 127.0.0.1
default_internal_user = {self.internal_user}
default_login_user = {self.login_user}
first_valid_uid = 1
ssl = required
ssl_cert = <{self.cert}
ssl_key = <{self.root / "key.pem"}
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root / "passwd"}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.root / "passwd"}
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
""", encoding="utf-8")
        return conf

    def __enter__(self) -> Dovecot:
        self._make_certificate()
        conf = self._write_config()
        # -F: stay in the foreground, so this process owns it and can stop it.
        self._process = subprocess.Popen([str(DOVECOT), "-F", "-c", str(conf)],
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._wait_until_listening()
        return self

    def _wait_until_listening(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self._process.stdout.read().decode()}\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen on {self.port}: {self.log()}")

    def __exit__(self, *exc) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        if self._process is not None and self._process.stdout:
            self._process.stdout.close()
        if self._remove_root:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- for the test ---------------------------------------------------------------------------

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def ssl_context(self) -> ssl.SSLContext:
        """Verifies the server against its own self-signed certificate, host name included."""
        return ssl.create_default_context(cafile=str(self.cert))

    def connect(self) -> imaplib.IMAP4_SSL:
        imap = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=self.ssl_context(), timeout=10)
        imap.login(USER, PASSWORD)
        return imap

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.connect() as imap:
            status, detail = imap.append(folder, None, None, raw)
            assert status == "OK", detail

    def messages(self, folder: str = "INBOX") -> dict[bytes, bytes]:
        """UID → flags of every message still in the folder."""
        with self.connect() as imap:
            imap.select(folder, readonly=True)
            _, data = imap.uid("search", None, "ALL")
            found = {}
            for uid in data[0].split():
                _, flags = imap.uid("fetch", uid, "(FLAGS)")
                found[uid] = flags[0]
            return found
