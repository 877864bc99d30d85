"""On a real GPU: the agent's NVML path and a curriculum day whose tests use CUDA.

Skipped, with the reason, where there is no NVIDIA GPU (CI never has one); run on a GPU machine with
`pip install nvidia-ml-py torch` and `pytest -m gpu tests/program/test_labagent_gpu.py`.
"""

import json
import shutil

import pytest

from program.labagent.gpus import gpu_facts
from program.labs.reports import parse_junit
from tests.servers.labagents import Agent, run_day

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def gpus():
    facts, reason = gpu_facts()
    if not facts:
        pytest.skip(f"no GPU here: {reason}" + ("" if shutil.which("nvidia-smi") else "; nvidia-smi not found"))
    return facts


def test_nvml_reports_every_gpu_with_memory_and_utilisation(gpus):
    for index, gpu in enumerate(gpus):
        assert gpu["index"] == index and gpu["name"]
        assert gpu["memory_total_mib"] > 0 and 0 <= gpu["memory_used_mib"] <= gpu["memory_total_mib"]
        assert 0 <= gpu["utilization_pct"] <= 100


def test_a_cuda_day_passes_on_the_gpu_and_is_served_with_gpu_facts(gpus, tmp_path):
    pytest.importorskip("torch", reason="the CUDA day's tests need torch")
    reports = tmp_path / "reports"
    path = run_day(reports, "gpu-d03-g01", "day3", "good")
    parsed = parse_junit(path.read_text())
    assert [(c.id, c.outcome) for c in parsed.checks] == [("test_matmul_on_cuda", "passed")]

    agent = Agent(reports)
    try:
        import urllib.request

        request = urllib.request.Request(f"{agent.url}/v1/progress", headers={"Authorization": f"Bearer {agent.token}"})
        body = json.loads(urllib.request.urlopen(request, timeout=10).read())
    finally:
        agent.stop()
    print(
        json.dumps({**body, "reports": [{**r, "content": r["content"][:200] + "…"} for r in body["reports"]]}, indent=2)
    )
    assert body["machine"]["gpus"] and body["machine"]["gpus"][0]["memory_total_mib"] == gpus[0]["memory_total_mib"]
