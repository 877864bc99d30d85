"""A real S3-compatible server for the storage tests: moto's standalone server (from the package index),
started on 127.0.0.1 on a free port, stopped after the tests. `stop()` / `start()` let a test take the
bucket down and bring it back."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .dovecot import free_port

BIN = Path(sys.executable).parent


class S3Server:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> S3Server:
        self.process = subprocess.Popen(
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.endpoint, timeout=1).close()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("moto_server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
