"""Two of everything, for the scale-out test: gunicorn web processes and Celery workers (each with its
own RUNWAY_VAR_DIR, as if on its own host) and one beat, started from the production settings
(`config.settings`, DEBUG off behind the TLS proxy header) against a shared database, broker and
object store named in `env`. `stop()` ends every process it started; `logs()` says what each wrote."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .dovecot import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


class Cluster:
    def __init__(self, env: dict[str, str], *, webs: int = 2, workers: int = 2, beat: bool = True) -> None:
        self.env = env
        self.counts = {"web": webs, "worker": workers, "beat": int(beat)}
        self.root = Path(tempfile.mkdtemp(prefix="runway-cluster-"))
        self.processes: list[tuple[str, subprocess.Popen, Path]] = []
        self.web_urls: list[str] = []

    def _start(self, name: str, argv: list[str], **extra: str) -> Path:
        var = self.root / name
        var.mkdir()
        log = var / "process.log"
        env = {**os.environ, **self.env, "RUNWAY_VAR_DIR": str(var), **extra}
        with log.open("wb") as out:
            process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.processes.append((name, process, log))
        return log

    def start(self, timeout: float = 90) -> Cluster:
        for n in range(self.counts["web"]):
            port = free_port()
            self._start(f"web{n + 1}", [str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"],
                        RUNWAY_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2")  # fmt: skip
            self.web_urls.append(f"http://127.0.0.1:{port}")
        worker_logs = [
            self._start(
                f"worker{n + 1}",
                [
                    str(BIN / "celery"),
                    "-A",
                    "config",
                    "worker",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    "2",
                    "-n",
                    f"scale{n + 1}-{os.getpid()}@%h",
                ],
            )  # fmt: skip
            for n in range(self.counts["worker"])
        ]
        if self.counts["beat"]:
            self._start("beat", [str(BIN / "celery"), "-A", "config", "beat", "--loglevel", "INFO"])
        deadline = time.monotonic() + timeout
        waiting = set(self.web_urls) | set(worker_logs)
        while waiting and time.monotonic() < deadline:
            self.check_alive()
            for url in [w for w in waiting if isinstance(w, str)]:
                try:
                    urllib.request.urlopen(urllib.request.Request(f"{url}/privacy/", headers=HTTPS), timeout=2).close()
                    waiting.discard(url)
                except OSError:
                    pass
            waiting -= {log for log in waiting if isinstance(log, Path) and b" ready." in log.read_bytes()}
            time.sleep(0.3)
        if waiting:
            raise RuntimeError(f"not up after {timeout} s: {sorted(map(str, waiting))}\n{self.logs()}")
        return self

    def check_alive(self) -> None:
        """Raise with every process's last log lines when one of them has exited."""
        for name, process, _ in self.processes:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}\n{self.logs()}")

    def logs(self, lines: int = 25) -> str:
        out = []
        for name, _, log in self.processes:
            tail = log.read_text(errors="replace").splitlines()[-lines:] if log.exists() else []
            out.append(f"--- {name}\n" + "\n".join(tail))
        return "\n".join(out)

    def stop(self) -> None:
        for _, process, _ in self.processes:
            if process.poll() is None:
                process.terminate()
        for _, process, _ in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


HTTPS = {"X-Forwarded-Proto": "https"}
