"""Locust users for `python -m bench load`: organizers on the review queue, participants on Today, TAs on
the help queue, each with a session made beforehand (LOAD_SESSIONS: a JSON file of role → cookies)."""

import json
import os
import random

from locust import HttpUser, between, task

SESSIONS = json.loads(open(os.environ["LOAD_SESSIONS"]).read())  # noqa: SIM115, PTH123
COHORT, CALL = os.environ["LOAD_COHORT"], os.environ["LOAD_CALL"]


class Signed(HttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)
    role = ""

    def on_start(self):
        self.client.cookies.set("sessionid", random.choice(SESSIONS[self.role]))


class Organizer(Signed):
    role, weight = "organizer", 1

    @task
    def review_queue(self):
        self.client.get(f"/applications/calls/{CALL}/queue/", name="review queue")


class Participant(Signed):
    role, weight = "participant", 3

    @task
    def today(self):
        self.client.get("/today/", name="Today")


class TA(Signed):
    role, weight = "ta", 1

    @task
    def help_queue(self):
        self.client.get(f"/cohorts/{COHORT}/queue/", name="TA help queue")
