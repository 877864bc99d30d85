import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from program.scheduling import Infeasible, solve
from program.scheduling.generate import lecture_instance
from program.scheduling.lecture import violations


@given(n=st.integers(1, 30), days=st.integers(5, 20), seed=st.integers(0, 50))
@settings(max_examples=80, deadline=None)
def test_lecture_schedule_breaks_no_rule_or_says_why_not(n, days, seed):
    instance = lecture_instance(n, days, seed=seed)
    try:
        schedule = solve(instance)
    except Infeasible as exc:
        assert "no free slot" in str(exc) or "cycle" in str(exc)
        return

    assert violations(instance, schedule["lectures"]) == {}


def test_lectures_land_as_late_as_allowed_and_prerequisites_come_first():
    instance = {
        "kind": "lecture",
        "id": "small",
        "seed": 0,
        "days": ["d01", "d02", "d03"],
        "slots_per_day": ["am", "pm"],
        "lecturers": [{"id": "A", "available": ["d01", "d02", "d03"], "max_total": 5}],
        "lectures": [
            {"id": "intro", "earliest_day": "d01", "due_day": "d03", "lecturers": ["A"], "prerequisites": []},
            {"id": "advanced", "earliest_day": "d01", "due_day": "d03", "lecturers": ["A"], "prerequisites": ["intro"]},
        ],
        "options": {"one_lecture_per_slot": True, "lecturer_max_per_day": 1},
    }

    schedule = solve(instance)

    assert schedule["lectures"] == {
        "advanced": {"day": "d03", "slot": "pm", "lecturer": "A"},
        "intro": {"day": "d02", "slot": "pm", "lecturer": "A"},
    }
    assert schedule["meta"]["earliness_total_days"] == 1


def test_cyclic_prerequisites_are_infeasible():
    instance = lecture_instance(3, 5, seed=1)
    instance["lectures"][0]["prerequisites"] = ["lec02"]
    instance["lectures"][2]["prerequisites"] = ["lec00"]

    with pytest.raises(Infeasible, match="cycle"):
        solve(instance)


def test_cli_exits_1_with_the_reason_when_infeasible():
    import json
    import subprocess
    import sys
    from pathlib import Path

    instance = lecture_instance(3, 5, seed=1)
    instance["lectures"][0]["prerequisites"] = ["lec02"]
    instance["lectures"][2]["prerequisites"] = ["lec00"]

    result = subprocess.run(
        [sys.executable, "-m", "program.scheduling", "-"],
        input=json.dumps(instance),
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )

    assert result.returncode == 1 and result.stderr.startswith("infeasible: prerequisites form a cycle")
