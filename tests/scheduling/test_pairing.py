from collections import Counter
from itertools import combinations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from program.scheduling import solve
from program.scheduling.generate import pairing_instance
from program.scheduling.pairing import metrics, violations


@given(
    n=st.integers(1, 16),
    days=st.integers(1, 8),
    seed=st.integers(0, 20),
    absence=st.sampled_from([0.0, 0.1, 0.3]),
    dnp=st.integers(0, 3),
    remote=st.sampled_from([0.0, 0.3]),
)
@settings(max_examples=80, deadline=None)
def test_pairing_never_breaks_a_hard_rule(n, days, seed, absence, dnp, remote):
    instance = pairing_instance(
        n, days, seed=seed, absence_rate=absence, do_not_pair=min(dnp, n * (n - 1) // 2 // 4), remote_share=remote
    )
    instance["options"]["time_limit_s"] = 0.05
    try:
        schedule = solve(instance)
    except Exception as exc:  # only an honest "infeasible" is allowed (do-not-pair can make a day impossible)
        assert type(exc).__name__ == "Infeasible"
        return

    assert violations(instance, schedule["days"]) == {}
    assert schedule["meta"]["repeat_events"] >= schedule["meta"]["repeat_events_lower_bound"]


@given(half=st.integers(1, 12), seed=st.integers(0, 50), data=st.data())
@settings(max_examples=60, deadline=None)
def test_zero_repeats_when_the_bound_is_zero(half, seed, data):
    n = 2 * half
    days = data.draw(st.integers(1, n - 1))
    instance = pairing_instance(n, days, seed=seed)

    schedule = solve(instance)

    assert schedule["meta"]["repeat_events_lower_bound"] == 0
    assert schedule["meta"]["repeat_events"] == 0


def test_odd_days_rotate_who_is_in_the_trio_and_results_are_deterministic():
    instance = pairing_instance(21, 7, seed=4)

    first, second = solve(instance), solve(instance)

    assert first["days"] == second["days"]
    # 7 odd days × 3 trio places = 21 places for 21 people: trios rotate (avoiding a repeat can cost
    # a second trio for a few people, never a third).
    meta = first["meta"]
    assert (meta["repeat_events"], meta["trio_max_per_person"]) == (0, 2) or meta["trio_max_per_person"] == 1
    assert meta["trio_people_with_2plus"] <= 3


def test_forty_people_twenty_days_with_absences_has_no_repeats_and_meets_the_gap_target_mostly():
    instance = pairing_instance(40, 20, seed=1, absence_rate=0.05, do_not_pair=3)

    meta = solve(instance)["meta"]

    assert (meta["repeat_events"], meta["repeat_events_lower_bound"]) == (0, 0)
    assert meta["groups_over_gap_target"] <= 0.1 * 20 * 20


def test_large_cohorts_are_matched_in_daily_blocks_without_breaking_rules():
    instance = pairing_instance(150, 6, seed=2, absence_rate=0.05, do_not_pair=4)

    schedule = solve(instance)

    assert violations(instance, schedule["days"]) == {}
    assert schedule["meta"]["repeat_events"] == 0


def _plain_daily_matching(instance) -> dict | None:
    """A reference of our own: each day a maximum-weight matching that only avoids earlier partners (a
    dummy takes the odd one out, who then joins the pair they have met least); None if do-not-pair
    makes a day impossible for it."""
    dnp = {frozenset(p) for p in instance["do_not_pair"]}
    together, schedule = Counter(), {}
    for day in instance["days"]:
        absent = set(instance["absences"].get(day, []))
        present = [p["id"] for p in instance["participants"] if p["id"] not in absent]
        graph = nx.Graph()
        graph.add_nodes_from(present)
        for a, b in combinations(present, 2):
            if frozenset((a, b)) not in dnp:
                graph.add_edge(a, b, weight=1000 - together[frozenset((a, b))])
        if len(present) % 2:
            graph.add_edges_from((p, "dummy", {"weight": 0}) for p in present)
        matching = nx.max_weight_matching(graph, maxcardinality=True)
        groups = [sorted(e) for e in matching if "dummy" not in e]
        alone = [p for e in matching if "dummy" in e for p in e if p != "dummy"]
        if 2 * len(groups) + len(alone) != len(present):
            return None
        for person in alone:
            fits = [g for g in groups if not any(frozenset((person, q)) in dnp for q in g)]
            if not fits:
                return None
            min(fits, key=lambda g: sum(together[frozenset((person, q))] for q in g)).append(person)
        for group in groups:
            for a, b in combinations(group, 2):
                together[frozenset((a, b))] += 1
        schedule[day] = groups
    return schedule


def _circle_method(instance) -> dict:
    ids = [p["id"] for p in instance["participants"]]
    schedule = {}
    for index, day in enumerate(instance["days"]):
        ring = ids[1:][index % (len(ids) - 1) :] + ids[1:][: index % (len(ids) - 1)]
        order = [ids[0], *ring]
        schedule[day] = [sorted([order[k], order[-1 - k]]) for k in range(len(order) // 2)]
    return schedule


@given(
    n=st.sampled_from([7, 12, 31, 40]),
    days=st.integers(20, 30),
    seed=st.integers(0, 10_000),
    dnp=st.integers(0, 3),
)
@settings(max_examples=10, deadline=None)
def test_repeats_never_exceed_a_plain_daily_matching_or_the_circle_method(n, days, seed, dnp):
    instance = pairing_instance(n, days, seed=seed, absence_rate=0.05, do_not_pair=dnp, long_absences=2)
    plain = _plain_daily_matching(instance)

    schedule = solve(instance)
    meta = schedule["meta"]

    assert violations(instance, schedule["days"]) == {}
    assert meta["repeat_events"] >= meta["repeat_events_lower_bound"]
    if plain is not None:
        assert violations(instance, plain) == {}
        assert meta["repeat_events"] <= metrics(instance, plain)["repeat_events"]
    if n % 2 == 0 and not dnp:
        clean = {**instance, "absences": {}}
        assert solve(clean)["meta"]["repeat_events"] <= metrics(clean, _circle_method(clean))["repeat_events"]


def test_the_global_phase_reaches_the_bound_where_daily_matching_does_not():
    """Forty people, thirty days, absences: day by day leaves repeats; the whole horizon has none."""
    instance = pairing_instance(40, 30, seed=1, absence_rate=0.05, do_not_pair=3)
    plain = metrics(instance, _plain_daily_matching(instance))["repeat_events"]

    meta = solve(instance)["meta"]

    assert plain > 0 and meta["repeat_events"] == meta["repeat_events_lower_bound"] == 0
    assert meta["repeats_proven_fewest"] and meta["solver"] == "matching+local-search"
