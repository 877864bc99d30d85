"""The TA help queue: asking carries the failing tests of the latest report (first message lines),
asking twice does nothing, claims are exclusive (and on PostgreSQL, 40 pairs and 4 TAs at once lose
and double nothing), order (helped least, then longest waiting), grouping by test, proposals from the
stuck rules, the pair's place and wait, the numbers recomputed by hand, the webhook, the pages."""

import hashlib
import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from program.cohorts.curriculum import import_curriculum, load_file, map_program_days
from program.help import queue, stats, webhook
from program.labs import collector
from program.models import Cohort, HelpRequest, LabMachine, PairGroup, ProgramDay, Role, Room, TAAssignment
from program.services import enroll
from tests.conftest import make_person
from tests.servers.labagents import SAMPLE


def junit(*cases: tuple[str, str, str]) -> str:
    """A JUnit report: (test name, outcome, message) per case."""
    body = []
    for name, outcome, message in cases:
        inner = {"passed": "", "failed": f'<failure message="{message}">trace</failure>',
                 "error": f'<error message="{message}">trace</error>'}[outcome]  # fmt: skip
        body.append(f'<testcase classname="tests.test_day1" name="{name}">{inner}</testcase>')
    return f'<testsuites><testsuite name="pytest">{"".join(body)}</testsuite></testsuites>'


def report(group: PairGroup, content: str, seq: int = 1) -> dict:
    return {"reports": [{"workspace": group.workspace, "day": "day1", "format": "junit", "seq": seq,
                         "sha256": hashlib.sha256(content.encode()).hexdigest(), "size": len(content),
                         "content": content}]}  # fmt: skip


def make_day(n_pairs: int, *, slug: str = "help") -> dict:
    """A cohort whose first program day is today (the sample curriculum's day 1), n pairs on machines in
    one room, a TA on duty there."""
    today = timezone.localdate()
    cohort = Cohort.objects.create(name="Help", slug=slug, starts_on=today, ends_on=today + timedelta(days=4))
    day = ProgramDay.objects.create(cohort=cohort, date=today, number=1)
    curriculum, _ = import_curriculum(load_file(SAMPLE / "curriculum.toml"))
    map_program_days(cohort, curriculum)
    room = Room.objects.create(name=f"Room {slug}")
    ta = make_person(f"ta-{slug}@example.org", full_name=f"TA {slug}")
    enroll(cohort, ta, role=Role.TA)
    TAAssignment.objects.create(day=day, ta=ta, room=room)
    groups = []
    for i in range(n_pairs):
        machine = LabMachine.objects.create(
            name=f"{slug}-m{i}", url=f"http://127.0.0.1:{9000 + i}", token="t", room=room
        )
        group = PairGroup.objects.create(day=day, workspace=f"{slug}-g{i:02d}", machine=machine)
        for j in range(2):
            person = make_person(f"{slug}-p{i}-{j}@example.org", full_name=f"P{i}-{j}")
            enroll(cohort, person, role=Role.PARTICIPANT)
            group.members.add(person)
        groups.append(group)
    day.refresh_from_db()
    return {"cohort": cohort, "day": day, "room": room, "ta": ta, "groups": groups}


@pytest.fixture
def lab(db):
    return make_day(4)


def test_asking_carries_the_failing_tests_with_their_first_message_line_and_twice_does_nothing(lab):
    group = lab["groups"][0]
    content = junit(("test_add", "passed", ""), ("test_mul", "failed", "AssertionError: 6 != 5&#10;more lines"),
                    ("test_div", "error", "ZeroDivisionError: division by zero"),
                    ("test_later", "failed", "NotImplementedError"))  # fmt: skip
    collector.store(group.machine, report(group, content))
    member = group.members.first()

    entry, created = queue.ask(group, by=member, note="mul is off by one")
    again, created_again = queue.ask(group, by=group.members.last())

    assert created and not created_again and again.pk == entry.pk
    assert entry.failing == [
        {"test": "test_mul", "outcome": "failed", "message": "AssertionError: 6 != 5"},
        {"test": "test_div", "outcome": "error", "message": "ZeroDivisionError: division by zero"},
    ]  # not started (NotImplementedError) is not a failure
    assert entry.stuck_on == "test_mul" and entry.room == lab["room"] and entry.note == "mul is off by one"
    assert HelpRequest.objects.count() == 1


