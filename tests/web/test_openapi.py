"""The OpenAPI document: served at ``/schema`` (a page) and ``/schema/openapi.json``, it
lists the JSON API and describes its error answers."""

from __future__ import annotations

import re
from typing import Any

import pytest


@pytest.fixture
async def schema(podium_client: Any) -> dict[str, Any]:
    """The app's OpenAPI document."""
    response = await podium_client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/")
    return response.json()


def _operations(schema: dict[str, Any]):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


async def test_schema_page_is_served(podium_client: Any) -> None:
    """``/schema`` is a human-readable page."""
    response = await podium_client.get("/schema")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


async def test_schema_lists_the_json_api(schema: dict[str, Any]) -> None:
    """The document is OpenAPI 3.1, titled, and lists the v1 API; pages stay out of it."""
    assert schema["openapi"].startswith("3.1")
    assert schema["info"]["title"] == "Podium API"
    paths = set(schema["paths"])
    assert "/api/v1/auth/token" in paths
    assert "/api/v1/me" in paths
    assert len([p for p in paths if p.startswith("/api/v1/")]) >= 2
    assert "/login" not in paths and "/" not in paths and "/-/events" not in paths


async def test_api_operations_describe_json_errors(schema: dict[str, Any]) -> None:
    """Every /api/ operation documents 400 with the shared ``ErrorBody``; guarded ones 401
    and 403; ones with path parameters 404."""
    body = schema["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"code", "detail"}
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    checked = 0
    for path, method, operation in _operations(schema):
        if not path.startswith("/api/"):
            continue
        responses = operation["responses"]
        assert responses["400"]["content"]["application/json"]["schema"] == ref, (path, method)
        if "{" in path:
            assert "404" in responses, (path, method)
        checked += 1
    assert checked >= 2
    me = schema["paths"]["/api/v1/me"]["get"]["responses"]
    assert me["401"]["content"]["application/json"]["schema"] == ref
    assert "Bearer" in me["401"]["description"]
    assert "403" in me


async def test_documented_401_is_what_the_api_answers(podium_client: Any, schema: dict[str, Any]) -> None:
    """The documented error shape is the real one."""
    response = await podium_client.get("/api/v1/me")
    assert response.status_code == 401
    required = schema["components"]["schemas"]["ErrorBody"]["required"]
    assert set(required) <= set(response.json())


# -- the document tells the truth (issue 8, point 10) ------------------------------------


def _body_schema(schema: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    ref = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def _one(prop: dict[str, Any]) -> dict[str, Any]:
    """A property's schema with its non-``null`` alternative's keywords merged in (Litestar
    puts a nullable property's bounds beside its ``oneOf``)."""
    merged = dict(prop)
    for option in prop.get("oneOf", prop.get("anyOf", [])):
        if option.get("type") != "null":
            merged.update(option)
    return merged


async def test_schema_shows_ranges_enums_and_lengths(schema: dict[str, Any]) -> None:
    """Request bodies carry the limits the services enforce: places 1–10, station count
    1–256, non-empty names with maximum lengths, enums for fixed choices."""
    booking = _body_schema(schema, "/api/v1/events/{event_id}/bookings", "post")["properties"]
    assert (booking["places"]["minimum"], booking["places"]["maximum"]) == (1, 10)
    stations = _body_schema(schema, "/api/v1/tournaments/{tournament_id}/stations", "post")
    count = stations["properties"]["count"]
    assert (count["minimum"], count["maximum"]) == (1, 256)
    assert _one(stations["properties"]["label"])["maxLength"] == 40
    event = _body_schema(schema, "/api/v1/events", "post")["properties"]
    assert (event["title"]["minLength"], event["title"]["maxLength"]) == (1, 120)
    assert set(event["status"]["enum"]) == {"scheduled", "cancelled"}
    assert (event["spaces"]["minItems"], event["spaces"]["maxItems"]) == (1, 20)
    assert event["setup_minutes"]["maximum"] == 24 * 60
    tournament = _body_schema(schema, "/api/v1/tournaments", "post")["properties"]
    assert (tournament["name"]["minLength"], tournament["name"]["maxLength"]) == (1, 120)
    assert set(tournament["seeding"]["enum"]) == {"manual", "rating", "random"}
    assert _one(tournament["capacity"])["minimum"] == 2
    entrant = _body_schema(schema, "/api/v1/tournaments/{tournament_id}/entrants", "post")
    assert entrant["properties"]["name"]["minLength"] == 1
    ticket_type = _body_schema(schema, "/api/v1/events/{event_id}/ticket-types", "post")
    assert ticket_type["properties"]["name"]["minLength"] == 1
    assert ticket_type["properties"]["price_cents"]["minimum"] == 0


async def test_options_lists_every_method_of_a_path(podium_client: Any, podium_app: Any) -> None:
    """``OPTIONS`` on a path answers its ``Allow`` header with every method the path has
    (GET and POST on ``/api/v1/events``, not only the first handler's), without a log-in."""
    from litestar.routes import HTTPRoute

    checked = 0
    for route in podium_app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api/"):
            continue
        url = re.sub(r"\{[^}]+\}", "1", route.path_format)
        # Anonymous: OPTIONS carries no credentials (a CORS preflight) on guarded paths too.
        response = await podium_client.options(url)
        assert response.status_code < 300, (url, response.status_code)
        allowed = {m.strip() for m in response.headers.get("allow", "").split(",")}
        expected = set(route.methods) - {"HEAD"}
        assert expected <= allowed, (url, allowed, expected)
        checked += 1
    assert checked > 20


async def test_booleans_and_numbers_are_decoded_strictly(podium_client: Any) -> None:
    """``{"enabled": 0}`` is not a boolean and ``{"places": "2"}`` not a number: 400 with a
    reason, where lenient decoding used to accept both."""
    from podium.tests.core.test_venue_support import bearer_for, quick_user

    org = await bearer_for(await quick_user("olga", "organiser"))
    for url in ("/api/v1/tournaments/4242/auto-call", "/api/v1/tournaments/4242/plugins/esport"):
        refused = await podium_client.put(url, json={"enabled": 0}, headers=org)
        assert refused.status_code == 400, (url, refused.text)
        assert "bool" in refused.json()["detail"]
        # The same request with a real boolean reaches the handler (no such tournament).
        assert (await podium_client.put(url, json={"enabled": False}, headers=org)).status_code == 404
    places = await podium_client.post("/api/v1/events/4242/bookings", json={"places": "2"}, headers=org)
    assert places.status_code == 400 and "int" in places.json()["detail"]


async def test_plugin_switch_refuses_numbers() -> None:
    """The activation switch takes on/off/default (forms) or a boolean, not 0 or 1."""
    from podium.core.activation.service import parse_switch
    from podium.core.errors import InvalidInput

    assert parse_switch("off") is False and parse_switch(True) is True and parse_switch(None) is None
    for value in (0, 1, 0.0):
        with pytest.raises(InvalidInput):
            parse_switch(value)


async def test_ics_errors_are_not_html(podium_client: Any, schema: dict[str, Any]) -> None:
    """A calendar feed's error is JSON with the right status (a calendar client cannot show
    a page), and the document lists it; the feed itself is ``text/calendar`` once."""
    from podium.tests.core.test_venue_support import seed_venue

    ids = await seed_venue()
    for url, status in [("/venues/4242/calendar.ics", 404), ("/venues/0/calendar.ics", 400),
                        (f"/venues/{ids['venue']}/spaces/4242/calendar.ics", 404)]:
        response = await podium_client.get(url, headers={"accept": "text/html"})
        assert response.status_code == status, url
        assert response.headers["content-type"].startswith("application/json"), url
        assert response.json()["detail"]
    feed = await podium_client.get(f"/venues/{ids['venue']}/calendar.ics")
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    documented = schema["paths"]["/venues/{venue_id}/calendar.ics"]["get"]["responses"]
    assert {"200", "400", "404"} <= set(documented)
    assert "text/calendar" in documented["200"]["content"]


def test_schema_enums_match_the_services() -> None:
    """The enums the request schemas repeat are the services' own lists."""
    from typing import get_args

    from podium.core.venue import api as venue_api
    from podium.core.venue.events import STATUSES
    from podium.tournaments import catalogue
    from podium.tournaments import schemas as t
    from podium.tournaments.engine import MatchStatus

    assert set(get_args(venue_api.Status)) == set(STATUSES)
    assert set(get_args(t.TournamentStatus)) == set(catalogue.STATUSES)
    assert set(get_args(t.Seeding)) == set(catalogue.SEEDINGS)
    assert set(get_args(t.MatchStatusName)) == {s.value for s in MatchStatus}
