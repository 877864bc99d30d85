"""Random instances for tests and benchmarks (deterministic for a seed)."""

from __future__ import annotations

import random


def interview_instance(
    n_applicants: int, *, n_interviewers: int | None = None, days: int = 5, slots_per_day: int = 8, seed: int = 1
) -> dict:
    rng = random.Random(seed)
    n_interviewers = n_interviewers or max(2, n_applicants // 25)
    slots = [
        {"id": f"s{d:02d}{k:02d}", "day": f"d{d:02d}", "start": f"{9 + k}:00", "minutes": 45}
        for d in range(1, days + 1)
        for k in range(slots_per_day)
    ]
    slot_ids = [s["id"] for s in slots]
    tracks = ["bootcamp", "grant"]
    interviewers = [
        {
            "id": f"i{j:03d}",
            "available": sorted(rng.sample(slot_ids, k=max(1, len(slot_ids) // 2))),
            "tracks": rng.sample(tracks, k=rng.choice([1, 2])),
            "max_total": rng.randint(20, 40),
            "max_per_day": rng.randint(4, 7),
        }
        for j in range(n_interviewers)
    ]
    applicants = [
        {"id": f"a{i:05d}", "available": sorted(rng.sample(slot_ids, k=rng.randint(2, 8))), "track": rng.choice(tracks)}
        for i in range(n_applicants)
    ]
    conflicts = [[rng.choice(applicants)["id"], rng.choice(interviewers)["id"]] for _ in range(n_applicants // 50)]
    return {
        "kind": "interview",
        "id": f"interview-a{n_applicants}-s{seed}",
        "seed": seed,
        "slots": slots,
        "interviewers": interviewers,
        "applicants": applicants,
        "conflicts": conflicts,
        "options": {"interviews_per_applicant": 1},
    }


def pairing_instance(
    n: int, days: int = 20, *, seed: int = 1, absence_rate: float = 0.0, do_not_pair: int = 0, remote_share: float = 0.0
) -> dict:
    rng = random.Random(seed)
    people = [
        {
            "id": f"p{i:03d}",
            "skill": rng.randint(1, 5),
            "background": rng.choice(["student", "professional"]),
            "site": "remote" if rng.random() < remote_share else "in_person",
            "tz_offset_h": 0,
        }
        for i in range(n)
    ]
    day_ids = [f"d{d:02d}" for d in range(1, days + 1)]
    absences = {d: sorted(p["id"] for p in people if rng.random() < absence_rate) for d in day_ids}
    absences = {d: a for d, a in absences.items() if a}
    dnp = set()
    while len(dnp) < do_not_pair:
        a, b = rng.sample(people, 2)
        dnp.add(tuple(sorted((a["id"], b["id"]))))
    return {
        "kind": "pairing",
        "id": f"pairing-n{n}-d{days}-s{seed}",
        "seed": seed,
        "days": day_ids,
        "participants": people,
        "absences": absences,
        "do_not_pair": [list(p) for p in sorted(dnp)],
        "options": {"group_sizes": [2, 3], "trio_rule": "only_if_odd", "skill_gap_target": 2, "recent_window_days": 5},
    }
