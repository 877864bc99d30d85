"""Curriculum progress from the GPU lab machines: the collector that pulls the agents (deadlines,
locks, storing), the report parsers (JUnit, pytest-json-report: untrusted input), reading progress
(one rule for a group's day), and the pages.

May import: `program`; never the agent itself (`program.labagent` runs on the lab machines)."""
