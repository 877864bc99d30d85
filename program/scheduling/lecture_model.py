"""The exact lecture model (CP-SAT, OR-Tools): a plan whenever one exists, with the fewest days early;
when none exists, the smallest set of the instance's rules that cannot all hold.

One boolean per (lecture, day, slot, qualified lecturer) over the whole horizon. Every rule an
organizer could relax is a *group* with its own switch (an assumption literal): a lecture's due day,
its earliest day, a prerequisite, a lecturer's availability, their per-day and total caps, a slot
already taken. Solving with every switch on is the plan; when that is infeasible, CP-SAT names a set
of switches that is enough for the conflict and `_shrink` drops each one that is not needed
(deletion filter), so what is left is a minimal conflict: relax any one of them and, with the others
kept, a plan exists for that part.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict

from ortools.sat.python import cp_model

from .errors import Conflict, Infeasible, Rule


def plan(instance: dict, *, time_limit_s: float, hint: dict | None = None) -> tuple[dict, bool]:
    """{lecture: {day, slot, lecturer}} with minimal total earliness, and whether that is proven optimal.
    Raises Infeasible naming a minimal set of conflicting rules."""
    model, choices, switches = _build(instance)
    days = {d: i for i, d in enumerate(instance["days"])}
    slots = {s: i for i, s in enumerate(instance["slots_per_day"])}
    due = {x["id"]: days[x["due_day"]] for x in instance["lectures"]}
    # Days early first; among plans as good, the later slot of a day (weights keep the order strict).
    weight, last = len(slots) * len(due) + 1, len(slots) - 1
    model.minimize(
        sum(
            ((due[lec] - days[day]) * weight + last - slots[slot]) * var
            for (lec, day, slot, _l), var in choices.items()
        )
    )
    if hint:
        for (lec, day, slot, lecturer), var in choices.items():
            p = hint.get(lec)
            model.add_hint(var, bool(p) and (p["day"], p["slot"], p["lecturer"]) == (day, slot, lecturer))
    solver = _solver(instance, time_limit_s)
    model.add_assumptions(list(switches))
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        placed = {
            lec: {"day": day, "slot": slot, "lecturer": lecturer}
            for (lec, day, slot, lecturer), var in choices.items()
            if solver.boolean_value(var)
        }
        return placed, status == cp_model.OPTIMAL
    if status != cp_model.INFEASIBLE:
        raise Infeasible(f"no plan found within {time_limit_s:g} s (none proven impossible either)")
    raise Conflict(_explain(instance, time_limit_s))


def _solver(instance: dict, time_limit_s: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1  # one worker: the same plan for the same instance, every time
    solver.parameters.random_seed = int(instance.get("seed", 0)) % (2**31)
    return solver


def _build(instance: dict):
    """The model, its booleans by (lecture, day, slot, lecturer), and {switch literal: Rule}."""
    model = cp_model.CpModel()
    days, slots = instance["days"], instance["slots_per_day"]
    day_index = {d: i for i, d in enumerate(days)}
    position = {(d, s): i for i, (d, s) in enumerate((d, s) for d in days for s in slots)}
    options = instance.get("options", {})
    switches: dict = {}

    def switch(kind: str, subject: tuple, text: str):
        literal = model.new_bool_var(f"{kind}:{subject}")
        switches[literal] = Rule(kind, subject, text)
        return literal

    choices = {}
    for lecture in instance["lectures"]:
        for day in days:
            for slot in slots:
                for lid in lecture.get("lecturers", []):
                    choices[(lecture["id"], day, slot, lid)] = model.new_bool_var(f"{lecture['id']}@{day}{slot}/{lid}")
    by_lecture, by_slot, by_lecturer_day, by_lecturer = (defaultdict(list) for _ in range(4))
    for (lec, day, slot, lid), var in choices.items():
        by_lecture[lec].append(((day, slot, lid), var))
        by_slot[(day, slot)].append(var)
        by_lecturer_day[(lid, day)].append(var)
        by_lecturer[lid].append(var)
    when = {}
    for lecture in instance["lectures"]:
        lec = lecture["id"]
        model.add_exactly_one(var for _, var in by_lecture[lec])
        when[lec] = sum(position[(day, slot)] * var for (day, slot, _l), var in by_lecture[lec])
        late = [var for (day, _s, _l), var in by_lecture[lec] if day_index[day] > day_index[lecture["due_day"]]]
        early = [var for (day, _s, _l), var in by_lecture[lec] if day_index[day] < day_index[lecture["earliest_day"]]]
        if late:
            model.add(sum(late) == 0).only_enforce_if(switch("due", (lec,), f"{lec} due by {lecture['due_day']}"))
        if early:
            model.add(sum(early) == 0).only_enforce_if(
                switch("earliest", (lec,), f"{lec} not before {lecture['earliest_day']}")
            )
    for lecture in instance["lectures"]:
        for prerequisite in lecture.get("prerequisites", []):
            model.add(when[prerequisite] < when[lecture["id"]]).only_enforce_if(
                switch("prerequisite", (prerequisite, lecture["id"]), f"{lecture['id']} must follow {prerequisite}")
            )
    for vars_in_slot in by_slot.values():
        model.add_at_most_one(vars_in_slot)  # one lecture per (day, slot): the room, not a preference
    _lecturer_rules(instance, model, switch, by_lecturer, by_lecturer_day)
    for day, slot in sorted({tuple(x) for x in options.get("blocked_slots", [])}):
        if (day, slot) in by_slot:
            model.add(sum(by_slot[(day, slot)]) == 0).only_enforce_if(
                switch("blocked", (day, slot), f"{day} {slot} already taken")
            )
    return model, choices, switches


def _lecturer_rules(instance: dict, model: cp_model.CpModel, switch, by_lecturer: dict, by_lecturer_day: dict) -> None:
    """Each lecturer's availability, per-day cap and total cap, each a rule of its own."""
    days, slots = instance["days"], instance["slots_per_day"]
    lecturers = {x["id"]: x for x in instance["lecturers"]}
    per_day_cap = int(instance.get("options", {}).get("lecturer_max_per_day", 10**6))
    for lid, lecturer in sorted(lecturers.items()):
        if not by_lecturer[lid]:
            continue
        away = [d for d in days if d not in set(lecturer.get("available", []))]
        off = [var for d in away for var in by_lecturer_day[(lid, d)]]
        if off:
            model.add(sum(off) == 0).only_enforce_if(
                switch("available", (lid,), f"lecturer {lid} unavailable {_ranges(away, days)}")
            )
        if per_day_cap < len(slots):
            cap = switch("per_day", (lid,), f"lecturer {lid} at most {per_day_cap} a day")
            for d in days:
                model.add(sum(by_lecturer_day[(lid, d)]) <= per_day_cap).only_enforce_if(cap)
        total = int(lecturer.get("max_total", 10**6))
        if total < len(by_lecturer[lid]):
            model.add(sum(by_lecturer[lid]) <= total).only_enforce_if(
                switch("total", (lid,), f"lecturer {lid} at most {total} in all")
            )


