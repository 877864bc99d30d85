"""Curriculum progress pulled from the lab machines' agents (Prometheus-style pull).

A round pulls every active machine concurrently (threads: the work is waiting on sockets), each pull
with a connect timeout, a read timeout and a total deadline enforced by a timer that shuts the socket
down (a per-read timeout alone lets an agent that trickles one byte a second hold a pull forever),
and a size cap. The round has its own deadline; a machine still being pulled by an earlier round is
skipped (the `pulling_since` claim is the lock). Storing happens on the calling thread:

- every report is stored raw before it is parsed; an invalid one keeps its reason and never stops
  the round;
- a report whose SHA-256 is already stored writes nothing; one older (`seq`) than the stored one for
  the same workspace and day is ignored;
- results are upserted per (group, day, test id); the first time a test passed is kept, so progress
  never goes backwards.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from program.labs.progress import expected_tests
from program.labs.reports import InvalidReport, parse
from program.models import CheckResult, LabMachine, LabReport, PairGroup
from program.text import clean_data, clean_text


class PullError(Exception):
    pass


@dataclass
class Pulled:
    machine: str
    ok: bool
    error: str = ""
    latency_ms: int | None = None
    payload: dict | None = None
    reports: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "machine": self.machine,
            "ok": self.ok,
            "error": self.error or None,
            "latency_ms": self.latency_ms,
            "reports": self.reports,
        }


def fetch(
    url: str,
    token: str,
    *,
    since: int = 0,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    deadline: float | None = None,
    max_bytes: int | None = None,
) -> tuple[dict, int]:
    """GET <url>/v1/progress; returns (payload, latency ms) or raises PullError with a readable reason."""
    connect_timeout = connect_timeout or settings.LAB_PULL_CONNECT_TIMEOUT
    read_timeout = read_timeout or settings.LAB_PULL_READ_TIMEOUT
    deadline = deadline or settings.LAB_PULL_DEADLINE
    max_bytes = max_bytes or settings.LAB_PULL_MAX_BYTES
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PullError(f"not an http(s) URL: {url[:100]}")
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=min(connect_timeout, deadline))
    started = time.monotonic()
    expired = threading.Event()

    def cut():
        expired.set()
        sock = connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(deadline, cut)
    timer.daemon = True
    timer.start()
    try:
        connection.connect()
        connection.sock.settimeout(read_timeout)
        path = parts.path.rstrip("/") + "/v1/progress" + (f"?since={since}" if since else "")
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        response = connection.getresponse()
        body = _read_capped(response, max_bytes, expired)
        if expired.is_set():
            raise PullError(f"deadline of {deadline:g} s passed")
        if response.status == 401:
            raise PullError("the agent refused the token (401)")
        if response.status != 200:
            raise PullError(f"HTTP {response.status} from the agent")
    except PullError:
        raise
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set():
            raise PullError(f"deadline of {deadline:g} s passed") from None
        reason = "timed out" if isinstance(exc, TimeoutError | socket.timeout) else str(exc) or type(exc).__name__
        raise PullError(f"connection failed: {reason}") from None
    finally:
        timer.cancel()
        connection.close()
    return _document(body), int((time.monotonic() - started) * 1000)


def _read_capped(response, max_bytes: int, expired: threading.Event) -> bytes:
    """The body, chunk by chunk, refused past `max_bytes`, stopped when the deadline cut the socket."""
    chunks, size = [], 0
    while chunk := response.read1(65536):
        size += len(chunk)
        if size > max_bytes:
            raise PullError(f"answer larger than {max_bytes // (1024 * 1024)} MiB")
        chunks.append(chunk)
        if expired.is_set():
            break
    return b"".join(chunks)


def _document(body: bytes) -> dict:
    """The agent's answer as a schema-1 progress document, or PullError saying what it is instead."""
    try:
        payload = json.loads(body)
    except ValueError:
        raise PullError(f"the answer is not JSON ({body[:40]!r}…)") from None
    if not isinstance(payload, dict) or payload.get("schema") != 1 or not isinstance(payload.get("reports"), list):
        raise PullError("the answer is not a schema-1 progress document")
    return payload


