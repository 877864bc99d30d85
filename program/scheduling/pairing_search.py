"""The global phase of pairing: improve a whole-horizon schedule by swapping two people between two
groups of the same day (local search), within a time budget.

Day-by-day matching commits each day without knowing the days after it; this phase sees them all.
The cost is lexicographic in practice (weights far apart): repeated pairs first, then repeats inside
the recent window, then groups over the skill-gap target, then trio load (sum of squares of trios per
person), skill gaps and mixed sites. Moves keep every hard rule: the day's groups keep their sizes,
nobody absent appears, do-not-pair pairs never meet, and groups that are fixed stay as they are.

Each round first tries every swap that touches a repeated pair (where most of the cost is), then
random swaps (seeded); a move is kept when it lowers the cost, or keeps it equal with a small chance
(to walk across plateaus). It stops at the time budget, or after a few rounds in a row that found
nothing better. The best schedule seen is returned, so the result is never worse than the schedule
it started from.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from itertools import combinations

REPEAT, RECENT, OVER_GAP, TRIO, GAP, SITE = 1_000_000, 10_000, 100, 20, 1, 1
STALE_ROUNDS = 4  # rounds in a row without a better schedule before the search stops early
# The budget is counted in swaps tried, not seconds, so the same instance gives the same schedule on
# any machine: about what this 2-core machine tries in the time asked. The clock only stops a much
# slower machine.
EVALUATIONS_PER_S = 10_000


class Search:
    def __init__(self, instance: dict, schedule: dict, *, locked: dict, dnp: set, history: list):
        options = instance.get("options", {})
        self.gap_target = options.get("skill_gap_target", 5)
        self.window = options.get("recent_window_days", 5)
        self.people = {p["id"]: p for p in instance["participants"]}
        self.days = list(instance["days"])
        self.dnp = dnp
        self.groups = {d: [list(g) for g in schedule.get(d, [])] for d in self.days}
        self.locked = {d: {tuple(sorted(g)) for g in locked.get(d, [])} for d in self.days}
        self.base = Counter(frozenset(p) for g in history for p in combinations(g, 2))
        self.evaluations = 0
        self.on: dict = defaultdict(list)  # pair -> sorted day indices
        self.trios: Counter = Counter()
        for index, day in enumerate(self.days):
            for group in self.groups[day]:
                self._add(group, index)

    # --- the cost ------------------------------------------------------------------------------
    def _pair_cost(self, pair) -> int:
        days = self.on.get(pair, [])
        count = len(days) + self.base[pair]
        recent = sum(1 for a, b in zip(days, days[1:]) if b - a <= self.window)
        return REPEAT * max(0, count - 1) + RECENT * recent

    def _group_cost(self, group) -> int:
        skills = [self.people[p].get("skill", 3) for p in group]
        gap = max(skills) - min(skills)
        sites = {self.people[p].get("site") for p in group}
        return OVER_GAP * (gap > self.gap_target) + GAP * gap + SITE * (len(sites) > 1)

    def cost(self) -> int:
        pairs = sum(self._pair_cost(p) for p in self.on)
        groups = sum(self._group_cost(g) for d in self.days for g in self.groups[d])
        return pairs + groups + TRIO * sum(c * c for c in self.trios.values())

    def _add(self, group, index) -> None:
        for a, b in combinations(group, 2):
            days = self.on[frozenset((a, b))]
            days.append(index)
            days.sort()
        if len(group) == 3:
            for p in group:
                self.trios[p] += 1

    def _remove(self, group, index) -> None:
        for a, b in combinations(group, 2):
            self.on[frozenset((a, b))].remove(index)
        if len(group) == 3:
            for p in group:
                self.trios[p] -= 1

    # --- moves ---------------------------------------------------------------------------------
    def _swap_delta(self, index: int, g1: list, i: int, g2: list, j: int) -> int | None:
        """The change of cost if g1[i] and g2[j] trade places (applied, measured, undone)."""
        self.evaluations += 1
        new1 = g1[:i] + [g2[j]] + g1[i + 1 :]
        new2 = g2[:j] + [g1[i]] + g2[j + 1 :]
        if any(frozenset(p) in self.dnp for g in (new1, new2) for p in combinations(g, 2)):
            return None
        touched = {frozenset(p) for g in (g1, g2, new1, new2) for p in combinations(g, 2)}
        trio_people = {p for g in (g1, g2) if len(g) == 3 for p in g}
        before = sum(self._pair_cost(p) for p in touched) + self._group_cost(g1) + self._group_cost(g2)
        before += TRIO * sum(self.trios[p] ** 2 for p in trio_people | set(g1) | set(g2))
        self._remove(g1, index)
        self._remove(g2, index)
        self._add(new1, index)
        self._add(new2, index)
        after = sum(self._pair_cost(p) for p in touched) + self._group_cost(new1) + self._group_cost(new2)
        after += TRIO * sum(self.trios[p] ** 2 for p in trio_people | set(g1) | set(g2))
        self._remove(new1, index)
        self._remove(new2, index)
        self._add(g1, index)
        self._add(g2, index)
        return after - before

    def _apply(self, index: int, a: int, i: int, b: int, j: int) -> None:
        day = self.days[index]
        g1, g2 = self.groups[day][a], self.groups[day][b]
        self._remove(g1, index)
        self._remove(g2, index)
        g1[i], g2[j] = g2[j], g1[i]
        self._add(g1, index)
        self._add(g2, index)

    def _movable(self, day: str) -> list[int]:
        return [k for k, g in enumerate(self.groups[day]) if tuple(sorted(g)) not in self.locked[day]]

    def _best_swap_for(self, index: int, a: int) -> tuple[int, int, int, int] | None:
        """The best swap between group `a` and any other movable group of that day (delta, i, b, j)."""
        day = self.days[index]
        best = None
        for b in self._movable(day):
            if b == a:
                continue
            g1, g2 = self.groups[day][a], self.groups[day][b]
            for i in range(len(g1)):
                for j in range(len(g2)):
                    delta = self._swap_delta(index, g1, i, g2, j)
                    if delta is not None and (best is None or delta < best[0]):
                        best = (delta, i, b, j)
        return best

    def run(self, budget_s: float, seed: int, wall_s: float) -> tuple[dict, dict]:
        """Improve for about `budget_s` seconds' worth of swaps (stopping at `wall_s` of the clock in any
        case); returns the best schedule seen and what the phase did."""
        rng = random.Random(f"{seed}:search")
        deadline = time.perf_counter() + wall_s
        allowance = int(budget_s * EVALUATIONS_PER_S)

        def out_of_budget() -> bool:
            return self.evaluations >= allowance or time.perf_counter() >= deadline

        current = best = self.cost()
        best_groups = {d: [list(g) for g in gs] for d, gs in self.groups.items()}
        moves = rounds = stale = 0
        while not out_of_budget():
            rounds += 1
            improved = False
            hot = [
                (index, k)
                for index, day in enumerate(self.days)
                for k in self._movable(day)
                if any(
                    len(self.on[frozenset(p)]) + self.base[frozenset(p)] > 1
                    for p in combinations(self.groups[day][k], 2)
                )
            ]
            rng.shuffle(hot)
            for index, k in hot:
                if out_of_budget():
                    break
                found = self._best_swap_for(index, k)
                if found and found[0] < 0:
                    delta, i, b, j = found
                    self._apply(index, k, i, b, j)
                    current += delta
                    moves += 1
                    improved = True
            for _ in range(2000):
                if out_of_budget():
                    break
                index = rng.randrange(len(self.days))
                movable = self._movable(self.days[index])
                if len(movable) < 2:
                    continue
                a, b = rng.sample(movable, 2)
                g1, g2 = self.groups[self.days[index]][a], self.groups[self.days[index]][b]
                i, j = rng.randrange(len(g1)), rng.randrange(len(g2))
                delta = self._swap_delta(index, g1, i, g2, j)
                if delta is not None and (delta < 0 or (delta == 0 and rng.random() < 0.3)):
                    self._apply(index, a, i, b, j)
                    current += delta
                    moves += 1
                    improved = improved or delta < 0
            if current < best:
                best, stale = current, 0
                best_groups = {d: [list(g) for g in gs] for d, gs in self.groups.items()}
            else:
                stale += 1
            if (not improved and not hot) or stale >= STALE_ROUNDS:
                break  # nothing better nearby for a while: the rest is plateau
        return best_groups, {"search_rounds": rounds, "search_moves": moves}
