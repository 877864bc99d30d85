"""`pairing` instances: daily pair-programming groups (shared/scheduling/FORMAT.md, section 1).

Each day is one maximum-weight perfect matching (networkx) over the people present, where an edge's
weight falls steeply with how often the two have already paired (so an unrepeated pair always beats
a repeat), less steeply when they paired recently or their skills are far apart or they are on
different sites. do-not-pair pairs have no edge at all. On an odd day the person with the fewest
trios so far (ties broken by the seed) joins the pair where they fit best. When nobody is absent,
nobody is on a do-not-pair list and the head count is even, the circle method is also tried: it
guarantees zero repeats for up to n − 1 days, which a day-by-day greedy cannot always promise; the
better of the two schedules is kept. Deterministic for a seed.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections import Counter, defaultdict
from itertools import combinations

import networkx as nx

from .errors import Infeasible, MalformedInstance
from .pairing_search import Search

REPEAT = 1_000_000  # per earlier pairing: dwarfs every other term, so repeats are a last resort
RECENT = 10_000
GAP = 100
SITE = 10
TRIO = 50_000  # per earlier trio of a pair member: above skill and site, below any repeat


def _check(instance: dict) -> None:
    for key in ("id", "days", "participants"):
        if key not in instance:
            raise MalformedInstance(f"missing {key!r}")
    ids = [p.get("id") for p in instance["participants"]]
    if None in ids or len(set(ids)) != len(ids):
        raise MalformedInstance("every participant needs a unique id")
    known, days = set(ids), set(instance["days"])
    for day, people in instance.get("absences", {}).items():
        if day not in days:
            raise MalformedInstance(f"absences name an unknown day {day!r}")
        if set(people) - known:
            raise MalformedInstance(f"absences on {day} name unknown participants {sorted(set(people) - known)[:5]}")
    for pair in instance.get("do_not_pair", []):
        if len(pair) != 2 or set(pair) - known:
            raise MalformedInstance(f"do_not_pair entry {pair!r} must name two known participants")


def solve(instance: dict) -> dict:
    started = time.perf_counter()
    _check(instance)
    greedy = _greedy(instance)
    best, solver = greedy, "matching"
    if _circle_applicable(instance):
        circle = _circle(instance)
        if _score(instance, circle) < _score(instance, greedy):
            best, solver = circle, "circle"
    floor = bounds(instance)
    limit = float(instance.get("options", {}).get("time_limit_s", 1.0 if len(instance["participants"]) <= 100 else 2))
    search = {}
    if metrics(instance, best)["repeat_events"] > floor["repeat_events_lower_bound"] or solver != "circle":
        phase = Search(
            instance, best, locked=instance.get("fixed", {}), dnp=_dnp(instance), history=instance.get("history", [])
        )
        # Swaps worth the time limit, whatever the construction took: the same schedule on every machine;
        # the clock stops it at twice the limit in all only on a much slower machine.
        wall = max(0.0, 2 * limit - (time.perf_counter() - started))
        improved, search = phase.run(limit, instance.get("seed", 0), wall_s=wall)
        if _score(instance, improved) < _score(instance, best):
            best, solver = improved, f"{solver}+local-search"
    meta = {"solver": solver, "runtime_s": round(time.perf_counter() - started, 4), **search}
    meta.update(metrics(instance, best))
    meta.update(floor)
    meta["repeats_proven_fewest"] = meta["repeat_events"] == floor["repeat_events_lower_bound"]
    return {"kind": "pairing", "instance_id": instance["id"], "days": best, "meta": meta}


def _people(instance):
    return {p["id"]: p for p in instance["participants"]}


def _present(instance, day):
    absent = set(instance.get("absences", {}).get(day, []))
    return [p["id"] for p in instance["participants"] if p["id"] not in absent]


def _dnp(instance):
    return {frozenset(p) for p in instance.get("do_not_pair", [])}


def _greedy(instance: dict) -> dict:
    """Day-by-day matching: each day a maximum-weight matching that avoids repeats and wide skill gaps.

    Long because the day loop keeps its running state (who paired with whom, when, trio load) in locals
    the per-day scoring reads; issue 17 replaces it with a construction plus a global improvement phase."""
    people = _people(instance)
    options = instance.get("options", {})
    gap_target = options.get("skill_gap_target", 5)
    window = options.get("recent_window_days", 5)
    dnp = _dnp(instance)
    rng = random.Random(instance.get("seed", 0))
    order = {pid: i for i, pid in enumerate(rng.sample(list(people), len(people)))}
    # Extensions to FORMAT.md used by Runway's pages (absent from an instance, they change nothing):
    # "history": groups of earlier days that count as already paired; "fixed": {day: [groups]} kept as is.
    together: Counter = Counter()
    for group in instance.get("history", []):
        for a, b in combinations(group, 2):
            together[frozenset((a, b))] += 1
    fixed = instance.get("fixed", {})
    last_day: dict = {}
    trios: Counter = Counter()
    schedule = {}
    for index, day in enumerate(instance["days"]):
        kept = [list(g) for g in fixed.get(day, [])]
        kept_people = {p for g in kept for p in g}
        present = sorted((p for p in _present(instance, day) if p not in kept_people), key=order.get)

        def cost(a, b, index=index):
            key = frozenset((a, b))
            c = REPEAT * together[key]
            if key in last_day and index - last_day[key] <= window:
                c += RECENT * (window - (index - last_day[key]) + 1)
            gap = abs(people[a].get("skill", 3) - people[b].get("skill", 3))
            c += GAP * max(0, gap - gap_target) * 10 + GAP * gap // 10
            if people[a].get("site") != people[b].get("site"):
                c += SITE
            return c

        trio = None
        if len(present) % 2 == 1 and len(present) > 1:
            # The trio is chosen first, among the people with the fewest trios so far, so trios rotate.
            candidates = sorted(present, key=lambda p: (trios[p], order[p]))[:8]
            options = [
                t for t in combinations(candidates, 3) if not any(frozenset(pair) in dnp for pair in combinations(t, 2))
            ]
            if not options:
                raise Infeasible(f"on {day} no three people can form a trio without breaking do-not-pair")
            trio = list(
                min(
                    options,
                    key=lambda t: (
                        sum(cost(a, b) for a, b in combinations(t, 2)) + TRIO * sum(trios[p] for p in t),
                        [order[p] for p in t],
                    ),
                )
            )
            present = [p for p in present if p not in trio]
        groups = _match_in_blocks(present, cost, dnp, random.Random(f"{instance.get('seed', 0)}:{index}"))
        if trio is not None:
            groups.append(trio)
        elif len(present) == 1:
            groups = [present] if not kept else []
            if kept:
                kept[0].append(present[0])  # one person left: joins a kept group rather than working alone
        groups = kept + groups
        for group in groups:
            if len(group) == 3:
                for member in group:
                    trios[member] += 1
            for a, b in combinations(group, 2):
                together[frozenset((a, b))] += 1
                last_day[frozenset((a, b))] = index
        schedule[day] = [sorted(g, key=order.get) for g in groups]
    return schedule


BLOCK = 64  # above this many people, match within blocks re-drawn every day (blossom matching is ~n³)


def _match_in_blocks(present: list, cost, dnp, rng: random.Random) -> list[list]:
    """For large cohorts: shuffle the day's people into even blocks of at most BLOCK and match each.
    With fresh blocks every day everyone still meets new people; history still counts in the costs."""
    if len(present) <= BLOCK:
        return _match(present, cost, dnp)
    shuffled = rng.sample(present, len(present))
    count = math.ceil(len(shuffled) / BLOCK)
    size = math.ceil(len(shuffled) / count / 2) * 2
    groups = []
    for start in range(0, len(shuffled), size):
        block = shuffled[start : start + size]
        try:
            groups.extend(_match(block, cost, dnp))
        except Infeasible:
            return _match(present, cost, dnp)  # do-not-pair split a block badly: match everyone at once
    return groups


def _match(present: list, cost, dnp) -> list[list]:
    if not present:
        return []
    graph = nx.Graph()
    graph.add_nodes_from(range(len(present)))
    costs = {}
    for i, j in combinations(range(len(present)), 2):
        a, b = present[i], present[j]
        if frozenset((a, b)) in dnp:
            continue
        costs[(i, j)] = cost(a, b)
    top = max(costs.values(), default=0) + 1
    for (i, j), c in costs.items():
        graph.add_edge(i, j, weight=top - c)
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    if 2 * len(matching) != len(present):
        raise Infeasible("do-not-pair rules leave no way to pair everyone present")
    return [sorted([present[i], present[j]]) for i, j in sorted(tuple(sorted(e)) for e in matching)]


def _circle_applicable(instance: dict) -> bool:
    n = len(instance["participants"])
    return (
        n % 2 == 0
        and n >= 2
        and not any(instance.get("absences", {}).values())
        and not instance.get("do_not_pair")
        and not instance.get("history")
        and not instance.get("fixed")
    )


def _circle(instance: dict) -> dict:
    """Round robin: fix one person, rotate the others; n − 1 days without a single repeat."""
    rng = random.Random(instance.get("seed", 0))
    ids = [p["id"] for p in instance["participants"]]
    best = None
    for _attempt in range(8):  # a few seatings; keep the one with the smallest skill gaps
        seats = rng.sample(ids, len(ids))
        schedule = {}
        for index, day in enumerate(instance["days"]):
            rotation = index % (len(seats) - 1)
            ring = seats[1:]
            ring = ring[rotation:] + ring[:rotation]
            order = [seats[0], *ring]
            half = len(order) // 2
            schedule[day] = [sorted([order[k], order[-1 - k]]) for k in range(half)]
        if best is None or _score(instance, schedule) < _score(instance, best):
            best = schedule
    return best


def _score(instance: dict, schedule: dict) -> tuple:
    m = metrics(instance, schedule)
    return (
        m["repeat_events"],
        m["max_pair_multiplicity"],
        m["recent_repeats"],
        m["groups_over_gap_target"],
        m["skill_gap_mean"],
    )


def metrics(instance: dict, schedule: dict) -> dict:
    people = _people(instance)
    options = instance.get("options", {})
    gap_target = options.get("skill_gap_target", 5)
    window = options.get("recent_window_days", 5)
    together: Counter = Counter()
    days_of: dict = defaultdict(list)
    partners: dict = defaultdict(set)
    trios: Counter = Counter()
    gaps, over, cross = [], 0, 0
    for index, day in enumerate(instance["days"]):
        for group in schedule.get(day, []):
            skills = [people[p].get("skill", 3) for p in group]
            gap = max(skills) - min(skills)
            gaps.append(gap)
            over += gap > gap_target
            cross += len({people[p].get("site") for p in group}) > 1
            if len(group) == 3:
                for p in group:
                    trios[p] += 1
            for a, b in combinations(group, 2):
                key = frozenset((a, b))
                together[key] += 1
                days_of[key].append(index)
                partners[a].add(b)
                partners[b].add(a)
    repeats = sum(c - 1 for c in together.values() if c > 1)
    intervals = [later - earlier for ds in days_of.values() for earlier, later in zip(ds, ds[1:])]
    distinct = [len(partners[p]) for p in people]
    trio_counts = [trios[p] for p in people]
    return {
        "repeat_events": repeats,
        "max_pair_multiplicity": max(together.values(), default=0),
        "pairs_repeated": sum(1 for c in together.values() if c > 1),
        "recent_repeats": sum(1 for gap in intervals if gap <= window),
        "min_days_between_repeats": min(intervals, default=None),
        "distinct_partners_min": min(distinct, default=0),
        "distinct_partners_mean": round(statistics.mean(distinct), 3) if distinct else 0,
        "skill_gap_mean": round(statistics.mean(gaps), 3) if gaps else 0,
        "skill_gap_max": max(gaps, default=0),
        "groups_over_gap_target": over,
        "cross_site_groups": cross,
        "trio_max_per_person": max(trio_counts, default=0),
        "trio_people_with_2plus": sum(1 for c in trio_counts if c >= 2),
        "trio_std": round(statistics.pstdev(trio_counts), 3) if trio_counts else 0,
    }


def bounds(instance: dict) -> dict:
    ids = [p["id"] for p in instance["participants"]]
    dnp = _dnp(instance)
    present_days = Counter()
    needed = 0
    for day in instance["days"]:
        present = _present(instance, day)
        for p in present:
            present_days[p] += 1
        m = len(present)
        if m > 1:
            needed += m // 2 if m % 2 == 0 else (m + 3) // 2
    eligible = {p: sum(1 for q in ids if q != p and frozenset((p, q)) not in dnp) for p in ids}
    per_person = math.ceil(sum(max(0, present_days[p] - eligible[p]) for p in ids) / 2)
    eligible_pairs = sum(1 for a, b in combinations(ids, 2) if frozenset((a, b)) not in dnp)
    return {
        "repeat_events_lower_bound": max(per_person, needed - eligible_pairs, 0),
        "max_pair_multiplicity_lower_bound": max(
            (math.ceil(present_days[p] / eligible[p]) for p in ids if eligible[p] and present_days[p]), default=0
        ),
    }


def violations(instance: dict, schedule: dict) -> Counter:
    """Every hard-rule breach, counted under FORMAT.md's names."""
    known = {p["id"] for p in instance["participants"]}
    dnp = _dnp(instance)
    sizes = set(instance.get("options", {}).get("group_sizes", [2, 3]))
    trio_rule = instance.get("options", {}).get("trio_rule", "only_if_odd")
    found = Counter()
    for day, groups in schedule.items():
        if day not in instance["days"]:
            found["unknown_day"] += 1
            continue
        present = set(_present(instance, day))
        seen = Counter(p for g in groups for p in g)
        found["unknown_id"] += sum(1 for p in seen if p not in known)
        found["double_booked"] += sum(1 for c in seen.values() if c > 1)
        found["absent_scheduled"] += sum(1 for p in seen if p in known and p not in present)
        found["present_unassigned"] += len(present - set(seen))
        for g in groups:
            if len(g) not in sizes and not (len(g) == 1 and len(present) == 1):
                found["bad_group_size"] += 1
            found["do_not_pair"] += sum(1 for a, b in combinations(g, 2) if frozenset((a, b)) in dnp)
        if trio_rule == "only_if_odd" and len(present) > 1:
            found["trio_rule"] += sum(1 for g in groups if len(g) == 3) != len(present) % 2
    for day in instance["days"]:
        if day not in schedule and len(_present(instance, day)) > 0:
            found["present_unassigned"] += len(_present(instance, day))
    return +found
