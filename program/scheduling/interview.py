"""`interview` instances: applicants × interviewers × slots, as flows (OR-Tools' C++ max flow and
min-cost flow).

Network (capacities in brackets):
    source → applicant [interviews_per_applicant] → (applicant, slot) [1] → (interviewer, slot) [1]
           → (interviewer, day) [max_per_day] → interviewer [max_total] → sink
An edge (applicant, slot) → (interviewer, slot) exists only when both are available in the slot,
the interviewer takes the applicant's track, and the pair is not a conflict of interest. Every unit
of an integral flow is one interview, so a schedule breaks no hard rule. Three steps:

1. the maximum flow: the most interviews any schedule holds (`max_schedulable`, exact);
2. the smallest load cap C for which a flow still reaches that number (binary search, one max flow a
   step): no schedule with as many interviews has a busier interviewer (`interviewer_load_max_bound`);
3. among flows of that size under that cap, the one of least convex cost: the k-th interview of an
   interviewer costs 2k − 1 (so loads are as even as they can be: least sum of squares), and the k-th of
   an interviewer's day costs a little too (days evened out, fewest days at the daily cap).
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict

from ortools.graph.python import max_flow, min_cost_flow

from .errors import MalformedInstance

DAY_WEIGHT = 1  # per step of an interviewer's day; loads weigh LOAD_WEIGHT per step (they come first)
LOAD_WEIGHT = 1000


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
    started = time.perf_counter()
    _check(instance)
    network = _Network(instance)
    most = network.max_flow(cap=None)
    cap = _smallest_cap(network, most)
    interviews = network.even_flow(most, cap)
    return {
        "kind": "interview",
        "instance_id": instance["id"],
        "interviews": interviews,
        "meta": {
            "solver": "ortools.max_flow+min_cost_flow",
            "runtime_s": round(time.perf_counter() - started, 4),
            **metrics(instance, interviews),
            "max_schedulable": most,
            "interviewer_load_max_bound": cap,
        },
    }


def _smallest_cap(network: _Network, most: int) -> int:
    """The least uniform per-interviewer cap under which `most` interviews still fit."""
    if most == 0:
        return 0
    low, high = -(-most // max(1, len(network.interviewers))), max(network.totals.values())
    while low < high:
        middle = (low + high) // 2
        if network.max_flow(cap=middle) == most:
            high = middle
        else:
            low = middle + 1
    return low


class _Network:
    """The flow network, built once. Applicants reach an interviewer's slot through a (slot, track)
    node: everyone of that track free then may meet everyone of that track free then, so 2,000
    applicants need 10,000 arcs instead of 300,000; an applicant with a conflict of interest is wired
    to each allowed (interviewer, slot) directly instead."""

    def __init__(self, instance: dict):
        per_applicant = int(instance.get("options", {}).get("interviews_per_applicant", 1))
        slots = {s["id"]: s for s in instance["slots"]}
        self.interviewers = {i["id"]: i for i in instance["interviewers"]}
        self.totals = {k: int(i.get("max_total", 10**6)) for k, i in self.interviewers.items()}
        conflicts = defaultdict(set)
        for applicant, interviewer in instance.get("conflicts", []):
            conflicts[applicant].add(interviewer)
        self.names: list = []
        self._ids: dict = {}
        self._flow, self._sink_arcs = None, {}
        self.source, self.sink = self.node("source"), self.node("sink")
        self.arcs: list[tuple[int, int, int]] = []  # (tail, head, capacity) up to the interviewer-day
        self.day_caps: dict = {}  # (interviewer, day) -> max_per_day
        free = defaultdict(list)  # slot -> interviewers available then
        for interviewer in self.interviewers.values():
            lid = interviewer["id"]
            for slot in interviewer.get("available", []):
                free[slot].append(interviewer)
                self.arcs.append((self.node(("is", lid, slot)), self.node(("id", lid, slots[slot]["day"])), 1))
                self.day_caps[(lid, slots[slot]["day"])] = int(interviewer.get("max_per_day", 10**6))
        takes = lambda interviewer, track: track in interviewer.get("tracks", [track])  # noqa: E731
        for applicant in instance["applicants"]:
            a, track = applicant["id"], applicant.get("track")
            self.arcs.append((self.source, self.node(("a", a)), per_applicant))
            for slot in applicant.get("available", []):
                via = self.node(("a", a)) if per_applicant == 1 else self.node(("as", a, slot))
                if per_applicant != 1:
                    self.arcs.append((self.node(("a", a)), via, 1))
                if a in conflicts:
                    for interviewer in free.get(slot, []):
                        if takes(interviewer, track) and interviewer["id"] not in conflicts[a]:
                            self.arcs.append((via, self.node(("is", interviewer["id"], slot)), 1))
                elif any(takes(i, track) for i in free.get(slot, [])):
                    self.arcs.append((via, self.node(("st", slot, track)), 1))
        for slot, track in [n[1:] for n in list(self.names) if isinstance(n, tuple) and n[0] == "st"]:
            for interviewer in free[slot]:
                if takes(interviewer, track):
                    self.arcs.append((self.node(("st", slot, track)), self.node(("is", interviewer["id"], slot)), 1))
        self.arcs = list(dict.fromkeys(self.arcs))

    def node(self, name) -> int:
        # Integer ids in order of first use: the same instance gives the same network and schedule.
        if name not in self._ids:
            self._ids[name] = len(self.names)
            self.names.append(name)
        return self._ids[name]

    def max_flow(self, cap: int | None) -> int:
        """The most interviews with every interviewer's total capped at `cap` (None: their own caps).
        The network is built on the first call; later calls only re-cap the arcs into the sink."""
        if self._flow is None:
            self._flow = max_flow.SimpleMaxFlow()
            for tail, head, capacity in self.arcs:
                self._flow.add_arc_with_capacity(tail, head, capacity)
            for (lid, day), per_day in self.day_caps.items():
                self._flow.add_arc_with_capacity(self.node(("id", lid, day)), self.node(("i", lid)), per_day)
            self._sink_arcs = {
                lid: self._flow.add_arc_with_capacity(self.node(("i", lid)), self.sink, total)
                for lid, total in self.totals.items()
            }
        for lid, arc in self._sink_arcs.items():
            self._flow.set_arc_capacity(arc, self.totals[lid] if cap is None else min(self.totals[lid], cap))
        flow = self._flow
        return flow.optimal_flow() if flow.solve(self.source, self.sink) == flow.OPTIMAL else 0

    def even_flow(self, most: int, cap: int) -> list[dict]:
        """`most` interviews under the cap at least convex cost (k-th of an interviewer 2k − 1, and of
        their day a little), read back as the schedule."""
        flow = min_cost_flow.SimpleMinCostFlow()
        for tail, head, capacity in self.arcs:
            flow.add_arc_with_capacity_and_unit_cost(tail, head, capacity, 0)
        for (lid, day), per_day in self.day_caps.items():
            for k in range(1, min(per_day, cap) + 1):
                flow.add_arc_with_capacity_and_unit_cost(
                    self.node(("id", lid, day)), self.node(("i", lid)), 1, DAY_WEIGHT * (2 * k - 1)
                )
        for lid, total in self.totals.items():
            for k in range(1, min(total, cap) + 1):
                flow.add_arc_with_capacity_and_unit_cost(self.node(("i", lid)), self.sink, 1, LOAD_WEIGHT * (2 * k - 1))
        flow.set_node_supply(self.source, most)
        flow.set_node_supply(self.sink, -most)
        if most and flow.solve() != flow.OPTIMAL:
            raise RuntimeError("min-cost flow failed on a flow the max flow found")  # a bug, never an input
        return self._read(flow) if most else []

    def _read(self, flow) -> list[dict]:
        """Interviews from the flow: direct arcs name both sides; through a (slot, track) node, the
        applicants that came in are matched in order with the interviewer slots that went out (any
        pairing is allowed there)."""
        interviews, came, went = [], defaultdict(list), defaultdict(list)
        for arc in range(flow.num_arcs()):
            if not flow.flow(arc):
                continue
            origin, target = self.names[flow.tail(arc)], self.names[flow.head(arc)]
            if not (isinstance(origin, tuple) and isinstance(target, tuple)):
                continue
            if origin[0] in ("a", "as") and target[0] == "is":
                interviews.append({"applicant": origin[1], "interviewer": target[1], "slot": target[2]})
            elif origin[0] in ("a", "as") and target[0] == "st":
                came[target].append(origin[1])
            elif origin[0] == "st" and target[0] == "is":
                went[origin].append(target[1])
        for node, applicants in came.items():
            for applicant, interviewer in zip(sorted(applicants), sorted(went[node]), strict=True):
                interviews.append({"applicant": applicant, "interviewer": interviewer, "slot": node[1]})
        interviews.sort(key=lambda x: (x["slot"], x["interviewer"], x["applicant"]))
        return interviews


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