def _explain(instance: dict, time_limit_s: float) -> list[list[Rule]]:
    """Conflicts until the rest can hold: each a minimal set of rules that cannot all hold (CP-SAT's
    sufficient assumptions, then a deletion filter: a rule is dropped when the others still conflict
    without it); after each, its rules are set aside and the rest is tried again. Within the time
    limit; a rule whose test runs out of time is kept (still a conflict, perhaps not the smallest)."""
    model, _choices, fresh = _build(instance)
    literal_of = {rule: literal for literal, rule in fresh.items()}
    solver = _solver(instance, time_limit_s)
    solver.parameters.max_time_in_seconds = max(1.0, time_limit_s / 4)
    # Without presolve each refutation here took a fifth of the time (its probing was 80 % of a
    # 40-lecture solve) and the sufficient assumptions come out smaller; planning keeps presolve,
    # which proves optimality in 0.1 s where the search alone can run out of time.
    solver.parameters.cp_model_presolve = False
    deadline = time.monotonic() + time_limit_s

    def core_of(rules: list[Rule]) -> list[Rule] | None:
        """None when these rules can all hold (or time ran out); else the sufficient part of them."""
        model.clear_assumptions()
        model.add_assumptions([literal_of[r] for r in rules])
        if solver.solve(model) != cp_model.INFEASIBLE:
            return None
        named = {
            fresh[model.get_bool_var_from_proto_index(i)] for i in solver.sufficient_assumptions_for_infeasibility()
        }
        return [r for r in rules if r in named] or rules

    remaining = sorted(fresh.values(), key=lambda r: (r.kind, r.subject))
    conflicts: list[list[Rule]] = []
    while (needed := core_of(remaining)) is not None:
        kept: set = set()
        while (rule := next((r for r in needed if r not in kept), None)) and time.monotonic() < deadline:
            smaller = core_of([r for r in needed if r != rule])
            if smaller is None:
                kept.add(rule)  # without it the rest can hold: it is part of the conflict
            else:
                needed = smaller
        if not needed:
            return conflicts  # infeasible with no relaxable rule left: the structure itself
        conflicts.append(needed)
        remaining = [r for r in remaining if r not in set(needed)]
    return conflicts


def relax(instance: dict, rules: list[Rule]) -> dict:
    """The instance with these rules dropped (what an organizer would change to get a plan)."""
    out = json.loads(json.dumps(instance))
    lectures = {x["id"]: x for x in out["lectures"]}
    lecturers = {x["id"]: x for x in out["lecturers"]}
    options = out.setdefault("options", {})
    for rule in rules:
        if rule.kind == "due":
            lectures[rule.subject[0]]["due_day"] = out["days"][-1]
        elif rule.kind == "earliest":
            lectures[rule.subject[0]]["earliest_day"] = out["days"][0]
        elif rule.kind == "prerequisite":
            lectures[rule.subject[1]]["prerequisites"].remove(rule.subject[0])
        elif rule.kind == "available":
            lecturers[rule.subject[0]]["available"] = list(out["days"])
        elif rule.kind == "total":
            lecturers[rule.subject[0]].pop("max_total", None)
        elif rule.kind == "per_day":
            options.pop("lecturer_max_per_day", None)  # one cap for everyone in the format
        elif rule.kind == "blocked":
            options["blocked_slots"] = [x for x in options.get("blocked_slots", []) if tuple(x) != rule.subject]
    return out


def _ranges(chosen: list[str], days: list[str]) -> str:
    """d05–d07, d10 for the days given, in program order."""
    index = {d: i for i, d in enumerate(days)}
    runs: list[list[str]] = []
    for day in sorted(chosen, key=index.get):
        if runs and index[day] == index[runs[-1][-1]] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs)