def _entry(workspace, day) -> dict:
    """A report entry of the `pull_progress --json` contract, before its counts are known."""
    return {
        "workspace": workspace,
        "day": day,
        "valid": False,
        "invalid_reason": None,
        **dict.fromkeys(("passed", "failed", "errors", "skipped", "xfailed", "xpassed"), 0),
        "tests": [],
        "broken": None,
    }


def _contract(parsed) -> dict:
    """The parsed part of a report entry: counts, each test's outcome, and why it is broken."""
    return parsed.counts() | {
        "tests": [{"id": c.id, "outcome": c.outcome} for c in parsed.checks],
        "broken": parsed.broken or None,
    }


def _store_results(group: PairGroup, day_key: str, parsed, at) -> int:
    """Upsert this report's outcomes; returns rows written. Progress never goes backwards."""
    existing = {r.test_id: r for r in CheckResult.objects.filter(group=group, day_key=day_key)}
    new, changed, newly_passed = [], [], False
    for check in parsed.checks:
        row = existing.get(check.id)
        passed = check.outcome == "passed"
        if row is None:
            new.append(
                CheckResult(
                    group=group,
                    day_key=day_key,
                    test_id=check.id[:300],
                    outcome=check.outcome,
                    not_started=check.not_started,
                    first_passed_at=at if passed else None,
                    updated_at=at,
                )
            )
            newly_passed |= passed
        elif (row.outcome, row.not_started) != (check.outcome, check.not_started) or (
            passed and not row.first_passed_at
        ):
            row.outcome, row.not_started, row.updated_at = check.outcome, check.not_started, at
            if passed and row.first_passed_at is None:
                row.first_passed_at, newly_passed = at, True
            changed.append(row)
    CheckResult.objects.bulk_create(new)
    CheckResult.objects.bulk_update(changed, ["outcome", "not_started", "first_passed_at", "updated_at"])
    updates = {"reported_at": at, "broken": parsed.broken[:300]}
    if newly_passed:
        updates["last_progress_at"] = at
    PairGroup.objects.filter(pk=group.pk).update(**updates)
    return len(new) + len(changed)


def _number(value, scale: float = 1) -> int:
    """A non-negative integer from an untrusted number (garbage, NaN or a negative value is 0)."""
    try:
        number = float(value or 0) * scale
    except (TypeError, ValueError):
        return 0
    return int(number) if 0 <= number < 2**62 else 0


def store(machine: LabMachine, payload: dict) -> list[dict]:
    """Store one agent answer; returns the contract's per-report entries."""
    at = timezone.now()
    payload = clean_data(payload)  # the agent's answer is untrusted text: no NUL or control characters
    items = [r for r in payload["reports"] if isinstance(r, dict)]
    workspaces = {str(r.get("workspace", ""))[:100] for r in items}
    groups = {g.workspace: g for g in PairGroup.objects.filter(workspace__in=workspaces).select_related("day__cohort")}
    expected = expected_tests(list(groups.values()))
    known, newest = {}, {}
    for w, d, sha, seq, valid, reason, summary in LabReport.objects.filter(
        machine=machine, workspace__in=workspaces
    ).values_list("workspace", "day_key", "sha256", "seq", "valid", "invalid_reason", "summary"):
        known[(w, d, sha)] = (valid, reason, summary)
        newest[(w, d)] = max(seq, newest.get((w, d), 0))
    entries = []
    for item in items:
        workspace, day_key = str(item.get("workspace", ""))[:100], str(item.get("day", ""))[:100]
        sha = str(item.get("sha256") or "")[:64]
        seq = _number(item["seq"]) if isinstance(item.get("seq"), int) else _number(item.get("mtime"), 1e6)
        entry = _entry(workspace, day_key)
        if (workspace, day_key, sha) in known:  # unchanged: nothing to write
            valid, reason, summary = known[(workspace, day_key, sha)]
            entries.append(
                entry | {"valid": bool(valid), "invalid_reason": reason or None} | summary.get("contract", {})
            )
            continue
        if seq < newest.get((workspace, day_key), 0):
            entries.append(entry | {"invalid_reason": "older than the report already stored (seq); ignored"})
            continue
        stored = _store_one(machine, item, groups.get(workspace), expected, at, workspace=workspace, day_key=day_key)
        if stored is not None:
            entries.append(entry | stored)
    return entries


