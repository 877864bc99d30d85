"""Sessions, machines, TAs, the week board, its PDF, the lecture-planning helper and the Today page."""

import io
import zoneinfo
from datetime import UTC, datetime, time, timedelta

import pytest
from django.urls import reverse
from pypdf import PdfReader

from program.cohorts import pairs, schedule, staffing
from program.models import (
    Absence,
    Curriculum,
    CurriculumDay,
    Enrollment,
    LabMachine,
    PairGroup,
    Role,
    Room,
    Session,
    TAAssignment,
)
from program.scheduling import ta as ta_kind
from program.services import enroll
from tests.conftest import make_person


@pytest.fixture
def lab(db):
    rooms = [Room.objects.create(name="Lab A", pairs_per_ta=2), Room.objects.create(name="Lab B", pairs_per_ta=2)]
    machines = [
        LabMachine.objects.create(name=f"gpu{i:02d}", url=f"http://10.0.0.{i}:8750", token="t", room=rooms[i % 2])
        for i in range(1, 9)
    ]
    return rooms, machines


def _people(cohort, n, role=Role.PARTICIPANT, prefix="p"):
    people = [make_person(f"{prefix}{i}@example.org", full_name=f"{prefix.upper()}{i:02d}") for i in range(n)]
    for person in people:
        enroll(cohort, person, role=role)
    return people


@pytest.fixture
def staffed(cohort, lab):
    people = _people(cohort, 8)
    tas = _people(cohort, 4, role=Role.TA, prefix="t")
    days = list(cohort.days.order_by("date"))
    pairs.generate(cohort, from_day=days[0].date)
    return cohort, people, tas, days


def test_a_room_or_a_speaker_is_never_booked_twice_at_once_even_across_cohorts(cohort, other_cohort, ta, lab):
    room = lab[0][0]
    day = cohort.days.order_by("date").first()
    other_day = other_cohort.days.get(date=day.date) if other_cohort.days.filter(date=day.date).exists() else None
    schedule.add_session(day, title="Transformers", starts=time(9, 30), ends=time(10, 30), speaker=ta, room=room)

    with pytest.raises(schedule.ScheduleConflict, match=r"Lab A is already booked then: “Transformers” \(MLAB3 day 1"):
        schedule.add_session(day, title="RL", starts=time(10, 0), ends=time(11, 0), room=room)
    with pytest.raises(schedule.ScheduleConflict, match="Tom TA is already speaking then"):
        schedule.add_session(day, title="RL", starts=time(9, 0), ends=time(9, 45), speaker=ta, room=lab[0][1])
    if other_day is not None:
        with pytest.raises(schedule.ScheduleConflict, match="already booked"):
            schedule.add_session(other_day, title="Other cohort", starts=time(9, 0), ends=time(12, 0), room=room)
    back_to_back = schedule.add_session(day, title="RL", starts=time(10, 30), ends=time(11, 30), speaker=ta, room=room)
    with pytest.raises(schedule.ScheduleConflict, match="end after it starts"):
        schedule.add_session(day, title="Backwards", starts=time(11, 0), ends=time(10, 0))

    assert back_to_back.pk and Session.objects.filter(day=day).count() == 2


def test_every_group_gets_its_own_machine_each_day_and_moves_are_checked(staffed, lab):
    cohort, people, tas, days = staffed
    for day in days:
        machines = [g.machine_id for g in day.groups.all()]
        assert None not in machines and len(machines) == len(set(machines)) == 4
    first, second = days[0].groups.order_by("workspace")[:2]

    with pytest.raises(ValueError, match=f"{second.machine.name} is already used by {second.workspace}"):
        staffing.set_machine(first, second.machine)
    spare = LabMachine.objects.exclude(groups__day=days[0]).first()
    staffing.set_machine(first, spare)

    assert PairGroup.objects.get(pk=first.pk).machine == spare


def test_too_few_machines_leaves_groups_without_one_and_says_how_many(cohort, lab):
    _people(cohort, 8)
    LabMachine.objects.filter(name__in=["gpu01", "gpu02", "gpu03", "gpu04", "gpu05"]).update(active=False)
    days = list(cohort.days.order_by("date"))[:1]
    pairs.generate(cohort, from_day=days[0].date)
    PairGroup.objects.filter(day=days[0]).update(machine=None)

    assert staffing.assign_machines(days) == 1