def test_a_claim_is_exclusive_and_a_hand_back_keeps_the_place(lab):
    first, second = (queue.ask(g, by=None)[0] for g in lab["groups"][:2])
    other_ta = make_person("ta2@example.org")

    won = queue.claim(first, by=lab["ta"])
    lost = queue.claim(HelpRequest.objects.get(pk=first.pk), by=other_ta)
    back = queue.hand_back(first, by=lab["ta"])
    order = [e.pk for e in queue.ordered(list(queue.open_entries(lab["day"])), lab["day"])]

    assert won is not None and lost is None and back is not None
    assert order == [first.pk, second.pk]  # it kept its place
    assert HelpRequest.objects.get(pk=first.pk).handed_back == 1


def test_pairs_helped_least_today_go_ahead_then_the_longest_waiting(lab):
    g0, g1, g2, g3 = lab["groups"]
    start = timezone.now() - timedelta(minutes=30)
    with time_machine.travel(start, tick=False):
        earlier = queue.ask(g0, by=None)[0]
    queue.resolve(queue.claim(earlier, by=lab["ta"]), by=lab["ta"], resolution="typo")
    times = {}
    for minutes, group in [(1, g0), (2, g1), (3, g2), (4, g3)]:  # g0 asks first again, but was helped today
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            times[group.pk] = queue.ask(group, by=None)[0]

    waiting = queue.ordered(list(queue.open_entries(lab["day"])), lab["day"])

    assert [e.group_id for e in waiting] == [g1.pk, g2.pk, g3.pk, g0.pk]


def test_entries_stuck_on_the_same_test_are_grouped(lab):
    failing = junit(("test_mul", "failed", "AssertionError"))
    for group in lab["groups"][:3]:
        collector.store(group.machine, report(group, failing))
        queue.ask(group, by=None)
    queue.ask(lab["groups"][3], by=None)  # no report: no test

    groups = queue.grouped(queue.ordered(list(queue.open_entries(lab["day"])), lab["day"]))

    assert [(test, len(entries)) for test, entries in groups] == [("test_mul", 3)]


def test_the_stuck_rules_propose_entries_a_ta_accepts_and_the_pair_sees_a_ta_coming(client, lab, settings):
    broken, stalled, fine, silent = lab["groups"]
    collector.store(broken.machine, report(broken, '<testsuites><testsuite><testcase classname="tests.test_day1" '
                    'name="test_day1"><error message="collection failure">ImportError</error></testcase></testsuite></testsuites>'))  # fmt: skip
    passing = junit(("test_add", "passed", ""), ("test_mul", "failed", "AssertionError"))
    for group in (stalled, fine):
        collector.store(group.machine, report(group, passing))
    PairGroup.objects.filter(pk=stalled.pk).update(last_progress_at=timezone.now() - timedelta(minutes=90))

    proposed = {f["group"].pk: f for f in queue.proposals(lab["cohort"])}
    entry, _ = queue.accept(lab["cohort"], stalled, by=lab["ta"])
    after = {f["group"].pk for f in queue.proposals(lab["cohort"])}
    client.force_login(stalled.members.first())
    today = client.get(reverse("program:today")).content.decode()

    assert {broken.pk, stalled.pk} <= set(proposed) and fine.pk not in proposed
    assert entry.origin == "spotted" and entry.detected_at == proposed[stalled.pk]["since"]
    assert entry.detected_at <= timezone.now() - timedelta(minutes=90 - settings.LAB_STALL_MINUTES)
    assert stalled.pk not in after
    assert "A TA is coming" in today


def test_the_pair_sees_its_place_and_the_expected_wait_from_todays_handling_times(lab):
    base = timezone.now() - timedelta(hours=1)
    g0, g1, g2, g3 = lab["groups"]
    for minutes, handled in [(0, 4), (10, 8)]:  # two resolved today: 4 and 8 minutes, median 6
        with time_machine.travel(base + timedelta(minutes=minutes), tick=False):
            entry = queue.claim(queue.ask(g0 if minutes == 0 else g1, by=None)[0], by=lab["ta"])
        with time_machine.travel(base + timedelta(minutes=minutes + handled), tick=False):
            queue.resolve(entry, by=lab["ta"])
    waiting = [queue.ask(g, by=None)[0] for g in (g2, g3)]

    places = [queue.place(e) for e in waiting]

    assert [(p["position"], p["minutes"]) for p in places] == [(1, 6), (2, 12)]  # one TA on duty in the room


