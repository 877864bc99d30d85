"""`ta` instances: TAs to (day, room) (shared/scheduling/FORMAT.md, section 2) as a min-cost max flow.

Network (capacity, cost):
    source → TA                 one unit edge per day the TA may work: (1, k²) for the k-th day
    TA → (TA, day)              (1, 0) when the TA is available that day (at most one room a day)
    (TA, day) → (day, room)     (1, 0 if the day's topic is one of the TA's topics, else 1)
    (day, room) → sink          (demand, 0)
The flow is maximum, so coverage equals its exact upper bound; among maximum flows the cost is
least, and the rising per-day cost spreads days across TAs (balanced load) before topic matching.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter

import networkx as nx

from .errors import MalformedInstance


def _check(instance: dict) -> None:
    for key in ("id", "days", "rooms", "tas", "demand"):
        if key not in instance:
            raise MalformedInstance(f"missing {key!r}")
    days, rooms = set(instance["days"]), {r["id"] for r in instance["rooms"]}
    for day, wanted in instance["demand"].items():
        if day not in days or set(wanted) - rooms:
            raise MalformedInstance(f"demand names an unknown day or room: {day} {sorted(set(wanted) - rooms)[:3]}")
    for ta in instance["tas"]:
        if "id" not in ta or set(ta.get("available", [])) - days:
            raise MalformedInstance(f"TA {ta.get('id')!r} is missing an id or names unknown days")


def solve(instance: dict) -> dict:
    started = time.perf_counter()
    _check(instance)
    topics = instance.get("day_topics", {})
    graph = nx.DiGraph()
    ids: dict = {}

    def node(name) -> int:  # integer nodes: the same result in every process
        return ids.setdefault(name, len(ids))

    source, sink = node("source"), node("sink")
    for ta in instance["tas"]:
        available = [d for d in instance["days"] if d in set(ta.get("available", []))]
        limit = min(int(ta.get("max_days", len(available))), len(available))
        for k in range(1, limit + 1):  # unit edges with rising cost: a convex cost of load
            hub = node(("unit", ta["id"], k))
            graph.add_edge(source, hub, capacity=1, weight=k * k)
            graph.add_edge(hub, node(("ta", ta["id"])), capacity=1, weight=0)
        for day in available:
            graph.add_edge(node(("ta", ta["id"])), node(("tad", ta["id"], day)), capacity=1, weight=0)
            for room, wanted in instance["demand"].get(day, {}).items():
                if wanted > 0:
                    match = topics.get(day) in set(ta.get("topics", []))
                    graph.add_edge(
                        node(("tad", ta["id"], day)), node(("room", day, room)), capacity=1, weight=0 if match else 1
                    )
    for day, wanted in instance["demand"].items():
        for room, count in wanted.items():
            if count > 0:
                graph.add_edge(node(("room", day, room)), sink, capacity=int(count), weight=0)
    names = {v: k for k, v in ids.items()}
    assignments: dict = {}
    if graph.has_node(source) and graph.has_node(sink) and nx.has_path(graph, source, sink):
        flow = nx.max_flow_min_cost(graph, source, sink)
        for start, targets in flow.items():
            origin = names[start]
            if isinstance(origin, tuple) and origin[0] == "tad":
                for target, amount in targets.items():
                    if amount:
                        _, day, room = names[target]
                        assignments.setdefault(day, {}).setdefault(room, []).append(origin[1])
    for rooms in assignments.values():
        for tas in rooms.values():
            tas.sort()
    meta = {"solver": "networkx.max_flow_min_cost", "runtime_s": round(time.perf_counter() - started, 4)}
    meta.update(metrics(instance, assignments))
    meta.update(bounds(instance))
    return {"kind": "ta", "instance_id": instance["id"], "assignments": assignments, "meta": meta}


def bounds(instance: dict) -> dict:
    """`coverage_upper_bound`: the exact maximum from source → TA[max_days] → TA-day[1] → day[demand] → sink."""
    graph = nx.DiGraph()
    for ta in instance["tas"]:
        graph.add_edge("s", ("ta", ta["id"]), capacity=int(ta.get("max_days", len(instance["days"]))))
        for day in ta.get("available", []):
            graph.add_edge(("ta", ta["id"]), ("tad", ta["id"], day), capacity=1)
            graph.add_edge(("tad", ta["id"], day), ("day", day), capacity=1)
    total = 0
    for day, wanted in instance["demand"].items():
        demand = sum(wanted.values())
        total += demand
        graph.add_edge(("day", day), "t", capacity=demand)
    value = nx.maximum_flow_value(graph, "s", "t") if graph.has_node("s") and graph.has_node("t") else 0
    return {
        "coverage_upper_bound": round(value / total, 4) if total else 1.0,
        "coverage_upper_bound_slots": value,
        "demand_slots": total,
    }


def metrics(instance: dict, assignments: dict) -> dict:
    demand = instance["demand"]
    total = sum(sum(w.values()) for w in demand.values())
    covered = unfilled = overstaffed = full_days = 0
    for day, wanted in demand.items():
        day_ok = True
        for room, count in wanted.items():
            got = len(assignments.get(day, {}).get(room, []))
            covered += min(got, count)
            unfilled += max(0, count - got)
            overstaffed += max(0, got - count)
            day_ok &= got >= count
        full_days += day_ok
    load = Counter(t for rooms in assignments.values() for tas in rooms.values() for t in tas)
    loads = [load.get(ta["id"], 0) for ta in instance["tas"]]
    topics = instance.get("day_topics", {})
    ta_topics = {ta["id"]: set(ta.get("topics", [])) for ta in instance["tas"]}
    worked = [(day, t) for day, rooms in assignments.items() for tas in rooms.values() for t in tas]
    utilization = [load.get(ta["id"], 0) / ta["max_days"] for ta in instance["tas"] if ta.get("max_days")]
    return {
        "coverage_fraction": round(covered / total, 4) if total else 1.0,
        "unfilled_slots": unfilled,
        "overstaffed_slots": overstaffed,
        "days_fully_covered": full_days,
        "load_min": min(loads, default=0),
        "load_max": max(loads, default=0),
        "load_std": round(statistics.pstdev(loads), 4) if loads else 0.0,
        "utilization_std": round(statistics.pstdev(utilization), 4) if utilization else 0.0,
        "topic_match_fraction": round(sum(topics.get(d) in ta_topics.get(t, set()) for d, t in worked) / len(worked), 4)
        if worked
        else 0.0,
    }


def violations(instance: dict, assignments: dict) -> Counter:
    tas = {t["id"]: t for t in instance["tas"]}
    rooms = {r["id"] for r in instance["rooms"]}
    found = Counter()
    days_worked = Counter()
    for day, by_room in assignments.items():
        if day not in instance["days"]:
            found["unknown_day"] += 1
            continue
        seen = Counter()
        for room, people in by_room.items():
            found["unknown_room"] += room not in rooms
            for t in people:
                if t not in tas:
                    found["unknown_id"] += 1
                    continue
                seen[t] += 1
                found["unavailable"] += day not in tas[t].get("available", [])
        found["double_booked"] += sum(1 for n in seen.values() if n > 1)
        for t in seen:
            days_worked[t] += 1
    found["over_max_days"] += sum(1 for t, n in days_worked.items() if n > int(tas[t].get("max_days", n)))
    return +found
