"""`lecture` instances: lectures to (day, slot) (shared/scheduling/FORMAT.md, section 4).

First a quick construction: lectures in reverse prerequisite order, each in the latest free
(day, slot) within [earliest_day, due_day], strictly before every lecture that builds on it, with a
qualified, available lecturer under their caps. Then the exact model (`lecture_model`, CP-SAT) starts
from it and finds a plan whenever one exists, with the fewest days early (`earliness_total_days`; 0 =
each lecture on the day its exercises need it), within `options.time_limit_s` (default 10 s;
`meta.proven_optimal` says whether it finished). When no plan exists, the error (exit code 1) names a
minimal set of rules that conflict: due days, earliest days, prerequisites, availability, caps.

Runway's extension of the format: `options.blocked_slots`, a list of `[day, slot]` pairs already in
use (another session of the cohort then); no lecture is placed there.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict

from . import lecture_model
from .errors import Infeasible, MalformedInstance


def _check(instance: dict) -> None:
    for key in ("id", "days", "slots_per_day", "lecturers", "lectures"):
        if key not in instance:
            raise MalformedInstance(f"missing {key!r}")
    days = set(instance["days"])
    ids = {x["id"] for x in instance["lectures"]}
    lecturers = {x["id"] for x in instance["lecturers"]}
    for lecture in instance["lectures"]:
        if lecture.get("earliest_day") not in days or lecture.get("due_day") not in days:
            raise MalformedInstance(f"lecture {lecture.get('id')!r} names an unknown day")
        if set(lecture.get("prerequisites", [])) - ids or set(lecture.get("lecturers", [])) - lecturers:
            raise MalformedInstance(f"lecture {lecture['id']!r} names unknown prerequisites or lecturers")


def _reverse_topological(lectures: list[dict]) -> list[dict]:
    by_id = {x["id"]: x for x in lectures}
    dependents = defaultdict(list)
    for x in lectures:
        for p in x.get("prerequisites", []):
            dependents[p].append(x["id"])
    order, state = [], {}

    def visit(lid: str, path: tuple) -> None:
        if state.get(lid) == "done":
            return
        if lid in path:
            raise Infeasible(f"prerequisites form a cycle: {' → '.join((*path, lid))}")
        for d in sorted(dependents[lid]):
            visit(d, (*path, lid))
        state[lid] = "done"
        order.append(by_id[lid])

    for lecture in sorted(lectures, key=lambda x: x["id"]):
        visit(lecture["id"], ())
    return order  # dependents before their prerequisites


def solve(instance: dict) -> dict:
    """Latest-fit first (a start, often already the best), then the exact model from it."""
    started = time.perf_counter()
    _check(instance)
    _reverse_topological(instance["lectures"])  # a prerequisite cycle is named as one
    places = len(instance["days"]) * len(instance["slots_per_day"])
    if len(instance["lectures"]) > places:
        raise Infeasible(f"{len(instance['lectures'])} lectures but only {places} (day, slot) places")
    for lecture in instance["lectures"]:
        if not lecture.get("lecturers"):
            raise Infeasible(f"{lecture['id']} has no lecturer who could give it")
    try:
        start = _latest_fit(instance)
    except Infeasible:
        start = None
    limit = float(instance.get("options", {}).get("time_limit_s", 10))
    placed, optimal = lecture_model.plan(instance, time_limit_s=limit, hint=start)
    if (
        start is not None
        and metrics(instance, start)["earliness_total_days"] < metrics(instance, placed)["earliness_total_days"]
    ):
        placed = start  # only possible when the time ran out before the model caught up
    schedule = {lid: placed[lid] for lid in sorted(placed)}
    meta = {
        "solver": "cp-sat" if start is None or placed is not start else "latest-fit",
        "proven_optimal": optimal,
        "runtime_s": round(time.perf_counter() - started, 4),
    }
    meta.update(metrics(instance, schedule))
    return {"kind": "lecture", "instance_id": instance["id"], "lectures": schedule, "meta": meta}


def _latest_fit(instance: dict) -> dict:
    """Each lecture in reverse prerequisite order into the latest free (day, slot) that fits."""
    days, slots = instance["days"], instance["slots_per_day"]
    position = {(d, s): i for i, (d, s) in enumerate((d, s) for d in days for s in slots)}
    day_index = {d: i for i, d in enumerate(days)}
    options = instance.get("options", {})
    per_day_cap = int(options.get("lecturer_max_per_day", 10**6))
    lecturers = {x["id"]: x for x in instance["lecturers"]}
    dependents = defaultdict(list)
    for x in instance["lectures"]:
        for p in x.get("prerequisites", []):
            dependents[p].append(x["id"])
    taken: set = {tuple(x) for x in options.get("blocked_slots", [])}  # (day, slot) already in use
    load, per_day = Counter(), Counter()
    placed: dict = {}
    for lecture in _reverse_topological(instance["lectures"]):
        latest = position[(lecture["due_day"], slots[-1])]
        for dependent in dependents[lecture["id"]]:
            latest = min(latest, position[(placed[dependent]["day"], placed[dependent]["slot"])] - 1)
        earliest = position[(lecture["earliest_day"], slots[0])]
        choice = None
        for day in reversed(days[day_index[lecture["earliest_day"]] : day_index[lecture["due_day"]] + 1]):
            for slot in reversed(slots):
                if not earliest <= position[(day, slot)] <= latest or (day, slot) in taken:
                    continue
                qualified = [
                    lecturers[lid]
                    for lid in lecture.get("lecturers", [])
                    if day in lecturers[lid].get("available", [])
                    and load[lid] < int(lecturers[lid].get("max_total", 10**6))
                    and per_day[(lid, day)] < per_day_cap
                ]
                if qualified:
                    chosen = min(qualified, key=lambda x: (load[x["id"]], x["id"]))
                    choice = (day, slot, chosen["id"])
                    break
            if choice:
                break
        if choice is None:
            raise Infeasible(
                f"no free slot with an available lecturer for {lecture['id']} between {lecture['earliest_day']} and its due day {lecture['due_day']} (and before what builds on it)"
            )
        day, slot, lid = choice
        taken.add((day, slot))
        load[lid] += 1
        per_day[(lid, day)] += 1
        placed[lecture["id"]] = {"day": day, "slot": slot, "lecturer": lid}
    return placed


def metrics(instance: dict, schedule: dict) -> dict:
    day_index = {d: i for i, d in enumerate(instance["days"])}
    by_id = {x["id"]: x for x in instance["lectures"]}
    earliness = [day_index[by_id[lid]["due_day"]] - day_index[p["day"]] for lid, p in schedule.items()]
    loads = Counter(p["lecturer"] for p in schedule.values())
    per_day = Counter(p["day"] for p in schedule.values())
    return {
        "earliness_total_days": sum(earliness),
        "on_due_day": sum(1 for e in earliness if e == 0),
        "lecturer_load_std": round(statistics.pstdev([loads.get(x["id"], 0) for x in instance["lecturers"]]), 4)
        if instance["lecturers"]
        else 0.0,
        "max_lectures_per_day": max(per_day.values(), default=0),
    }


def violations(instance: dict, schedule: dict) -> Counter:
    days, slots = instance["days"], instance["slots_per_day"]
    position = {(d, s): i for i, (d, s) in enumerate((d, s) for d in days for s in slots)}
    day_index = {d: i for i, d in enumerate(days)}
    lecturers = {x["id"]: x for x in instance["lecturers"]}
    options = instance.get("options", {})
    found = Counter()
    used = Counter((p["day"], p["slot"]) for p in schedule.values())
    found["slot_double_booked"] = sum(1 for n in used.values() if n > 1)
    blocked = {tuple(x) for x in options.get("blocked_slots", [])}
    found["blocked_slot"] = sum(1 for p in schedule.values() if (p["day"], p["slot"]) in blocked)
    per_day, total = Counter(), Counter()
    for lecture in instance["lectures"]:
        p = schedule.get(lecture["id"])
        if p is None:
            found["unscheduled"] += 1
            continue
        if not day_index[lecture["earliest_day"]] <= day_index[p["day"]] <= day_index[lecture["due_day"]]:
            found["outside_window"] += 1
        if p["lecturer"] not in lecture.get("lecturers", []) or p["day"] not in lecturers[p["lecturer"]].get(
            "available", []
        ):
            found["lecturer"] += 1
        per_day[(p["lecturer"], p["day"])] += 1
        total[p["lecturer"]] += 1
        for prerequisite in lecture.get("prerequisites", []):
            q = schedule.get(prerequisite)
            if q is None or position[(q["day"], q["slot"])] >= position[(p["day"], p["slot"])]:
                found["prerequisite"] += 1
    found["lecturer_per_day"] = sum(1 for n in per_day.values() if n > int(options.get("lecturer_max_per_day", 10**6)))
    found["lecturer_total"] = sum(1 for lid, n in total.items() if n > int(lecturers[lid].get("max_total", 10**6)))
    return +found