def test_ta_assignment_reaches_the_max_flow_bound_one_room_a_day_and_respects_absences(staffed):
    cohort, people, tas, days = staffed
    away = Enrollment.objects.get(user=tas[0], cohort=cohort)
    Absence.objects.create(enrollment=away, day=days[2])
    Enrollment.objects.filter(user=tas[1], cohort=cohort).update(max_days=3)

    meta = staffing.assign_tas(cohort, from_day=days[0].date)

    instance = staffing.ta_instance(cohort, days)
    assert meta["coverage_fraction"] == ta_kind.bounds(instance)["coverage_upper_bound"] == 1.0
    assert not TAAssignment.objects.filter(day=days[2], ta=tas[0]).exists()
    assert TAAssignment.objects.filter(ta=tas[1]).values("day").distinct().count() <= 3
    per_day_room = {(a.day_id, a.room_id) for a in TAAssignment.objects.all()}
    assert per_day_room == {(g.day_id, g.machine.room_id) for g in PairGroup.objects.select_related("machine")}


def test_regenerating_tas_from_a_day_on_keeps_earlier_days(staffed):
    cohort, people, tas, days = staffed
    staffing.assign_tas(cohort, from_day=days[0].date)
    before = set(TAAssignment.objects.filter(day=days[0]).values_list("ta_id", "room_id"))
    Enrollment.objects.filter(cohort=cohort, role=Role.TA).update(max_days=1)

    staffing.assign_tas(cohort, from_day=days[1].date)

    assert set(TAAssignment.objects.filter(day=days[0]).values_list("ta_id", "room_id")) == before


def test_lecture_plan_puts_each_lecture_by_its_due_day_after_its_prerequisite(cohort, lab):
    tas = _people(cohort, 2, role=Role.TA, prefix="t")
    Enrollment.objects.filter(user=tas[0]).update(topics="transformers")
    curriculum = Curriculum.objects.create(slug="c", name="C")
    days = list(cohort.days.order_by("date"))[:5]
    for number, day in enumerate(days, start=1):
        day.curriculum_day = CurriculumDay.objects.create(
            curriculum=curriculum, key=f"d{number}", number=number, title=f"Day {number}", topic="other"
        )
        day.save()
    days[3].curriculum_day.topic = "transformers"
    days[3].curriculum_day.lectures = ["Attention", "Positional encodings (after Attention)"]
    days[3].curriculum_day.save()

    the_day_before = datetime.combine(days[0].date - timedelta(days=1), time(12), tzinfo=UTC)
    plan, meta, unplaced = schedule.plan_lectures(cohort, now=the_day_before)

    assert unplaced == []
    by_title = {p.title: p for p in plan}
    attention, positions = by_title["Attention"], by_title["Positional encodings"]
    assert (attention.day.date, attention.slot) < (positions.day.date, positions.slot)
    assert positions.day.date <= days[3].date and attention.day.date >= days[0].date
    assert {attention.speaker, positions.speaker} == {tas[0]}  # the TA whose topics match
    booked, refused = schedule.book_plan(plan, lab[0][0])
    assert len(booked) == 2 and refused == []
    booked_again, refused_again = schedule.book_plan(plan, lab[0][0])
    assert booked_again == [] and len(refused_again) == 2 and "already booked" in refused_again[0]


def _board(slug):
    return reverse("program:board", kwargs={"slug": slug})


