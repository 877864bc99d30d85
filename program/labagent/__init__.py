"""Runway's lab agent: runs on each GPU lab machine, standard library only (plus the optional NVML
bindings `nvidia-ml-py`), no Django. Copy this folder to the machine and run `python -m labagent`
(or `python -m program.labagent` inside a Runway checkout).

    serve  answers GET /v1/progress with the machine's facts and its pytest reports
    test   runs a day's official tests against a workspace and writes the JUnit report
"""

AGENT_VERSION = "1.0"
SCHEMA = 1
