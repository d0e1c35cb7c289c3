"""A Monday morning, for Locust (run by ``python -m bench.load``; not on its own).

Four kinds of people, each through the real endpoints and pages, with the credentials the
runner issued (``LOAD_CREDENTIALS``, a JSON file):

- institution staff (API token): list their bookings, read one, request a new one, and now
  and then cancel one they requested;
- mediators (API token): read their pending offers and accept (2 in 3) or decline one, read
  their assignments and fetch their calendar feed;
- coordinators (a signed-in, second-factor-verified session): open the work list, the
  candidates of an open request (API), the statistics (API and page);
- calendar clients: poll a feed every few seconds with ``If-None-Match``;
- and, in the same run, the trivial endpoint (``/healthz/``, a plain "ok"): the yardstick
  for the ``p95_ratio``.

Every request is named by its class (``accept``, ``feed_poll``, ...). An answer outside the
class's expected statuses is an error (a 409 for an offer someone else took is expected: it
is counted as ``conflicts``). Each request's client time, its ``Server-Timing`` (the time
inside Django), its status and the time it ended are written to ``LOAD_SAMPLES`` when the run
stops; the runner turns them into the report (bench/load/report.py).
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import random
import re
import time
from zoneinfo import ZoneInfo

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

from bench.load import CALENDAR_PAUSE, PERSON_PAUSE, pause_scale, scaled

CREDENTIALS = json.loads(open(os.environ["LOAD_CREDENTIALS"]).read())  # noqa: SIM115, PTH123
SAMPLES: list[list] = []
EXPECTED = {
    "accept": {200, 409},
    "decline": {200, 409},
    "cancel": {200, 409},
    "feed_poll": {200, 304},
    "create": {201},
}
SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")
_next = {role: itertools.count() for role in CREDENTIALS}
# Think time between two requests of one person: 0.5-2 s (1.25 s on average), a calendar
# client's 2-6 s; both times LOAD_PAUSE (bench/load/__init__.py, default 1).
PAUSE = pause_scale()
THINK = between(*scaled(PERSON_PAUSE, PAUSE))
BERLIN = ZoneInfo("Europe/Berlin")


def _today() -> datetime.date:
    return datetime.datetime.now(tz=BERLIN).date()


def _take(role: str) -> dict:
    people = CREDENTIALS[role]
    return people[next(_next[role]) % len(people)]


@events.request.add_listener
def _record(request_type, name, response_time, response, exception, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    timing = SERVER_TIMING.search((response.headers or {}).get("Server-Timing", "") or "")
    server = float(timing.group(1)) if timing else None
    # The request's end (Unix seconds): var/loadtest/samples.json can be read by time.
    ended = round(time.time(), 3)
    SAMPLES.append([name, round(response_time, 2), server, status, exception is not None, ended])


@events.test_stop.add_listener
def _write(environment, **kwargs):
    with open(os.environ["LOAD_SAMPLES"], "w") as out:  # noqa: PTH123
        json.dump(SAMPLES, out)


class Person(FastHttpUser):
    abstract = True
    wait_time = THINK
    headers: dict[str, str] = {}

    def call(self, method: str, path: str, name: str, **kwargs):
        """One request named ``name``; failed when its status is not expected."""
        expected = EXPECTED.get(name, {200})
        headers = {**self.headers, **kwargs.pop("headers", {})}
        with self.client.request(
            method, path, name=name, headers=headers, catch_response=True, **kwargs
        ) as response:
            if response.status_code in expected:
                response.success()
            else:
                response.failure(f"{name}: {response.status_code}")
            return response


class Staff(Person):
    weight = 30

    def on_start(self):
        me = _take("staff")
        self.headers = {"Authorization": f"Token {me['token']}"}
        self.me = me
        self.mine: list[int] = []
        self.rng = random.Random()  # noqa: S311  # nosec B311

    @task(5)
    def list_bookings(self):
        response = self.call("GET", "/api/v1/bookings/?status=offered", "bookings_list")
        if response.status_code == 200:
            ids = [b["id"] for b in response.json().get("results", [])]
            self.seen = ids

    @task(4)
    def read_booking(self):
        ids = getattr(self, "seen", None) or self.mine
        if ids:
            self.call("GET", f"/api/v1/bookings/{self.rng.choice(ids)}/", "booking_read")

    @task(2)
    def create_booking(self):
        day = _today() + datetime.timedelta(days=self.rng.randint(3, 30))
        while day.weekday() >= 5:
            day += datetime.timedelta(days=1)
        hour = self.rng.choice([9, 10, 11, 13, 14, 15])
        response = self.call(
            "POST",
            "/api/v1/bookings/",
            "create",
            json={
                "language": self.rng.choice(self.me["languages"]),
                "starts_at": f"{day.isoformat()}T{hour:02d}:00:00+01:00",
                "duration_minutes": 60,
                "mode": "on_site",
                "location": self.me["location"],
                "field": "school",
            },
        )
        if response.status_code == 201:
            self.mine.append(response.json()["id"])

    @task(1)
    def cancel_booking(self):
        if len(self.mine) > 2:
            booking = self.mine.pop(0)
            self.call(
                "POST",
                f"/api/v1/bookings/{booking}/cancel/",
                "cancel",
                json={"reason": "Termin entfällt"},
            )


class Mediator(Person):
    weight = 35

    def on_start(self):
        me = _take("mediators")
        self.headers = {"Authorization": f"Token {me['token']}"}
        self.feed = me["feed"]
        self.rng = random.Random()  # noqa: S311  # nosec B311

    @task(4)
    def offers(self):
        response = self.call("GET", "/api/v1/offers/?status=pending", "offers_list")
        if response.status_code != 200:
            return
        pending = response.json().get("results", [])
        if pending:
            offer = self.rng.choice(pending)
            verb = "accept" if self.rng.random() < 2 / 3 else "decline"
            self.call("POST", f"/api/v1/offers/{offer['id']}/{verb}/", verb, json={})

    @task(3)
    def assignments(self):
        self.call("GET", "/api/v1/bookings/?status=confirmed", "assignments")

    @task(1)
    def feed(self):
        self.call("GET", self.feed, "feed")


class Coordinator(Person):
    weight = 10

    def on_start(self):
        me = _take("coordinators")
        self.headers = {"Cookie": f"sessionid={me['session']}"}
        self.open = me["open"]
        self.rng = random.Random()  # noqa: S311  # nosec B311

    @task(3)
    def worklist(self):
        self.call("GET", "/coordinator/work/", "worklist")

    @task(3)
    def candidates(self):
        booking = self.rng.choice(self.open)
        self.call("GET", f"/api/v1/bookings/{booking}/candidates/", "candidates")

    @task(1)
    def statistics(self):
        today = _today()
        start = today.replace(day=1) - datetime.timedelta(days=365)
        self.call("GET", f"/api/v1/stats/summary/?from={start}&to={today}", "stats")


class CalendarClient(Person):
    weight = 15
    wait_time = between(*scaled(CALENDAR_PAUSE, PAUSE))

    def on_start(self):
        self.path = _take("feeds")
        self.etag = None

    @task
    def poll(self):
        headers = {"If-None-Match": self.etag} if self.etag else {}
        response = self.call("GET", self.path, "feed_poll", headers=headers)
        if response.status_code == 200:
            self.etag = response.headers.get("ETag")


class Trivial(Person):
    weight = 5

    @task
    def ok(self):
        self.call("GET", "/healthz/", "trivial")