def _store_one(machine, item: dict, group, expected: dict, at, *, workspace: str, day_key: str) -> dict | None:
    """One new report: stored raw first, then parsed; its results written. Returns the contract's
    fields for it (valid and counts, or the reason it is invalid); None when another round stored it."""
    fmt, content = str(item.get("format", ""))[:20], item.get("content")
    seq = _number(item["seq"]) if isinstance(item.get("seq"), int) else _number(item.get("mtime"), 1e6)
    try:
        with transaction.atomic():
            report = LabReport.objects.create(
                machine=machine,
                workspace=workspace,
                day_key=day_key,
                format=fmt,
                sha256=str(item.get("sha256") or "")[:64],
                seq=seq,
                size=_number(item.get("size")),
                content=content if isinstance(content, str) else "",
                group=group,
            )
    except IntegrityError:  # another round stored the same content a moment ago
        return None
    try:
        if not isinstance(content, str):
            raise InvalidReport(f"the agent sent no content ({str(item.get('error') or 'missing')[:100]})")
        parsed = parse(fmt, content)
        if group is None:
            raise InvalidReport(f"unknown workspace {workspace!r} (not in any schedule)")
    except InvalidReport as exc:
        report.valid, report.invalid_reason = False, str(exc)[:300]
        report.save(update_fields=["valid", "invalid_reason"])
        return {"invalid_reason": report.invalid_reason}
    wanted = set(expected.get((group.day.cohort.curriculum_id, day_key), []))
    contract = _contract(parsed)
    with transaction.atomic():
        written = _store_results(group, day_key, parsed, at)
        report.valid = True
        report.summary = {
            "contract": contract,
            "expected": len(wanted),
            "unexpected": sorted({c.id for c in parsed.checks} - wanted)[:50] if wanted else [],
            "rows_written": written,
            "properties": parsed.properties,
        }
        report.save(update_fields=["valid", "summary"])
    return {"valid": True} | contract


def claim(machine: LabMachine) -> bool:
    """The per-machine lock: at most one pull at a time (a claim older than twice the deadline is stale)."""
    stale = timezone.now() - timedelta(seconds=2 * settings.LAB_PULL_DEADLINE + 30)
    return bool(
        LabMachine.objects.filter(pk=machine.pk)
        .filter(Q(pulling_since__isnull=True) | Q(pulling_since__lt=stale))
        .update(pulling_since=timezone.now())
    )


def release(machine: LabMachine) -> None:
    LabMachine.objects.filter(pk=machine.pk).update(pulling_since=None)


def _record(machine: LabMachine, pulled: Pulled) -> None:
    at = timezone.now()
    if pulled.ok:
        payload = pulled.payload
        facts = clean_data(payload.get("machine")) if isinstance(payload.get("machine"), dict) else {}
        gpus = facts.get("gpus") if isinstance(facts.get("gpus"), list) else []
        seq = _number(payload.get("seq")) if isinstance(payload.get("seq"), int) else 0
        LabMachine.objects.filter(pk=machine.pk).update(
            last_attempt_at=at,
            last_success_at=at,
            latency_ms=pulled.latency_ms,
            consecutive_failures=0,
            last_error="",
            hostname=str(facts.get("hostname", ""))[:200],
            agent_version=str(facts.get("agent_version", ""))[:50],
            gpus=gpus[:16],
            gpus_note=str(facts.get("gpus_reason", ""))[:300],
            last_seq=seq,
        )
    else:
        LabMachine.objects.filter(pk=machine.pk).update(
            last_attempt_at=at, consecutive_failures=F("consecutive_failures") + 1, last_error=pulled.error[:1000]
        )