def test_board_swaps_with_htmx_and_answers_with_the_day_row_and_fresh_figures(client, coordinator, staffed):
    cohort, people, tas, days = staffed
    day = days[0]
    a = people[0]
    b = next(p for p in people[1:] if not PairGroup.objects.filter(day=day, members=a).filter(members=p).exists())
    client.force_login(coordinator)

    response = client.post(
        _board(cohort.slug), {"action": "swap", "day": day.pk, "first": a.pk, "second": b.pk}, HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith(f'<tr id="day-{day.pk}"')
    assert f"Swapped {a.display_name} and {b.display_name}" in body
    assert 'id="quality" class="muted" hx-swap-oob="true"' in body
    assert PairGroup.objects.get(day=day, members=a).locked


def test_board_refuses_a_double_booked_session_inside_the_row(client, coordinator, staffed, lab):
    cohort, people, tas, days = staffed
    room = lab[0][0]
    schedule.add_session(days[0], title="Intro", starts=time(9, 0), ends=time(10, 0), room=room)
    client.force_login(coordinator)
    form = {"action": "add-session", "day": days[0].pk, "kind": "lecture", "title": "Clash", "room": room.pk}

    response = client.post(_board(cohort.slug), form | {"starts": "09:30", "ends": "10:30"}, HTTP_HX_REQUEST="true")
    ok = client.post(_board(cohort.slug), form | {"starts": "10:00", "ends": "11:00"}, HTTP_HX_REQUEST="true")

    assert "Lab A is already booked then" in response.content.decode() and 'class="error"' in response.content.decode()
    assert "Booked “Clash”" in ok.content.decode()
    assert list(Session.objects.filter(day=days[0]).values_list("title", flat=True)) == ["Intro", "Clash"]


def test_board_locks_and_moves_machines_of_this_cohort_only(client, coordinator, staffed, other_cohort):
    cohort, people, tas, days = staffed
    group = days[0].groups.first()
    client.force_login(coordinator)

    client.post(_board(cohort.slug), {"action": "lock", "day": days[0].pk, "group": group.pk}, HTTP_HX_REQUEST="true")
    foreign = client.post(
        _board(other_cohort.slug), {"action": "lock", "day": days[0].pk, "group": group.pk}, HTTP_HX_REQUEST="true"
    )
    client.post(_board(cohort.slug), {"action": "machine", "day": days[0].pk, "group": group.pk, "machine": ""})

    group.refresh_from_db()
    assert group.locked and group.machine is None
    assert foreign.status_code == 302  # the day is not the other cohort's: refused, nothing changed


@pytest.mark.parametrize("size", [8, 24])
def test_week_board_query_count_does_not_grow_with_the_cohort(
    client, coordinator, cohort, lab, size, django_assert_max_num_queries
):
    _people(cohort, size)
    _people(cohort, 3, role=Role.TA, prefix="t")
    LabMachine.objects.bulk_create(
        LabMachine(name=f"extra{i}", url="http://10.1.0.1:8750", token="t", room=lab[0][0]) for i in range(size)
    )
    days = list(cohort.days.order_by("date"))
    pairs.generate(cohort, from_day=days[0].date)
    staffing.assign_tas(cohort, from_day=days[0].date)
    for day in days[:5]:
        schedule.add_session(day, title="Lecture", starts=time(9, 30), ends=time(10, 30), room=lab[0][0])
    client.force_login(coordinator)

    with django_assert_max_num_queries(24):  # 21 + the menu's current cohort + why each group (2)
        response = client.get(_board(cohort.slug) + "?week=1")

    assert response.status_code == 200 and response.content.decode().count('class="pair') >= size // 2


def test_week_pdf_lists_sessions_pairs_machines_and_tas(client, participant, staffed, lab):
    cohort, people, tas, days = staffed
    schedule.add_session(days[0], title="Backprop by hand", starts=time(9, 30), ends=time(10, 30), room=lab[0][0])
    staffing.assign_tas(cohort, from_day=days[0].date)
    client.force_login(participant)

    response = client.get(reverse("program:week-pdf", kwargs={"slug": cohort.slug}) + "?week=1")

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    group = days[0].groups.first()
    assert response["Content-Type"] == "application/pdf"
    assert "Backprop by hand" in text and group.machine.name in text
    assert any(t.display_name in text for t in tas)


def test_today_shows_partner_machine_ta_sessions_readings_and_the_days_around(client, staffed, lab, time_machine):
    cohort, people, tas, days = staffed
    staffing.assign_tas(cohort, from_day=days[0].date)
    curriculum = Curriculum.objects.create(slug="c", name="C")
    days[1].curriculum_day = CurriculumDay.objects.create(
        curriculum=curriculum,
        key="w1d2",
        number=2,
        title="Backprop",
        readings=[{"title": "Calculus on graphs", "url": "https://colah.github.io/posts/2015-08-Backprop/"}],
    )
    days[1].save()
    schedule.add_session(days[1], title="Autograd", starts=time(9, 30), ends=time(10, 30), room=lab[0][0])
    time_machine.move_to(f"{days[1].date}T12:00:00Z")
    me = people[0]
    group = PairGroup.objects.select_related("machine__room").get(day=days[1], members=me)
    partner = group.members.exclude(pk=me.pk).first()
    on_duty = TAAssignment.objects.filter(day=days[1], room=group.machine.room).select_related("ta").first()
    yesterday_partner = PairGroup.objects.get(day=days[0], members=me).members.exclude(pk=me.pk).first()
    client.force_login(me)

    body = client.get(reverse("program:today")).content.decode()

    assert f"You pair with <strong>{partner.display_name}</strong>" in body
    assert group.machine.name in body and group.workspace in body and on_duty.ta.display_name in body
    assert "Autograd" in body and "Calculus on graphs" in body
    assert f"With {yesterday_partner.display_name}" in body and f"day {days[2].number}" in body


def test_ta_today_lists_the_pairs_in_their_room(client, staffed, time_machine):
    cohort, people, tas, days = staffed
    staffing.assign_tas(cohort, from_day=days[0].date)
    time_machine.move_to(f"{days[0].date}T12:00:00Z")
    duty = TAAssignment.objects.filter(day=days[0]).select_related("ta", "room").first()
    client.force_login(duty.ta)

    body = client.get(reverse("program:today")).content.decode()

    in_room = PairGroup.objects.filter(day=days[0], machine__room=duty.room)
    elsewhere = PairGroup.objects.filter(day=days[0]).exclude(machine__room=duty.room)
    assert f"You are on duty in <strong>{duty.room.name}</strong>" in body
    assert all(g.workspace in body for g in in_room) and not any(g.workspace in body for g in elsewhere)


@pytest.mark.parametrize("size", [8, 30])
def test_today_query_count_is_flat(client, cohort, lab, size, django_assert_max_num_queries, time_machine):
    people = _people(cohort, size)
    days = list(cohort.days.order_by("date"))
    pairs.generate(cohort, from_day=days[0].date)
    time_machine.move_to(f"{days[1].date}T12:00:00Z")
    client.force_login(people[0])

    with django_assert_max_num_queries(14):  # 13, and the help box's open entry
        assert client.get(reverse("program:today")).status_code == 200


def test_the_lecture_planner_never_plans_into_the_past_or_over_the_cohorts_sessions(cohort, lab):
    tas = _people(cohort, 1, role=Role.TA, prefix="t")
    curriculum = Curriculum.objects.create(slug="p", name="P")
    days = list(cohort.days.order_by("date"))[:4]
    for number, day in enumerate(days, start=1):
        day.curriculum_day = CurriculumDay.objects.create(
            curriculum=curriculum,
            key=f"d{number}",
            number=number,
            title=f"Day {number}",
            lectures=[f"Lecture {number}"],
        )
        day.save()
    for day in days:  # the afternoon is pair programming every day
        schedule.add_session(day, title="Pairing", starts=time(10, 45), ends=time(17, 0), kind="pairing")
    tz = zoneinfo.ZoneInfo(cohort.timezone)
    second_day_noon = datetime.combine(days[1].date, time(12), tzinfo=tz)

    plan, _meta, unplaced = schedule.plan_lectures(cohort, now=second_day_noon)

    assert {p.title for p in plan} == {"Lecture 3", "Lecture 4"}
    assert all(p.day.date > days[1].date and p.slot == "am" for p in plan)  # not today (its slot is past), never pm
    assert {(u.title, "passed" in u.reason) for u in unplaced} == {("Lecture 1", True), ("Lecture 2", True)}
    assert plan[0].speaker == tas[0]


def test_a_lecture_with_no_free_slot_is_listed_with_the_reason_and_the_rest_is_planned(cohort, lab):
    _people(cohort, 1, role=Role.TA, prefix="t")
    curriculum = Curriculum.objects.create(slug="q", name="Q")
    days = list(cohort.days.order_by("date"))[:2]
    for number, day in enumerate(days, start=1):
        day.curriculum_day = CurriculumDay.objects.create(
            curriculum=curriculum, key=f"d{number}", number=number, title=f"Day {number}",
            lectures=["A", "B", "C"] if number == 1 else ["D"],
        )  # fmt: skip
        day.save()
    before = datetime.combine(days[0].date - timedelta(days=1), time(12), tzinfo=UTC)

    plan, _meta, unplaced = schedule.plan_lectures(cohort, now=before)

    assert len(plan) + len(unplaced) == 4 and unplaced
    # The reason names the rules in words: lectures by title, the TA by name, days by number.
    assert all(u.reason.startswith("the plan cannot keep all of: ") for u in unplaced), [u.reason for u in unplaced]
    assert all("“" in u.reason and "lec0" not in u.reason for u in unplaced)
