"""Real processes for tests: a private redis-server and the app's server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisProcess:
    """A redis-server of the test's own, on a unix socket in a temporary folder."""

    def __init__(self, folder: Path | None = None, *, aof: bool = False) -> None:
        self.folder = Path(folder or tempfile.mkdtemp(prefix="lm-redis-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        # A unix socket path must stay under ~100 bytes: keep it short.
        self.socket = Path(tempfile.mkdtemp(prefix="lmr-")) / "redis.sock"
        self.aof = aof
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> RedisProcess:
        exe = shutil.which("redis-server")
        assert exe, "redis-server must be on PATH (the test command installs it)"
        args = [exe, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm",
                "700", "--dir", str(self.folder), "--save", "", "--daemonize", "no",
                "--appendonly", "yes" if self.aof else "no", "--appendfsync", "always"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except (redis.ConnectionError, redis.BusyLoadingError, OSError):
                time.sleep(0.02)  # poll interval, under the deadline
        raise RuntimeError("redis-server did not start")

    def client(self) -> redis.Redis:
        return redis.Redis(unix_socket_path=str(self.socket), decode_responses=True,
                           socket_timeout=5)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class ServerProcess:
    """The app served by `wsgi.py` (or another entry) in its own process, on a free port."""

    def __init__(self, redis_url: str | None, *, async_mode: str = "eventlet",
                 env: dict[str, str] | None = None, instance: Path | None = None,
                 port: int | None = None, entry: Path | None = None) -> None:
        self.port = port or free_port()
        self.entry = entry or ROOT / "wsgi.py"
        self.redis_url = redis_url
        self.async_mode = async_mode
        self.instance = instance or Path(tempfile.mkdtemp(prefix="lm-inst-"))
        self.extra_env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.instance / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update({
            "ASYNC_MODE": self.async_mode, "SECRET_KEY": "test-secret",
            "MARATHON_INSTANCE_PATH": str(self.instance), "RATELIMIT_ENABLED": "0",
            "PYTHONUNBUFFERED": "1", "PYTHONWARNINGS": "ignore",
        })
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 30) -> ServerProcess:
        self.instance.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, str(self.entry), "--port", str(self.port)],
            env=self.env(), cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited:\n" + self.log_path.read_text())
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code in (200, 503):
                    return self
            except requests.RequestException:
                time.sleep(0.1)  # poll interval, under the deadline
        raise RuntimeError("server did not start:\n" + self.log_path.read_text())

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._close_log()

    def stop(self) -> None:
        # Every server mode exits within a fraction of a second of SIGTERM (gevent takes
        # about 1 s with a websocket open); one that has not after 3 s gets SIGKILL.
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_log()

    def _close_log(self) -> None:
        log = getattr(self, "_log", None)
        if log is not None and not log.closed:
            log.close()
