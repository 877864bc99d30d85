"""Curricula: imported from a TOML or YAML file checked into the curriculum's repository.

Format (TOML shown; YAML has the same keys):

    slug = "mlab"                       # stable id of the curriculum
    name = "MLAB curriculum"
    version = "2026.11"                 # e.g. the repository's tag

    [[days]]
    key = "w1d1"                        # stable id of the day across re-imports
    week = 1
    title = "PyTorch basics"
    topic = "pytorch"                   # used to match TAs to days
    lectures = ["Tensors and autograd"]
    readings = [{ title = "The PyTorch tutorial", url = "https://pytorch.org/tutorials/" }]

      [[days.exercises]]
      key = "einsum"                    # stable id of the exercise within its day
      title = "Einsum practice"
      tests = ["test_einsum_trace", "test_einsum_mv"]   # pytest node ids without the file path

Re-importing updates titles, order and tests in place (keys are the identity), adds what is new, and
marks exercises that disappeared as retired instead of deleting them, so recorded progress is kept.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from django.db import transaction

from program.models import Cohort, Curriculum, CurriculumDay, Exercise, ProgramDay
from program.text import clean_data, clean_name, is_safe_url

_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


class CurriculumError(ValueError):
    pass


def load_file(path: str | Path) -> dict:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CurriculumError(f"cannot read {path}: {exc}") from None
    try:
        if path.suffix == ".toml":
            return tomllib.loads(text)
        if path.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
            if not isinstance(data, dict):
                raise CurriculumError(f"{path}: the top level must be a mapping")
            return data
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise CurriculumError(f"{path}: not valid {path.suffix[1:].upper()}: {exc}") from None
    raise CurriculumError(f"{path}: use a .toml, .yaml or .yml file")


def _require(mapping: dict, key: str, where: str, kind=str, max_length: int = 200):
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise CurriculumError(f"{where}: {key!r} is required ({kind.__name__})")
    if kind is str and len(value) > max_length:
        raise CurriculumError(f"{where}: {key!r} is longer than {max_length} characters")
    return value


def _key(mapping: dict, where: str, max_length: int) -> str:
    key = _require(mapping, "key", where, max_length=max_length)
    if not _SLUG.match(key):
        raise CurriculumError(f"{where}: key {key!r} may use only letters, digits, - and _")
    return key


def _readings(day: dict, where: str) -> list[dict]:
    readings = day.get("readings", [])
    if not isinstance(readings, list) or not all(isinstance(r, dict) and r.get("title") for r in readings):
        raise CurriculumError(f"{where}: every reading needs a title (and usually a url)")
    for reading in readings:
        url = reading.get("url", "")
        if url and (not isinstance(url, str) or not is_safe_url(url)):
            raise CurriculumError(f"{where}: reading {str(reading['title'])[:80]!r} has a link that is not http(s)")
    return [{"title": clean_name(str(r["title"]), 300), "url": str(r.get("url", "")).strip()} for r in readings]


def import_curriculum(data: dict) -> tuple[Curriculum, dict[str, int]]:
    """Create or update a curriculum from parsed data; returns it and counts of what changed.
    The file is untrusted text: control characters are removed, lengths and links are checked, and a
    problem is a CurriculumError naming the day and field (nothing is written then)."""
    if not isinstance(data, dict):
        raise CurriculumError("curriculum: the top level must be a mapping")
    data = clean_data(data)
    slug = _require(data, "slug", "curriculum", max_length=50)
    if not _SLUG.match(slug):
        raise CurriculumError(f"curriculum: slug {slug!r} may use only letters, digits, - and _")
    days = data.get("days")
    if not isinstance(days, list) or not days:
        raise CurriculumError("curriculum: 'days' must be a non-empty list")
    counts = {"days": 0, "exercises": 0, "retired": 0}
    with transaction.atomic():
        curriculum, _ = Curriculum.objects.update_or_create(
            slug=slug,
            defaults={"name": _require(data, "name", "curriculum"), "version": str(data.get("version", ""))[:100]},
        )
        seen_days = set()
        for number, day in enumerate(days, start=1):
            record = _import_day(curriculum, number, day, seen_days)
            counts["days"] += 1
            kept, retired = _import_exercises(record, day, f"day {number}")
            counts["exercises"] += kept
            counts["retired"] += retired
    return curriculum, counts


def _import_day(curriculum: Curriculum, number: int, day: dict, seen: set[str]) -> CurriculumDay:
    where = f"day {number}"
    key = _key(day, where, 60)
    if key in seen:
        raise CurriculumError(f"{where}: duplicate day key {key!r}")
    seen.add(key)
    try:
        week = int(day.get("week", 1))
    except (TypeError, ValueError):
        raise CurriculumError(f"{where}: 'week' must be a number") from None
    if not 1 <= week <= 100:
        raise CurriculumError(f"{where}: 'week' must be between 1 and 100")
    lectures = day.get("lectures", [])
    if not isinstance(lectures, list) or not all(isinstance(t, str) and len(t) <= 300 for t in lectures):
        raise CurriculumError(f"{where}: 'lectures' must be a list of titles")
    record, _ = CurriculumDay.objects.update_or_create(
        curriculum=curriculum,
        key=key,
        defaults={
            "number": number,
            "week": week,
            "title": _require(day, "title", where),
            "topic": str(day.get("topic", ""))[:100],
            "readings": _readings(day, where),
            "lectures": list(lectures),
        },
    )
    return record


def _import_exercises(record: CurriculumDay, day: dict, where: str) -> tuple[int, int]:
    """The day's exercises by key (updated in place); those gone from the file are retired. Returns
    (exercises imported, exercises retired)."""
    exercises = day.get("exercises", [])
    if not isinstance(exercises, list):
        raise CurriculumError(f"{where}: 'exercises' must be a list")
    keep = []
    for position, exercise in enumerate(exercises, start=1):
        ex_where = f"{where}, exercise {position}"
        tests = exercise.get("tests", []) if isinstance(exercise, dict) else None
        if not isinstance(tests, list) or not all(isinstance(t, str) and t and len(t) <= 500 for t in tests):
            raise CurriculumError(f"{ex_where}: 'tests' must be a list of pytest test ids")
        key = _key(exercise, ex_where, 100)
        Exercise.objects.update_or_create(
            day=record,
            key=key,
            defaults={
                "title": _require(exercise, "title", ex_where),
                "position": position,
                "test_ids": tests,
                "retired": False,
            },
        )
        keep.append(key)
    retired = Exercise.objects.filter(day=record, retired=False).exclude(key__in=keep).update(retired=True)
    return len(keep), retired


def map_program_days(cohort: Cohort, curriculum: Curriculum) -> int:
    """Give the cohort's program days their curriculum days in order; optional days get none."""
    with transaction.atomic():
        cohort.curriculum = curriculum
        cohort.save(update_fields=["curriculum"])
        days = list(curriculum.days.order_by("number"))
        mapped = 0
        for program_day, curriculum_day in zip(
            ProgramDay.objects.filter(cohort=cohort, is_optional=False).order_by("date"), days
        ):
            program_day.curriculum_day = curriculum_day
            program_day.title = curriculum_day.title
            program_day.save(update_fields=["curriculum_day", "title"])
            mapped += 1
    return mapped