def test_wait_statistics_match_a_computation_by_hand(lab):
    rng_waits = {"ta": [3, 7, 1, 12, 5], "ta2": [2, 9]}
    other = make_person("ta2-help@example.org", full_name="Second TA")
    base = timezone.now() - timedelta(hours=3)
    groups = lab["groups"]
    k = 0
    for name, waits in rng_waits.items():
        who = lab["ta"] if name == "ta" else other
        for wait in waits:
            with time_machine.travel(base + timedelta(minutes=20 * k), tick=False):
                entry = queue.ask(groups[k % 4], by=None)[0]
            with time_machine.travel(base + timedelta(minutes=20 * k + wait), tick=False):
                queue.claim(entry, by=who)
            with time_machine.travel(base + timedelta(minutes=20 * k + wait + 2), tick=False):
                queue.resolve(entry, by=who)
            k += 1

    table = stats.per_day_and_ta(lab["cohort"]).set_index("ta")

    def p90(values):  # linear interpolation between closest ranks, by hand
        ordered = sorted(values)
        rank = 0.9 * (len(ordered) - 1)
        low = int(rank)
        return ordered[low] + (ordered[min(low + 1, len(ordered) - 1)] - ordered[low]) * (rank - low)

    for name, waits in rng_waits.items():
        row = table.loc["TA help" if name == "ta" else "Second TA"]
        ordered = sorted(waits)
        median = (
            ordered[len(ordered) // 2]
            if len(ordered) % 2
            else (ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2]) / 2
        )
        assert row["entries"] == len(waits)
        assert row["wait_median"] == pytest.approx(median, abs=0.05)
        assert row["wait_p90"] == pytest.approx(p90(waits), abs=0.05)
        assert row["handling_median"] == pytest.approx(2, abs=0.05)


def test_the_tests_raising_most_questions_are_counted_per_entry_and_pair(lab):
    for i, group in enumerate(lab["groups"]):
        cases = [("test_mul", "failed", "x")] + ([("test_div", "failed", "y")] if i % 2 else [])
        collector.store(group.machine, report(group, junit(*cases)))
        queue.ask(group, by=None)

    table = stats.top_tests(lab["cohort"])

    assert table.to_dict("records") == [
        {"test": "test_mul", "entries": 4, "pairs": 4},
        {"test": "test_div", "entries": 2, "pairs": 2},
    ]


class _Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        self.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_long_wait_is_posted_to_the_cohorts_webhook_once(lab):
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lab["cohort"].help_webhook_url = f"http://127.0.0.1:{server.server_port}/hook"
    lab["cohort"].help_webhook_minutes = 10
    lab["cohort"].save()
    entry = queue.ask(lab["groups"][0], by=None)[0]
    try:
        early = webhook.notify_long_waits(entry.asked_at + timedelta(minutes=5))
        late = webhook.notify_long_waits(entry.asked_at + timedelta(minutes=11))
        again = webhook.notify_long_waits(entry.asked_at + timedelta(minutes=20))
    finally:
        server.shutdown()
        server.server_close()

    assert (early, late, again) == (0, 1, 0)
    assert len(_Hook.received) == 1 and "waited 11 min" in _Hook.received[0]["text"]
    assert _Hook.received[0]["text"] == _Hook.received[0]["content"]


