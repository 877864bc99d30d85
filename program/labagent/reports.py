"""The reports folder: DIR/<workspace>/<day>.junit.xml (pytest --junitxml) and optionally
DIR/<workspace>/*.report.json (pytest-json-report, named <day>.report.json). Files are passed through
untouched; the server parses them as untrusted input.

`seq` is the newest report's modification time in microseconds: it only grows while reports are
rewritten, so `?since=SEQ` returns exactly the reports written after an earlier answer's `seq`.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

SUFFIXES = {".junit.xml": "junit", ".report.json": "pytest-json"}
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
MAX_REPORT_BYTES = 2 * 1024 * 1024
MAX_REPORTS = 2000


def _split(filename: str) -> tuple[str, str] | None:
    for suffix, fmt in SUFFIXES.items():
        if filename.endswith(suffix) and NAME.match(filename[: -len(suffix)] or "-"):
            return filename[: -len(suffix)], fmt
    return None


def scan(root: Path, since: int = 0, max_bytes: int = MAX_REPORT_BYTES) -> tuple[int, list[dict]]:
    """(seq, reports changed after `since`). Symlinks are not followed; an oversized file is listed
    with `content: null` and `error: "too large"` instead of its bytes."""
    seq, found = 0, []
    try:
        workspaces = sorted(os.scandir(root), key=lambda e: e.name)
    except FileNotFoundError:
        return 0, []
    for workspace in workspaces:
        if not workspace.is_dir(follow_symlinks=False) or not NAME.match(workspace.name):
            continue
        for entry in sorted(os.scandir(workspace.path), key=lambda e: e.name):
            parts = _split(entry.name)
            if parts is None or not entry.is_file(follow_symlinks=False):
                continue
            stat = entry.stat(follow_symlinks=False)
            mtime_us = stat.st_mtime_ns // 1000
            seq = max(seq, mtime_us)
            if mtime_us <= since or len(found) >= MAX_REPORTS:
                continue
            report = {
                "workspace": workspace.name,
                "day": parts[0],
                "format": parts[1],
                "mtime": mtime_us / 1e6,
                "size": stat.st_size,
                "seq": mtime_us,
            }
            if stat.st_size > max_bytes:
                report.update(sha256=None, content=None, error="too large")
            else:
                data = Path(entry.path).read_bytes()[:max_bytes]
                report.update(sha256=hashlib.sha256(data).hexdigest(), content=data.decode("utf-8", "replace"))
            found.append(report)
    return seq, found
