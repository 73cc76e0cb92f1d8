"""Start and supervise a private redis-server when no REDIS_URL is configured.

The server keeps its data in the instance folder, listens on a unix socket only, and
writes an append-only file fsynced on every write (`appendfsync always` by default), so
an action acknowledged to a phone survives a crash of Redis or of the machine. A
watcher thread restarts it if it dies; it is stopped when the process exits.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)


class EmbeddedRedisError(RuntimeError):
    pass


def _answers(sock_path: Path) -> bool:
    """Tell whether a Redis server answers PING on the socket."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            s.connect(str(sock_path))
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class EmbeddedRedis:
    """A supervised redis-server child process on a unix socket."""

    def __init__(self, folder: str | os.PathLike[str], *, binary: str = "redis-server",
                 fsync: str = "always") -> None:
        self.folder = Path(folder)
        self.binary = binary
        self.fsync = fsync
        self.socket_path = self.folder / "redis.sock"
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def command(self) -> list[str]:
        exe = shutil.which(self.binary)
        if exe is None:
            raise EmbeddedRedisError(
                "redis-server was not found on PATH. Install it (Debian/Ubuntu: "
                "'apt-get install redis-server'; macOS: 'brew install redis') "
                "or set REDIS_URL to an existing server."
            )
        return [
            exe, "--port", "0", "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700", "--dir", str(self.folder),
            "--appendonly", "yes", "--appendfsync", self.fsync, "--save", "",
            "--daemonize", "no", "--logfile", str(self.folder / "redis.log"),
            "--pidfile", str(self.folder / "redis.pid"),
        ]

    def start(self) -> EmbeddedRedis:
        """Start redis-server (or adopt one already serving this folder) and watch it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if _answers(self.socket_path):
            # Another process of this app (a second `marathon serve`) owns it.
            log.info("using the embedded Redis already running at %s", self.socket_path)
            return self
        self._spawn()
        self._watcher = threading.Thread(target=self._watch, name="embedded-redis",
                                         daemon=True)
        self._watcher.start()
        atexit.register(self.stop)
        return self

    def _spawn(self) -> None:
        if self.socket_path.exists():
            self.socket_path.unlink()
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                logfile = self.folder / "redis.log"
                tail = logfile.read_text(errors="replace")[-500:] if logfile.exists() else ""
                raise EmbeddedRedisError(f"redis-server exited at start: {tail.strip()}")
            if _answers(self.socket_path):
                log.info("embedded Redis ready at %s (pid %s)", self.socket_path, self.proc.pid)
                return
            time.sleep(0.05)
        raise EmbeddedRedisError("redis-server did not answer within 30 s")

    def _watch(self) -> None:
        while not self._stopping.wait(0.2):
            proc = self.proc
            if proc is not None and proc.poll() is not None and not self._stopping.is_set():
                log.warning("embedded Redis exited (code %s); restarting", proc.returncode)
                try:
                    self._spawn()
                    self.restarts += 1
                except EmbeddedRedisError as exc:
                    log.error("could not restart embedded Redis: %s", exc)
                    time.sleep(1)

    def stop(self) -> None:
        """Stop the watcher and shut Redis down cleanly (it flushes its AOF)."""
        self._stopping.set()
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
