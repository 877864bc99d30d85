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
import stat
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
    """(seq, reports changed after `since`). Nothing outside `root` is ever read: each workspace folder
    is opened with O_NOFOLLOW and its files are opened relative to that folder's descriptor, also with
    O_NOFOLLOW, so swapping a folder or a report for a symlink between a check and a read cannot serve
    another file. Only regular files (checked with fstat on the opened descriptor) are read, and never
    more than `max_bytes`: a larger file is listed with `content: null` and `error: "too large"`."""
    seq, found = 0, []
    try:
        root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    except (FileNotFoundError, NotADirectoryError):
        return 0, []
    try:
        for workspace in sorted(os.listdir(root_fd)):
            if not NAME.match(workspace):
                continue
            try:
                folder = os.open(workspace, _DIR_FLAGS, dir_fd=root_fd)
            except OSError:  # not a folder, or a symlink
                continue
            try:
                seq = _scan_workspace(folder, workspace, since, max_bytes, seq, found)
            finally:
                os.close(folder)
    finally:
        os.close(root_fd)
    return seq, found


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK  # NONBLOCK: a FIFO never blocks the open


def _scan_workspace(folder: int, workspace: str, since: int, max_bytes: int, seq: int, found: list) -> int:
    for name in sorted(os.listdir(folder)):
        parts = _split(name)
        if parts is None:
            continue
        try:
            listed = os.stat(name, dir_fd=folder, follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(listed.st_mode):
            continue
        seq = max(seq, listed.st_mtime_ns // 1000)
        if listed.st_mtime_ns // 1000 <= since or len(found) >= MAX_REPORTS:
            continue
        report = _read(folder, name, max_bytes)
        if report is None:
            continue
        seq = max(seq, report["seq"])
        found.append({"workspace": workspace, "day": parts[0], "format": parts[1], **report})
    return seq


def _read(folder: int, name: str, max_bytes: int) -> dict | None:
    """One report through its own descriptor: what fstat says of the opened file is what is served."""
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=folder)
    except OSError:  # swapped for a symlink (ELOOP) or gone since it was listed
        return None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            return None
        mtime_us = opened.st_mtime_ns // 1000
        report = {"mtime": mtime_us / 1e6, "size": opened.st_size, "seq": mtime_us}
        if opened.st_size > max_bytes:
            return report | {"sha256": None, "content": None, "error": "too large"}
        chunks, left = [], min(opened.st_size, max_bytes)
        while left > 0:
            chunk = os.read(fd, min(left, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        return report | {"sha256": hashlib.sha256(data).hexdigest(), "content": data.decode("utf-8", "replace")}
    finally:
        os.close(fd)
