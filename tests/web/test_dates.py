"""Every date, week and time parameter of the app, at the edges of what datetimes hold:
always an answer below 500, a 4xx with a reason when out of range (issue 8, point 7).

``GET /calendar?week=0001-W01`` was a 500 (``OverflowError`` localizing the week), and so
was an API instant such as ``0001-01-01T00:00:00+01:00`` (converted to UTC before its range
was checked).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from podium.core.testing import PodiumClient
from podium.tests.core.test_venue_support import bearer_for, event_body, quick_user, seed_venue

# Instants at and beyond the edges of Python's datetimes and of Podium's 1970–2200 range.
EDGE_INSTANTS = [
    "0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00-01:00", "0001-01-01T00:00:00Z",
    "1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "9999-12-31T23:59:59-23:00",
    "9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59Z",
]
# Naive wall times, as HTML forms send them (localized in the venue's zone).
EDGE_WALL_TIMES = ["0001-01-01T00:00", "0001-01-01T00:30", "9999-12-31T23:59", "1969-12-31T23:00"]


@pytest.fixture
async def dated(podium_client: PodiumClient) -> tuple[PodiumClient, dict[str, int], dict[str, str]]:
    """A client on the full app, a seeded venue and an organiser's bearer header."""
    ids = await seed_venue()
    org = await bearer_for(await quick_user("olga", "organiser"))
    await podium_client.login("olga", "correct-horse-42")
    return podium_client, ids, org


def _reasoned_4xx(response: Any) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    if response.headers.get("content-type", "").startswith("application/json"):
        assert response.json()["detail"]


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(year=st.integers(1, 9999), week=st.integers(0, 54))
@example(year=1, week=1)
@example(year=9999, week=52)
@example(year=2025, week=53)
@example(year=1969, week=52)
@example(year=2199, week=52)
async def test_calendar_any_iso_week(dated: Any, year: int, week: int) -> None:
    """``/calendar?week=`` over the whole ISO-week range: a page, or a 422 with a reason."""
    client, _ids, _org = dated
    response = await client.get(f"/calendar?week={year:04d}-W{week:02d}")
    if response.status_code != 200:
        assert response.status_code == 422, (year, week, response.status_code)
        assert "week" in response.text


@pytest.mark.parametrize("value", EDGE_INSTANTS)
async def test_api_event_filters_out_of_range(dated: Any, value: str) -> None:
    """``GET /api/v1/events?from=&to=``: out-of-range instants are a 422 naming the bound."""
    client, _ids, _org = dated
    for name in ("from", "to"):
        response = await client.get(f"/api/v1/events?{name}={quote(value)}")
        if response.status_code != 200:
            _reasoned_4xx(response)
            assert "between 1970 and 2200" in response.json()["detail"]


@pytest.mark.parametrize("value", EDGE_INSTANTS)
async def test_api_event_and_series_bodies_out_of_range(dated: Any, value: str) -> None:
    """Event and series bodies (create and change) refuse out-of-range instants with a 4xx."""
    client, ids, org = dated
    good = (await client.post("/api/v1/events", json=event_body([ids["track"]]), headers=org)).json()
    for body in (event_body([ids["track"]], start=10) | {"start": value},
                 event_body([ids["track"]]) | {"end": value}):
        _reasoned_4xx(await client.post("/api/v1/events", json=body, headers=org))
    _reasoned_4xx(await client.patch(f"/api/v1/events/{good['id']}", json={"start": value},
                                     headers=org))
    series = {"title": "Club night", "kind": "training", "rule": "FREQ=WEEKLY;COUNT=3",
              "first_start": value, "duration_minutes": 60, "spaces": [ids["infield"]]}
    _reasoned_4xx(await client.post("/api/v1/series", json=series, headers=org))
    tournament = {"name": "Edge cup", "game": "chess", "format": "single_elimination",
                  "registration_opens": value}
    response = await client.post("/api/v1/tournaments", json=tournament, headers=org)
    assert response.status_code < 500, response.text


@pytest.mark.parametrize("until", ["00010101", "00010101T000000Z", "99991231T235959",
                                   "99991231T235959Z", "99991231"])
async def test_series_until_at_the_edges(dated: Any, until: str) -> None:
    """A repeat rule's ``UNTIL`` at the edges of the calendar is refused with a reason."""
    client, ids, org = dated
    series = {"title": "Club night", "kind": "training", "rule": f"FREQ=WEEKLY;UNTIL={until}",
              "first_start": "2030-01-07T18:00:00+01:00", "duration_minutes": 60,
              "spaces": [ids["infield"]]}
    _reasoned_4xx(await client.post("/api/v1/series", json=series, headers=org))


@pytest.mark.parametrize("wall", EDGE_WALL_TIMES)
async def test_form_wall_times_out_of_range(dated: Any, wall: str) -> None:
    """Organiser forms (venue events, ticket types, ticket settings) answer 4xx, not 500,
    to a wall time the venue's zone cannot place."""
    client, ids, org = dated
    event = (await client.post("/api/v1/events", json=event_body([ids["track"]]), headers=org)).json()
    form = {"title": "Edge", "kind": "training", "starts_at": wall, "ends_at": "2030-01-01T10:00",
            "spaces": str(ids["track"])}
    for url, data in [
        ("/events/new", form),
        ("/events/new", form | {"starts_at": "2030-01-01T09:00", "ends_at": wall}),
        (f"/events/{event['id']}/edit", form),
        (f"/events/{event['id']}/tickets/manage/types",
         {"name": "Adult", "price": "10", "sale_starts_at": wall}),
        (f"/events/{event['id']}/tickets/manage/settings", {"transfer_deadline": wall}),
    ]:
        response = await client.form_post(url, data)
        assert response.status_code < 500, (url, data, response.status_code)
