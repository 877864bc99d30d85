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
    n: int,
    days: int = 20,
    *,
    seed: int = 1,
    absence_rate: float = 0.0,
    do_not_pair: int = 0,
    remote_share: float = 0.0,
    long_absences: int = 0,
) -> dict:
    """`absence_rate`: each person away on a day with this chance; `long_absences`: that many people
    away for 2-4 days in a row (illness, a conference)."""
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
    for person in rng.sample(people, k=min(n, long_absences)):
        start, length = rng.randrange(days), rng.randint(2, 4)
        for d in day_ids[start : start + length]:
            absences[d] = sorted({*absences[d], person["id"]})
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


def ta_instance(n_tas: int, days: int = 20, rooms: int = 6, *, seed: int = 1) -> dict:
    """Demand follows FORMAT.md: about one TA per ~6 pairs per room, lighter on Fridays."""
    rng = random.Random(seed)
    day_ids = [f"d{d:02d}" for d in range(1, days + 1)]
    topic_list = ["pytorch", "cnn", "transformers", "interp", "rl", "scale"]
    room_list = [{"id": f"r{r:02d}", "pairs": rng.randint(6, 14)} for r in range(1, rooms + 1)]
    demand = {
        d: {r["id"]: max(1, round(r["pairs"] / 6)) - (1 if (i % 5 == 4 and r["pairs"] > 9) else 0) for r in room_list}
        for i, d in enumerate(day_ids)
    }
    tas = [
        {
            "id": f"t{j:03d}",
            "available": sorted(rng.sample(day_ids, k=rng.randint(days // 4, days))),
            "max_days": rng.randint(4, 14),
            "topics": rng.sample(topic_list, k=rng.randint(1, 3)),
        }
        for j in range(n_tas)
    ]
    return {
        "kind": "ta",
        "id": f"ta-n{n_tas}-d{days}-s{seed}",
        "seed": seed,
        "days": day_ids,
        "rooms": room_list,
        "day_topics": {d: topic_list[i // 4 % len(topic_list)] for i, d in enumerate(day_ids)},
        "demand": demand,
        "tas": tas,
        "options": {"max_rooms_per_ta_per_day": 1},
    }


def lecture_instance(n_lectures: int, days: int = 20, *, n_lecturers: int = 8, seed: int = 1) -> dict:
    rng = random.Random(seed)
    day_ids = [f"d{d:02d}" for d in range(1, days + 1)]
    lecturers = [
        {
            "id": f"L{j:02d}",
            "available": sorted(rng.sample(day_ids, k=rng.randint(days // 2, days))),
            "max_total": rng.randint(4, 10),
        }
        for j in range(n_lecturers)
    ]
    lectures = []
    for i in range(n_lectures):
        due = min(days - 1, i * days // max(n_lectures, 1) + rng.randint(0, 2))
        earliest = max(0, due - rng.randint(1, 4))
        prereqs = [f"lec{k:02d}" for k in range(max(0, i - 3), i) if rng.random() < 0.3]
        lectures.append(
            {
                "id": f"lec{i:02d}",
                "earliest_day": day_ids[earliest],
                "due_day": day_ids[due],
                "lecturers": [x["id"] for x in rng.sample(lecturers, k=rng.randint(2, 4))],
                "prerequisites": prereqs,
            }
        )
    return {
        "kind": "lecture",
        "id": f"lecture-l{n_lectures}-d{days}-s{seed}",
        "seed": seed,
        "days": day_ids,
        "slots_per_day": ["am", "pm"],
        "lecturers": lecturers,
        "lectures": lectures,
        "options": {"one_lecture_per_slot": True, "lecturer_max_per_day": 1},
    }


def planted_lecture_instance(n_lectures: int, days: int = 20, *, n_lecturers: int = 6, seed: int = 1) -> dict:
    """A tight lecture instance with a plan planted in it (so it is feasible): each lecture gets a (day,
    slot, lecturer) first; windows of 0-3 days around it, prerequisites only on lectures planted
    earlier, lecturers away on about a third of the days they do not teach, caps at their planted load."""
    rng = random.Random(seed)
    day_ids = [f"d{d:02d}" for d in range(1, days + 1)]
    slots = ["am", "pm"]
    cells = sorted(rng.sample([(d, s) for d in range(days) for s in range(2)], k=min(n_lectures, 2 * days)))
    names = [f"L{j:02d}" for j in range(n_lecturers)]
    planted, teaching = [], {name: set() for name in names}
    for i, (day, slot) in enumerate(cells):
        free = [name for name in names if day not in teaching[name]] or names
        lecturer = rng.choice(free)
        teaching[lecturer].add(day)
        planted.append((f"lec{i:02d}", day, slot, lecturer))
    lecturers = [
        {
            "id": name,
            "available": [day_ids[d] for d in range(days) if d in teaching[name] or rng.random() > 0.35],
            "max_total": max(1, len(teaching[name])),
        }
        for name in names
    ]
    lectures = []
    for i, (lid, day, _slot, lecturer) in enumerate(planted):
        others = rng.sample([n for n in names if n != lecturer], k=min(len(names) - 1, rng.randint(0, 2)))
        lectures.append(
            {
                "id": lid,
                "earliest_day": day_ids[max(0, day - rng.randint(0, 3))],
                "due_day": day_ids[min(days - 1, day + rng.randint(0, 1))],
                "lecturers": sorted([lecturer, *others]),
                "prerequisites": [planted[k][0] for k in range(max(0, i - 4), i) if rng.random() < 0.3],
            }
        )
    rng.shuffle(lectures)
    return {
        "kind": "lecture",
        "id": f"lecture-planted-l{n_lectures}-d{days}-s{seed}",
        "seed": seed,
        "days": day_ids,
        "slots_per_day": slots,
        "lecturers": lecturers,
        "lectures": lectures,
        "options": {"one_lecture_per_slot": True, "lecturer_max_per_day": 1},
    }
