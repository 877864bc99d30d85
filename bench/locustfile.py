"""Locust users for `python -m bench load`, each with a session made beforehand (LOAD_SESSIONS: a JSON
file of role → cookies), sending what their browsers send:

- participants open Today; the page's help box then asks `/today/help/` every 3 s (htmx), and now and
  then the person reloads Today;
- TAs open the help queue; the page asks for its live part every 3 s (htmx, `HX-Request`), now and then
  a full reload;
- organizers read the review queue, a page every few seconds.

LOAD_PACE (seconds, default 3: the pages' own poll interval) is the time between one user's requests;
`python -m bench load` also runs it at 1 s, three times the product's pace, to find the ceiling.
"""

import json
import os
import random

from locust import FastHttpUser, between, task

SESSIONS = json.loads(open(os.environ["LOAD_SESSIONS"]).read())  # noqa: SIM115, PTH123
COHORT, CALL = os.environ["LOAD_COHORT"], os.environ["LOAD_CALL"]
PACE = float(os.environ.get("LOAD_PACE", "3"))


class Signed(FastHttpUser):
    """geventhttpclient rather than requests: the load generator shares the two cores with the server,
    and Locust's fast client costs it a fraction of the CPU per request."""

    abstract = True
    # On average one request per PACE seconds; the spread keeps users who started together from asking
    # in step (people open their pages at different moments, so their polls are out of phase).
    wait_time = between(PACE / 2, PACE * 3 / 2)
    role = ""

    def on_start(self):
        self.cookie = {"Cookie": f"sessionid={random.choice(SESSIONS[self.role])}"}

    def page(self, path: str, name: str, *, htmx: bool = False) -> None:
        """GET a page; anything but a 200 (a redirect to sign-in included) counts as an error."""
        headers = {**self.cookie, **({"HX-Request": "true"} if htmx else {})}
        with self.client.get(path, name=name, headers=headers, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")


class Organizer(Signed):
    role, weight = "organizer", 1

    @task
    def review_queue(self):
        self.page(f"/applications/calls/{CALL}/queue/", "review queue")


class Participant(Signed):
    role, weight = "participant", 3

    def on_start(self):
        super().on_start()
        self.today()

    @task(1)
    def today(self):
        self.page("/today/", "Today")

    @task(9)
    def help_box(self):
        self.page("/today/help/", "Today: help box (htmx)", htmx=True)


class TA(Signed):
    role, weight = "ta", 1

    def on_start(self):
        super().on_start()
        self.help_queue()

    @task(1)
    def help_queue(self):
        self.page(f"/cohorts/{COHORT}/queue/", "TA help queue")

    @task(9)
    def help_queue_live(self):
        self.page(f"/cohorts/{COHORT}/queue/", "TA help queue (htmx)", htmx=True)
