"""The progress pages on stored reports (made by really running the sample curriculum's tests)."""

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from program.cohorts import pairs
from program.cohorts.curriculum import import_curriculum, load_file, map_program_days
from program.labs import collector, progress
from program.models import Enrollment, LabMachine, PairGroup, Role
from program.services import enroll
from tests.conftest import make_person
from tests.servers.labagents import SAMPLE, run_day


@pytest.fixture(scope="module")
def junit(tmp_path_factory):
    folder = tmp_path_factory.mktemp("junit")
    return {
        (answers, day): run_day(folder, answers, day, answers).read_text()
        for answers, day in [("good", "day1"), ("started", "day1"), ("good", "day2")]
    }


def _report(group, day, content, seq=1):
    return {
        "workspace": group.workspace,
        "day": day,
        "format": "junit",
        "sha256": hashlib.sha256(content.encode()).hexdigest(),
        "seq": seq,
        "size": len(content),
        "content": content,
    }


def _cohort_with(cohort, n):
    curriculum, _ = import_curriculum(load_file(SAMPLE / "curriculum.toml"))
    map_program_days(cohort, curriculum)
    cohort.refresh_from_db()
    people = [make_person(f"p{i}@example.org", full_name=f"P{i:02d}") for i in range(n)]
    for person in people:
        enroll(cohort, person, role=Role.PARTICIPANT)
    machine = LabMachine.objects.create(name="m1", url="http://127.0.0.1:9", token="t")
    days = list(cohort.days.order_by("date"))
    pairs.generate(cohort, from_day=days[0].date)
    return people, days, machine


@pytest.fixture
def reported(cohort, junit):
    people, days, machine = _cohort_with(cohort, 6)
    good, started, silent = days[0].groups.order_by("workspace")
    collector.store(machine, {"reports": [_report(good, "day1", junit[("good", "day1")])]})
    collector.store(machine, {"reports": [_report(started, "day1", junit[("started", "day1")])]})
    broken = days[1].groups.order_by("workspace").first()
    collector.store(machine, {"reports": [_report(broken, "day2", junit[("good", "day2")])]})
    return {"cohort": cohort, "days": days, "good": good, "started": started, "silent": silent, "broken": broken}


def _member(group):
    return group.members.order_by("pk").first()


def test_heatmap_shows_share_broken_and_no_report_in_words(client, coordinator, reported):
    client.force_login(coordinator)

    body = client.get(reverse("program:progress", kwargs={"slug": reported["cohort"].slug})).content.decode()

    good_name = _member(reported["good"]).display_name
    assert good_name in body
    assert "33%" in body  # 3 of the 9 expected tests of day 1
    assert ">broken<" in body and ">no report<" in body and ">0%<" in body


def test_heatmap_frame_counts_against_the_curriculum_not_the_report(reported):
    table = progress.frame(reported["cohort"])

    good = table[table["group_id"] == reported["good"].pk].iloc[0]
    silent = table[table["group_id"] == reported["silent"].pk].iloc[0]
    assert (good["passed"], good["expected"], good["state"]) == (3, 9, "in progress")
    assert silent["state"] == "no report" and silent["share"] != silent["share"]  # NaN: not 0
    started = table[table["group_id"] == reported["started"].pk].iloc[0]
    assert (started["passed"], started["state"]) == (0, "not started")


def test_heatmap_csv_neutralises_formulas(client, coordinator, reported):
    person = _member(reported["good"])
    person.full_name = "=HYPERLINK(evil)"
    person.save()
    client.force_login(coordinator)

    response = client.get(reverse("program:progress", kwargs={"slug": reported["cohort"].slug}) + "?format=csv")

    text = response.content.decode()
    assert response["Content-Type"].startswith("text/csv") and "'=HYPERLINK(evil)" in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_htmx_polling_gets_only_the_live_part(client, coordinator, reported):
    client.force_login(coordinator)

    body = client.get(reverse("program:progress", kwargs={"slug": reported["cohort"].slug}), HTTP_HX_REQUEST="true")

    assert body.content.decode().lstrip().startswith('<div id="heatmap"') and b"<html" not in body.content


@pytest.mark.parametrize("size", [6, 20])
def test_heatmap_query_count_is_flat(client, coordinator, cohort, junit, size, django_assert_max_num_queries):
    people, days, machine = _cohort_with(cohort, size)
    for day in days[:2]:
        for group in day.groups.all():
            collector.store(machine, {"reports": [_report(group, f"day{day.number}", junit[("good", "day1")])]})
    client.force_login(coordinator)

    with django_assert_max_num_queries(11):
        response = client.get(reverse("program:progress", kwargs={"slug": cohort.slug}))

    assert response.status_code == 200 and response.content.decode().count("<tr>") == size + 1


