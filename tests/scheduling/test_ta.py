from hypothesis import given, settings
from hypothesis import strategies as st

from program.scheduling import solve
from program.scheduling.generate import ta_instance
from program.scheduling.ta import violations


@given(n=st.integers(1, 30), days=st.integers(1, 10), rooms=st.integers(1, 4), seed=st.integers(0, 30))
@settings(max_examples=60, deadline=None)
def test_ta_assignment_breaks_no_rule_and_reaches_the_exact_coverage_bound(n, days, rooms, seed):
    instance = ta_instance(n, days, rooms, seed=seed)

    schedule = solve(instance)

    meta = schedule["meta"]
    assert violations(instance, schedule["assignments"]) == {}
    assert meta["coverage_fraction"] == meta["coverage_upper_bound"]
    assert meta["overstaffed_slots"] == 0


def test_load_is_balanced_when_there_is_slack():
    instance = ta_instance(120, 20, seed=1)

    meta = solve(instance)["meta"]

    assert meta["coverage_fraction"] == 1.0
    assert meta["load_max"] - meta["load_min"] <= 2
    assert meta["topic_match_fraction"] > 0.8