def _fetch_for(machine: LabMachine, since: int) -> Pulled:
    try:
        payload, latency = fetch(machine.url, machine.token, since=since)
    except PullError as exc:
        return Pulled(machine.name, False, clean_text(str(exc)))
    return Pulled(machine.name, True, latency_ms=latency, payload=payload)


def _finish(machine: LabMachine, pulled: Pulled) -> Pulled:
    if pulled.ok:
        try:
            pulled.reports = store(machine, pulled.payload)
        except Exception as exc:  # noqa: BLE001  (a storage bug must not lose the round; it is recorded)
            pulled = Pulled(machine.name, False, f"storing failed: {type(exc).__name__}: {exc}"[:500])
    _record(machine, pulled)
    return pulled


def pull_machine(machine: LabMachine) -> Pulled:
    """Pull one machine now (the `pull_progress` command), under the same lock as the rounds."""
    if not claim(machine):
        return Pulled(machine.name, False, "a pull of this machine is already running")
    try:
        return _finish(machine, _fetch_for(machine, machine.last_seq))
    finally:
        release(machine)


def pull_url(url: str, token: str) -> Pulled:
    """Pull an unregistered agent (nothing stored): parse its reports for `pull_progress --url`."""
    try:
        payload, latency = fetch(url, token)
    except PullError as exc:
        return Pulled(url, False, str(exc))
    entries = []
    for item in (r for r in clean_data(payload)["reports"] if isinstance(r, dict)):
        entry = _entry(item.get("workspace"), item.get("day"))
        try:
            if not isinstance(item.get("content"), str):
                raise InvalidReport(f"the agent sent no content ({item.get('error') or 'missing'})")
            parsed = parse(str(item.get("format", "")), item["content"])
            entries.append(entry | {"valid": True} | _contract(parsed))
        except InvalidReport as exc:
            entries.append(entry | {"invalid_reason": str(exc)})
    return Pulled(url, True, latency_ms=latency, payload=payload, reports=entries)


@dataclass
class Round:
    pulled: list[Pulled]
    skipped: list[str]
    seconds: float


def run_round(machines: list[LabMachine] | None = None, *, round_deadline: float | None = None) -> Round:
    """Pull every active machine concurrently; store on this thread; finish within the round deadline."""
    round_deadline = round_deadline or settings.LAB_ROUND_DEADLINE
    started = time.monotonic()
    machines = list(LabMachine.objects.filter(active=True)) if machines is None else machines
    claimed = [m for m in machines if claim(m)]
    skipped = [m.name for m in machines if m not in claimed]
    results: list[Pulled] = []
    pool = ThreadPoolExecutor(max_workers=max(1, min(settings.LAB_PULL_WORKERS, len(claimed))))
    try:
        futures = {pool.submit(_fetch_for, m, m.last_seq): m for m in claimed}
        pending = set(futures)
        while pending:
            left = round_deadline - (time.monotonic() - started)
            if left <= 0:
                break
            done, pending = wait(pending, timeout=left, return_when="FIRST_COMPLETED")
            for future in done:
                results.append(_finish(futures[future], future.result()))
        for future in pending:
            future.cancel()
            results.append(_finish(futures[future], Pulled(futures[future].name, False, "round deadline passed")))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        LabMachine.objects.filter(pk__in=[m.pk for m in claimed]).update(pulling_since=None)
    return Round(results, skipped, time.monotonic() - started)
