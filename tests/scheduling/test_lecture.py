import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from program.scheduling import Infeasible, solve
from program.scheduling.generate import lecture_instance, planted_lecture_instance
from program.scheduling.lecture import _latest_fit, metrics, violations
from program.scheduling.lecture_model import Conflict, relax


@given(n=st.integers(1, 14), days=st.integers(3, 10), seed=st.integers(0, 50))
@settings(max_examples=60, deadline=None)
def test_a_plan_breaks_no_rule_and_no_plan_names_rules_whose_removal_leaves_one(n, days, seed):
    instance = lecture_instance(n, days, seed=seed)
    try:
        schedule = solve(instance)
    except Infeasible as exc:
        if not isinstance(exc, Conflict):  # not a rule an organizer can relax: more lectures than places
            assert n > 2 * days and str(exc) == f"{n} lectures but only {2 * days} (day, slot) places"
            return
        assert str(exc).startswith("no plan") and exc.rules
        relaxed = solve(relax(instance, exc.rules))  # raises if the explanation left a conflict out
        assert violations(relax(instance, exc.rules), relaxed["lectures"]) == {}
        return

    assert violations(instance, schedule["lectures"]) == {}


@given(seed=st.integers(0, 10_000))
@settings(max_examples=15, deadline=None)
def test_a_planted_plan_is_always_found_and_proven_best_where_latest_fit_gives_up(seed):
    instance = planted_lecture_instance(36, 20, seed=seed)

    schedule = solve(instance)

    assert violations(instance, schedule["lectures"]) == {} and schedule["meta"]["proven_optimal"]


def test_latest_fit_alone_misses_plans_the_engine_finds():
    missed = 0
    for seed in range(5):
        instance = planted_lecture_instance(40, 20, seed=seed)
        try:
            _latest_fit(instance)
        except Infeasible:
            missed += 1
        assert violations(instance, solve(instance)["lectures"]) == {}
    assert missed > 0  # the reason for the exact model: a greedy cannot stand in for it


def _brute_force(instance: dict) -> int | None:
    """The fewest days early over every assignment (None: no plan), by enumeration."""
    days, slots = instance["days"], instance["slots_per_day"]
    lectures = instance["lectures"]
    options = [
        [{"day": d, "slot": s, "lecturer": lid} for d in days for s in slots for lid in lecture["lecturers"]]
        for lecture in lectures
    ]
    best = None
    for combo in itertools.product(*options):
        schedule = {lecture["id"]: place for lecture, place in zip(lectures, combo, strict=True)}
        if not violations(instance, schedule):
            early = metrics(instance, schedule)["earliness_total_days"]
            best = early if best is None else min(best, early)
    return best


@given(n=st.integers(1, 4), days=st.integers(2, 3), seed=st.integers(0, 500))
@settings(max_examples=60, deadline=None)
def test_on_small_instances_the_engine_finds_a_plan_exactly_when_brute_force_does_and_as_good(n, days, seed):
    instance = lecture_instance(n, days, n_lecturers=4, seed=seed)
    for lecture in instance["lectures"]:
        lecture["lecturers"] = lecture["lecturers"][:2]
    optimum = _brute_force(instance)

    try:
        found = solve(instance)["meta"]["earliness_total_days"]
    except Infeasible:
        found = None

    assert found == optimum


def test_an_explanation_names_the_rules_in_words():
    instance = {
        "kind": "lecture", "id": "tight", "seed": 0, "days": ["d01", "d02", "d03", "d04"], "slots_per_day": ["am"],
        "lecturers": [{"id": "L1", "available": ["d01", "d04"]}],
        "lectures": [
            {"id": "A", "earliest_day": "d01", "due_day": "d04", "lecturers": ["L1"], "prerequisites": []},
            {"id": "B", "earliest_day": "d01", "due_day": "d02", "lecturers": ["L1"], "prerequisites": ["A"]},
        ],
        "options": {"lecturer_max_per_day": 1},
    }  # fmt: skip

    with pytest.raises(Conflict) as caught:
        solve(instance)

    assert (
        str(caught.value) == "no plan satisfies all of: lecturer L1 unavailable d02–d03; B due by d02; B must follow A"
    )


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