def test_the_queue_page_keeps_its_queries_constant_and_shows_failing_tests(client, lab, django_assert_max_num_queries):
    for group in lab["groups"]:
        collector.store(group.machine, report(group, junit(("test_mul", "failed", "AssertionError: 6 != 5"))))
        queue.ask(group, by=None)
    client.force_login(lab["ta"])
    url = reverse("program:help-queue", kwargs={"slug": lab["cohort"].slug})
    with django_assert_max_num_queries(40) as few:
        small = client.get(url)
    more = make_day(12, slug="more")
    for group in more["groups"]:
        queue.ask(group, by=None)
    client.force_login(more["ta"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        big = client.get(reverse("program:help-queue", kwargs={"slug": "more"}), HTTP_HX_REQUEST="true")

    body = small.content.decode()
    assert "test_mul" in body and "AssertionError: 6 != 5" in body and "4 pairs fail" in body
    assert (
        big.content.decode().lstrip().startswith('<div id="queue"')
        and big.content.decode().count("Claim</button>") == 12
    )


def test_only_the_cohorts_tas_and_staff_see_the_queue_and_only_staff_the_numbers(client, lab, coordinator, participant):
    urls = [reverse("program:help-queue", kwargs={"slug": lab["cohort"].slug}),
            reverse("program:help-numbers", kwargs={"slug": lab["cohort"].slug})]  # fmt: skip
    statuses = {}
    for who in (lab["ta"], coordinator, participant):
        client.force_login(who)
        statuses[who.email] = [client.get(u).status_code for u in urls]

    assert statuses[lab["ta"].email] == [200, 403]
    assert statuses[coordinator.email] == [200, 200]
    assert statuses[participant.email] == [403, 403]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_forty_pairs_asking_and_four_tas_claiming_at_once_lose_and_double_nothing():
    lab = make_day(40, slug="rush")
    tas = [lab["ta"], *(make_person(f"rush-ta{i}@example.org") for i in range(3))]
    start = threading.Barrier(44)
    claimed: dict[int, list[int]] = {}
    errors: list[BaseException] = []

    def pair(group):
        try:
            start.wait()
            queue.ask(group, by=group.members.first())
            queue.ask(group, by=group.members.last())  # the partner clicks too
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    def ta(person):
        try:
            start.wait()
            deadline = datetime.now() + timedelta(seconds=20)
            while datetime.now() < deadline and sum(len(v) for v in claimed.values()) < 40:
                for entry in HelpRequest.objects.filter(state="waiting").order_by("asked_at")[:5]:
                    if queue.claim(entry, by=person) is not None:
                        claimed.setdefault(person.pk, []).append(entry.pk)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=pair, args=(g,)) for g in lab["groups"]]
    threads += [threading.Thread(target=ta, args=(t,)) for t in tas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    all_claims = [pk for pks in claimed.values() for pk in pks]
    assert errors == []
    assert HelpRequest.objects.count() == 40  # one per pair: none lost, none doubled
    assert len(all_claims) == len(set(all_claims)) == 40  # every entry claimed exactly once
    assert set(HelpRequest.objects.values_list("state", flat=True)) == {"claimed"}


def test_the_numbers_page_shows_a_dash_for_what_is_not_measured_yet(client, lab, coordinator):
    entry = queue.ask(lab["groups"][0], by=None)[0]
    queue.claim(entry, by=lab["ta"])  # asked, not spotted; claimed, not resolved
    client.force_login(coordinator)

    body = client.get(reverse("program:help-numbers", kwargs={"slug": lab["cohort"].slug})).content.decode()

    assert "TA help" in body and "nan" not in body.lower().replace("nanosecond", "") and "–" in body


def test_the_stuck_rules_are_reused_within_the_minute_until_a_group_or_a_result_changes(lab, monkeypatch):
    broken, stalled, fine, _ = lab["groups"]
    passing = junit(("test_add", "passed", ""), ("test_mul", "failed", "AssertionError"))
    for group in (stalled, fine):
        collector.store(group.machine, report(group, passing))
    runs = []
    rules = queue.progress.needs_help
    monkeypatch.setattr(
        queue.progress, "needs_help", lambda cohort, now=None: runs.append(now) or rules(cohort, now=now)
    )
    start = timezone.now().replace(second=5)

    with time_machine.travel(start, tick=False):
        first = {f["group"].pk: f["reasons"] for f in queue.proposals(lab["cohort"])}
        again = {f["group"].pk: f["reasons"] for f in queue.proposals(lab["cohort"])}
        PairGroup.objects.filter(pk=broken.pk).update(broken="collection failure")
        after_break = {f["group"].pk: f["reasons"] for f in queue.proposals(lab["cohort"])}
        collector.store(
            fine.machine, report(fine, junit(("test_add", "passed", ""), ("test_mul", "passed", "")), seq=2)
        )
        queue.proposals(lab["cohort"])
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        queue.proposals(lab["cohort"])

    assert first == again and first[broken.pk] == ["no report from the machine yet"]
    assert after_break[broken.pk] == ["broken: collection failure"]
    assert len(runs) == 4, "computed once per change and once per minute, not once per view"
