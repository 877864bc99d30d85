"""Reading pytest reports honestly, as untrusted input (defusedxml: no DTDs, no entities; size cap).

Outcomes per test: passed, failed, error (setup, teardown or collection), skipped, xfailed (JUnit puts
these inside <skipped type="pytest.xfail">), xpassed (JUnit: <skipped message="xfail-marked test passes
unexpectedly"> or, under xfail_strict, a failure "[XPASS(strict)] ..."). A test file that did not even
import is a collection error: the report is "broken", not "0 of N". A failure whose message is
NotImplementedError marks the test as not started. Test ids are pytest node ids without the file path:
`test_x`, `test_x[param]`, `TestClass::test_x`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from program.text import clean_data

MAX_REPORT_BYTES = 2 * 1024 * 1024
OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
_MODULE = re.compile(r"(^test_|_test$|^tests?$)")


class InvalidReport(ValueError):
    """The reason, in words an organizer can read."""


@dataclass
class Check:
    id: str
    outcome: str
    not_started: bool = False
    message: str = ""


@dataclass
class Parsed:
    checks: list[Check] = field(default_factory=list)
    broken: str = ""
    properties: dict = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """The contract's counts (`errors` is the plural of the `error` outcome)."""
        counts = dict.fromkeys(OUTCOMES, 0)
        for check in self.checks:
            counts[check.outcome] += 1
        counts["errors"] = counts.pop("error")
        return counts


def _junit_id(classname: str, name: str) -> str:
    parts = [p for p in classname.split(".") if p]
    modules = [i for i, p in enumerate(parts) if _MODULE.search(p)]
    classes = parts[modules[-1] + 1 :] if modules else [p for p in parts if p[:1].isupper()]
    return "::".join([*classes, name])


def _not_implemented(message: str) -> bool:
    return message.strip().split(":", 1)[0].strip() in ("NotImplementedError", "E   NotImplementedError")


def parse_junit(content: str) -> Parsed:
    if not content.strip():
        raise InvalidReport("empty report")
    if len(content.encode()) > MAX_REPORT_BYTES:
        raise InvalidReport(f"report larger than {MAX_REPORT_BYTES // 1024} KiB")
    try:
        root = fromstring(content, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise InvalidReport(f"refused: {type(exc).__name__} (DTDs and entities are not allowed)") from None
    except ParseError as exc:
        raise InvalidReport(f"not well-formed XML, perhaps truncated ({exc})") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise InvalidReport(f"not a JUnit report (root element <{root.tag[:40]}>)")
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    parsed = Parsed()
    for suite in suites:
        for prop in suite.iterfind("properties/property"):
            parsed.properties[prop.get("name", "")[:50]] = prop.get("value", "")[:200]
        for case in suite.iter("testcase"):
            classname, name = case.get("classname", ""), case.get("name", "")
            children = {child.tag: child for child in case}
            if "error" in children and children["error"].get("message") == "collection failure":
                detail = (children["error"].text or "").strip().splitlines()
                parsed.broken = f"{name or classname} did not import: {(detail[-1] if detail else '')[:200]}"
                continue
            message = ""
            if "failure" in children:
                message = children["failure"].get("message", "")
                outcome = "xpassed" if message.startswith("[XPASS(strict)]") else "failed"
            elif "error" in children:
                outcome, message = "error", children["error"].get("message", "")
            elif "skipped" in children:
                skipped = children["skipped"]
                message = skipped.get("message", "")
                if skipped.get("type") == "pytest.xfail":
                    outcome = "xfailed"
                elif message == "xfail-marked test passes unexpectedly":
                    outcome = "xpassed"
                else:
                    outcome = "skipped"
            else:
                outcome = "passed"
            parsed.checks.append(
                Check(
                    _junit_id(classname, name),
                    outcome,
                    not_started=outcome == "failed" and _not_implemented(message),
                    message=message[:300],
                )
            )
    return parsed


def parse_json_report(content: str) -> Parsed:
    """pytest-json-report's format: `tests[]` with `nodeid` and `outcome`; `collectors[]` with failures."""
    if not content.strip():
        raise InvalidReport("empty report")
    if len(content.encode()) > MAX_REPORT_BYTES:
        raise InvalidReport(f"report larger than {MAX_REPORT_BYTES // 1024} KiB")
    try:
        data = clean_data(json.loads(content))  # "\u0000" in a string decodes to a NUL no database stores
    except ValueError as exc:
        raise InvalidReport(f"not valid JSON, perhaps truncated ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("tests", []), list):
        raise InvalidReport("not a pytest-json-report file (no tests list)")
    parsed = Parsed()
    for collector in data.get("collectors", []) or []:
        if isinstance(collector, dict) and collector.get("outcome") == "failed":
            parsed.broken = (
                f"{collector.get('nodeid', '?')} did not import: {str(collector.get('longrepr', ''))[-200:]}"
            )
    for test in data.get("tests", []):
        if not isinstance(test, dict) or not isinstance(test.get("nodeid"), str):
            raise InvalidReport("a test without a nodeid")
        outcome = test.get("outcome")
        if outcome not in OUTCOMES:
            raise InvalidReport(f"unknown outcome {str(outcome)[:20]!r}")
        crash = ""
        for stage in ("setup", "call", "teardown"):
            info = test.get(stage) or {}
            if isinstance(info, dict) and info.get("outcome") == "failed":
                crash = str((info.get("crash") or {}).get("message", "") or info.get("longrepr", ""))
                if stage != "call" and outcome == "failed":
                    outcome = "error"
                break
        parsed.checks.append(
            Check(
                test["nodeid"].split("::", 1)[1] if "::" in test["nodeid"] else test["nodeid"],
                outcome,
                not_started=outcome == "failed" and _not_implemented(crash),
                message=crash[:300],
            )
        )
    return parsed


def parse(fmt: str, content: str) -> Parsed:
    if fmt == "junit":
        return parse_junit(content)
    if fmt == "pytest-json":
        return parse_json_report(content)
    raise InvalidReport(f"unknown report format {fmt[:20]!r}")
