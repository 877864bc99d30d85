"""`interview` instances: applicants × interviewers × slots, as a maximum flow (networkx).

Network (capacities in brackets):
    source → applicant [interviews_per_applicant] → (applicant, slot) [1] → (interviewer, slot) [1]
           → (interviewer, day) [max_per_day] → interviewer [max_total] → sink
An edge (applicant, slot) → (interviewer, slot) exists only when both are available in the slot,
the interviewer takes the applicant's track, and the pair is not a conflict of interest. Every unit
of an integral maximum flow is one interview, so the schedule breaks no hard rule and schedules the
exact optimum (`max_schedulable`). Load balancing across interviewers is not optimised yet; the
per-day and total caps bound it.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict

import networkx as nx

from .errors import MalformedInstance


def _check(instance: dict) -> None:
    for key in ("id", "slots", "interviewers", "applicants"):
        if key not in instance:
            raise MalformedInstance(f"missing {key!r}")
    slot_ids = {s.get("id") for s in instance["slots"]}
    if None in slot_ids or len(slot_ids) != len(instance["slots"]):
        raise MalformedInstance("every slot needs a unique id")
    for person in instance["interviewers"] + instance["applicants"]:
        if "id" not in person:
            raise MalformedInstance("every interviewer and applicant needs an id")
        unknown = set(person.get("available", [])) - slot_ids
        if unknown:
            raise MalformedInstance(f"{person['id']} is available in unknown slots {sorted(unknown)[:5]}")


def solve(instance: dict) -> dict:
    """Book interviews: max flow from applicants to slots to interviewers, the load cap searched.

    Long because the flow network is built and read back in one pass over the instance (slots, loads,
    tracks, conflicts, per-day caps); issue 17 replaces this solver."""
    started = time.perf_counter()
    _check(instance)
    options = instance.get("options", {})
    per_applicant = int(options.get("interviews_per_applicant", 1))
    slots = {s["id"]: s for s in instance["slots"]}
    interviewers = {i["id"]: i for i in instance["interviewers"]}
    conflicts = {tuple(pair) for pair in instance.get("conflicts", [])}
    free = defaultdict(list)  # slot -> interviewers available then
    for interviewer in interviewers.values():
        for slot in interviewer.get("available", []):
            free[slot].append(interviewer)

    # Integer node ids: string hashes change between processes, and the flow algorithm's choices
    # among equally good schedules follow them; integers keep the result the same for the same input.
    ids: dict = {}
    names: list = []

    def node(name) -> int:
        if name not in ids:
            ids[name] = len(names)
            names.append(name)
        return ids[name]

    graph = nx.DiGraph()
    for interviewer in interviewers.values():
        graph.add_edge(node(("i", interviewer["id"])), node("sink"), capacity=int(interviewer.get("max_total", 10**6)))
        for slot in interviewer.get("available", []):
            day = slots[slot]["day"]
            graph.add_edge(node(("is", interviewer["id"], slot)), node(("id", interviewer["id"], day)), capacity=1)
            graph.add_edge(
                node(("id", interviewer["id"], day)),
                node(("i", interviewer["id"])),
                capacity=int(interviewer.get("max_per_day", 10**6)),
            )
    for applicant in instance["applicants"]:
        a = applicant["id"]
        graph.add_edge(node("source"), node(("a", a)), capacity=per_applicant)
        for slot in applicant.get("available", []):
            # With one interview per applicant the (applicant, slot) layer cannot matter: skip it.
            via = ("a", a) if per_applicant == 1 else ("as", a, slot)
            for interviewer in free.get(slot, []):
                if (
                    applicant.get("track") in interviewer.get("tracks", [applicant.get("track")])
                    and (a, interviewer["id"]) not in conflicts
                ):
                    if via != ("a", a):
                        graph.add_edge(node(("a", a)), node(via), capacity=1)
                    graph.add_edge(node(via), node(("is", interviewer["id"], slot)), capacity=1)

    if "source" in ids and "sink" in ids:
        value, flow = nx.maximum_flow(graph, ids["source"], ids["sink"], flow_func=nx.algorithms.flow.preflow_push)
    else:
        value, flow = 0, {}
    interviews = []
    for source, targets in flow.items():
        origin = names[source]
        if isinstance(origin, tuple) and origin[0] in ("a", "as"):
            for target, amount in targets.items():
                if amount and names[target][0] == "is":
                    interviews.append(
                        {"applicant": origin[1], "interviewer": names[target][1], "slot": names[target][2]}
                    )
    interviews.sort(key=lambda x: (x["slot"], x["interviewer"], x["applicant"]))
    return {
        "kind": "interview",
        "instance_id": instance["id"],
        "interviews": interviews,
        "meta": {
            "solver": "networkx.preflow_push",
            "runtime_s": round(time.perf_counter() - started, 4),
            **metrics(instance, interviews),
            "max_schedulable": value,
        },
    }


def metrics(instance: dict, interviews: list[dict]) -> dict:
    loads = Counter(x["interviewer"] for x in interviews)
    all_loads = [loads.get(i["id"], 0) for i in instance["interviewers"]]
    slots = {s["id"]: s for s in instance["slots"]}
    applicants = len(instance["applicants"])
    return {
        "scheduled": len(interviews),
        "scheduled_fraction": round(len(interviews) / applicants, 4) if applicants else 1.0,
        "interviewer_load_max": max(all_loads, default=0),
        "interviewer_load_std": round(statistics.pstdev(all_loads), 4) if all_loads else 0.0,
        "interviewers_used": sum(1 for n in all_loads if n),
        "days_used": len({slots[x["slot"]]["day"] for x in interviews}),
    }


def violations(instance: dict, schedule: dict) -> Counter:
    """Every hard-rule breach of a schedule, counted by kind (used by the tests and the page)."""
    options = instance.get("options", {})
    per_applicant = int(options.get("interviews_per_applicant", 1))
    slots = {s["id"]: s for s in instance["slots"]}
    interviewers = {i["id"]: i for i in instance["interviewers"]}
    applicants = {a["id"]: a for a in instance["applicants"]}
    conflicts = {tuple(p) for p in instance.get("conflicts", [])}
    found = Counter()
    per_app, per_slot, per_day, total = Counter(), Counter(), Counter(), Counter()
    for x in schedule["interviews"]:
        a, i, s = applicants.get(x["applicant"]), interviewers.get(x["interviewer"]), slots.get(x["slot"])
        if not (a and i and s):
            found["unknown_id"] += 1
            continue
        if s["id"] not in a.get("available", []) or s["id"] not in i.get("available", []):
            found["unavailable"] += 1
        if a.get("track") not in i.get("tracks", [a.get("track")]):
            found["track"] += 1
        if (a["id"], i["id"]) in conflicts:
            found["conflict"] += 1
        per_app[a["id"]] += 1
        per_slot[(i["id"], s["id"])] += 1
        per_day[(i["id"], s["day"])] += 1
        total[i["id"]] += 1
    found["applicant_over"] = sum(1 for n in per_app.values() if n > per_applicant)
    found["double_booked"] = sum(1 for n in per_slot.values() if n > 1)
    found["over_max_per_day"] = sum(
        1 for (i, _), n in per_day.items() if n > int(interviewers[i].get("max_per_day", 10**6))
    )
    found["over_max_total"] = sum(1 for i, n in total.items() if n > int(interviewers[i].get("max_total", 10**6)))
    return +found