def test_group_page_lists_each_exercise_state_and_first_pass(client, reported):
    group = reported["good"]
    client.force_login(_member(group))

    body = client.get(
        reverse("program:group-progress", kwargs={"slug": reported["cohort"].slug, "workspace": group.workspace})
    ).content.decode()

    rows = {r["exercise"].key: r["state"] for r in progress.exercise_rows(group)}
    assert rows == {"add": "passed", "mul": "failing", "div": "not started", "misc": "failing"}
    assert "3 of 9 official tests passed" in body and "(not started)" in body


def test_who_needs_help_names_broken_silent_slow_and_stalled_groups(reported, time_machine, settings):
    settings.LAB_STALL_MINUTES, settings.LAB_PACE_MARGIN = 30, 0.1
    cohort, days = reported["cohort"], reported["days"]
    time_machine.move_to(
        timezone.make_aware(timezone.datetime.combine(days[0].date, timezone.datetime.min.time())) + timedelta(hours=15)
    )
    PairGroup.objects.filter(pk=reported["good"].pk).update(last_progress_at=timezone.now() - timedelta(minutes=50))

    found = {f["group"].pk: f["reasons"] for f in progress.needs_help(cohort)}

    assert found[reported["silent"].pk] == ["no report from the machine yet"]
    assert "no newly passing test for 50 min" in found[reported["good"].pk]
    assert any("behind the cohort's pace" in r for r in found[reported["started"].pk])
    time_machine.move_to(
        timezone.make_aware(timezone.datetime.combine(days[1].date, timezone.datetime.min.time())) + timedelta(hours=12)
    )
    tomorrow = {f["group"].pk: f["reasons"] for f in progress.needs_help(cohort)}
    assert tomorrow[reported["broken"].pk][0].startswith("broken: ")


def test_fleet_shows_fresh_stale_and_down(client, ta, db):
    now = timezone.now()
    LabMachine.objects.create(
        name="fresh",
        url="http://x",
        token="t",
        last_success_at=now,
        latency_ms=12,
        gpus=[{"index": 0, "name": "H100", "memory_total_mib": 81559, "memory_used_mib": 1024, "utilization_pct": 37}],
    )
    LabMachine.objects.create(name="stale", url="http://x", token="t", last_success_at=now - timedelta(hours=1))
    LabMachine.objects.create(
        name="down", url="http://x", token="t", consecutive_failures=4, last_error="connection failed: timed out"
    )
    client.force_login(ta)

    body = client.get(reverse("program:fleet")).content.decode()

    assert "1 fresh" in body and "1 stale" in body and "1 down" in body
    assert "H100: 37%, 1024/81559 MiB" in body and "connection failed: timed out" in body


def test_my_progress_shows_only_my_own_days(client, reported):
    me = _member(reported["good"])
    client.force_login(me)

    body = client.get(reverse("program:my-progress")).content.decode()

    mine = PairGroup.objects.filter(members=me, day__curriculum_day__isnull=False)
    my_workspaces = set(mine.values_list("workspace", flat=True))
    others = set(PairGroup.objects.exclude(members=me).values_list("workspace", flat=True))
    assert all(w in body for w in my_workspaces) and not any(f">{w}<" in body for w in others)
    assert "3 of 9" in body
    assert Enrollment.objects.filter(user=me).count() == 1


def test_the_heatmap_and_the_group_page_decide_a_day_the_same_way(reported):
    table = progress.frame(reported["cohort"]).drop_duplicates("group_id").set_index("group_id")
    groups = [reported[k] for k in ("good", "started", "silent", "broken")]

    by_frame = {g.workspace: table.loc[g.pk, "state"] for g in groups}
    by_page = {g.workspace: progress.group_day_state(g)["state"] for g in groups}

    assert by_frame == by_page
    assert sorted(by_page.values()) == ["broken", "in progress", "no report", "not started"]


def test_day_state_is_one_rule():
    rule = progress.day_state
    assert rule(broken=True, reported=True, passed=9, expected=9, worked=True) == "broken"
    assert rule(broken=False, reported=False, passed=0, expected=9, worked=False) == "no report"
    assert rule(broken=False, reported=True, passed=9, expected=9, worked=True) == "done"
    assert rule(broken=False, reported=True, passed=0, expected=9, worked=True) == "in progress"
    assert rule(broken=False, reported=True, passed=0, expected=9, worked=False) == "not started"
