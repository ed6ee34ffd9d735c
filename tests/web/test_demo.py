"""``podium demo``: the seeded velodrome, its users and idempotence with ``--if-empty``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date

import click
import pytest

from podium.core.accounts.service import authenticate, get_user_by_name
from podium.core.venue import rules, service
from podium.core.venue.tables import Event, Series, Space, Venue
from podium.web.demo import DEMO_PASSWORD, seed_demo


@pytest.mark.hooks("podium_seed_demo")
async def test_seed_demo_builds_a_week_at_the_velodrome(podium_db):
    steps = []
    result = await seed_demo(admin_password="admin-pass-123", today=date(2026, 11, 23), advance=steps.append)
    assert result.created and not result.admin_password_generated
    assert len(steps) == 10
    # The domains added their part through podium_seed_demo, and said so.
    assert {"tournament", "team_tournament", "ticket_types", "ticketed_event", "athletes",
            "athlete_waiting", "hub_public_post", "hub_followers_video", "hub_silver_post",
            "hub_venue_post", "hub_prize_jersey", "hub_prize_lanyard", "meet"} <= set(result.made)
    assert any(f"/tournaments/{result.made['tournament']}" in note for note in result.notes)
    venue = await service.get_venue(result.venue_id)
    assert "Saint-Quentin" in venue["name"] and venue["timezone"] == "Europe/Paris"
    assert [s["name"] for s in venue["spaces"]] == ["Track", "Infield", "E-sport arena", "Gaming lounge"]
    kinds = {r["kind"] for r in await Event.select(Event.kind)}
    assert {"public_session", "track_meet", "training", "private_hire"} <= kinds
    assert await Series.count() == 2
    # A week of events from today (every day has something; one-offs all within the
    # week, but the track meet, ridden over the two days before: its results are in), and
    # everyday sessions that go on for four weeks.
    rows = await Event.select(Event.starts_at, Event.ends_at, Event.series, Event.kind
                              ).order_by(Event.starts_at)
    days = {rules.wall_time(r["starts_at"], "Europe/Paris").date() for r in rows}
    assert min(days) == date(2026, 11, 21)
    assert {date(2026, 11, d) for d in range(23, 30)} <= days
    [meet] = [r for r in rows if r["kind"] == "track_meet"]
    assert [rules.wall_time(meet[k], "Europe/Paris").date() for k in ("starts_at", "ends_at")] \
        == [date(2026, 11, 21), date(2026, 11, 22)]
    one_offs = {rules.wall_time(r["starts_at"], "Europe/Paris").date() for r in rows
                if not r["series"] and r["kind"] != "track_meet"}
    assert one_offs == {date(2026, 11, d) for d in (23, 24, 26, 28)}
    drop_in = await Event.select().where(Event.title == "Drop-in gaming")
    assert len(drop_in) == 28 and all(e["capacity"] == 16 for e in drop_in)
    # Users of each role; the admin's password is the one given.
    roles = {name: (await get_user_by_name(name)).roles for name in result.users}
    assert roles["admin"] == {"admin"} and roles["organiser"] == {"organiser"}
    assert roles["gate"] == {"staff"} and roles["player8"] == {"player", "fan"} and roles["fan5"] == {"fan"}
    assert await authenticate("admin", "admin-pass-123") is not None
    assert await authenticate("fan3", DEMO_PASSWORD) is not None
    # Idempotent with if_empty, refused without.
    again = await seed_demo(if_empty=True)
    assert not again.created and await Venue.count() == 1 and await Space.count() == 4
    with pytest.raises(click.ClickException):
        await seed_demo()


async def test_seed_demo_generates_an_admin_password(podium_db):
    result = await seed_demo()
    assert result.admin_password_generated and len(result.admin_password) >= 12
    assert await authenticate("admin", result.admin_password) is not None


def _podium(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "from podium.web.cli import cli_entry; cli_entry()"
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True, timeout=120)


async def test_demo_command_prints_the_admin_password_and_is_idempotent(podium_db):
    env = {k: v for k, v in os.environ.items() if k != "PODIUM_ADMIN_PASSWORD"}
    env["COLUMNS"] = "200"
    first = _podium("demo", "--if-empty", env=env)
    assert first.returncode == 0, first.stderr
    match = re.search(r"admin password \(generated, shown once\): (\S+)", first.stdout)
    assert match, first.stdout
    assert "Demo users (password podium-demo)" in first.stdout
    assert await authenticate("admin", match.group(1)) is not None
    second = _podium("demo", "--if-empty", env=env)
    assert second.returncode == 0 and "already exists" in second.stdout
    assert await Venue.count() == 1
    third = _podium("demo", env=env)
    assert third.returncode != 0 and "already has a venue" in (third.stdout + third.stderr)


FIELD_SIZE = re.compile(r"\b(\d+) (players|teams)\b")


def _field_size(text: str) -> tuple[int, str]:
    """The one field size a text states ("16 players", "Up to 12 teams")."""
    [(number, unit)] = FIELD_SIZE.findall(text)
    return int(number), unit


@pytest.mark.hooks("podium_seed_demo")
async def test_demo_events_agree_with_what_they_hold(podium_db):
    """Seeded today (as ``make run`` does): each demo tournament on an arena event of its
    own whose time holds it (the running one started inside it; the Swiss's check-in and
    first round inside it) and whose text states the tournament's field; the final sells
    through its types' quotas only (no event capacity to contradict them)."""
    from podium.ticketing import types
    from podium.tournaments import catalogue

    result = await seed_demo(admin_password="admin-pass-123")
    running = await catalogue.get_tournament(result.made["tournament"])
    swiss = await catalogue.get_tournament(result.made["team_tournament"])
    assert running["event_id"] and swiss["event_id"] and running["event_id"] != swiss["event_id"]
    events = {t["id"]: await service.get_event(t["event_id"]) for t in (running, swiss)}
    for t, event in ((running, events[running["id"]]), (swiss, events[swiss["id"]])):
        assert [s["slug"] for s in event["spaces"]] == ["arena"] and event["kind"] == "esport_tournament"
        assert event["title"] == t["name"]
        # The field the event announces is the tournament's, in the same unit.
        size, unit = _field_size(event["description"])
        assert _field_size(t["description"]) == (size, unit)
        assert unit == ("players" if t["team_size"] == 1 else "teams")
        if t["status"] == "running":
            assert size == t["entrant_counts"]["registered"] == t["capacity"]
            # A tournament never starts before its event (nor after it).
            assert event["starts_at"] <= t["started_at"] <= event["ends_at"]
        else:
            assert size == t["capacity"]
            assert event["starts_at"] <= t["checkin_opens"] < t["checkin_closes"] < event["ends_at"]
    assert rules.wall_time(events[swiss["id"]]["starts_at"], "Europe/Paris").hour == 18
    assert rules.wall_time(events[swiss["id"]]["ends_at"], "Europe/Paris").hour == 23
    # The final: no event capacity; each type has a quota of its own, 400 places in all,
    # within the arena.
    final = await service.get_event(result.made["ticketed_event"])
    assert final["id"] == running["event_id"] and final["capacity"] is None
    quotas = await types.list_quotas(final["id"])
    assert not any(q["whole_event"] for q in quotas)
    assert {q["name"]: q["size"] for q in quotas} == {
        "Standing": 200, "Grandstand": 180, "VIP lounge": 20}
    assert all(len(q["ticket_type_ids"]) == 1 for q in quotas)
    arena = await Space.select(Space.capacity).where(Space.slug == "arena").first()
    assert sum(q["size"] for q in quotas) <= arena["capacity"]
