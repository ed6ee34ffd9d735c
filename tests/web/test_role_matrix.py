"""The whole role matrix: every role-guarded route refuses anonymous callers (401) and
callers without the role (403), on the JSON API and on the pages alike.

The matrix is read from the guards themselves (``requires_role`` records its roles), so a
new route is covered the moment it is guarded, and a write route left unguarded fails
``test_every_write_is_guarded``.
"""

from __future__ import annotations

import re

import pytest

from podium.core.accounts.service import ROLES
from podium.core.testing import DEFAULT_PASSWORD, set_plugin_enabled

# Writes that are deliberately open to anonymous callers, each with the reason.
OPEN_WRITES = {
    ("POST", "/login"): "signing in",
    ("POST", "/signup"): "creating an account",
    ("POST", "/logout"): "ending a session is harmless without one",
    ("POST", "/api/v1/auth/token"): "exchanging credentials for a token",
}
SIGNED_IN: frozenset[str] = frozenset()  # any signed-in user, whatever the role
ORGANISER = frozenset({"organiser"})
ADMIN = frozenset({"admin"})
STAFF = frozenset({"staff"})
BOX_OFFICE = frozenset({"staff", "organiser"})

# The role matrix, written out: who may call each guarded route. A route added without an
# entry here, or a guard weakened or strengthened, fails test_guards_match_the_matrix.
EXPECTED_ROLES: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/api/v1/me"): SIGNED_IN,
    # accounts: a user's own API tokens and password
    ("GET", "/api/v1/auth/tokens"): SIGNED_IN,
    ("DELETE", "/api/v1/auth/tokens/{token_id:int}"): SIGNED_IN,
    ("POST", "/api/v1/auth/password"): SIGNED_IN,
    ("GET", "/me/tokens"): SIGNED_IN,
    ("POST", "/me/tokens/{token_id:int}/revoke"): SIGNED_IN,
    ("GET", "/me/password"): SIGNED_IN,
    ("POST", "/me/password"): SIGNED_IN,
    ("GET", "/admin/plugins"): ADMIN,
    ("POST", "/admin/plugins/{name:str}"): ADMIN,
    # venue: organisers run the calendar, any signed-in person books
    ("POST", "/api/v1/events"): ORGANISER,
    ("PATCH", "/api/v1/events/{event_id:int}"): ORGANISER,
    ("DELETE", "/api/v1/events/{event_id:int}"): ORGANISER,
    ("POST", "/api/v1/series"): ORGANISER,
    ("GET", "/events/new"): ORGANISER,
    ("POST", "/events/new"): ORGANISER,
    ("GET", "/events/{event_id:int}/edit"): ORGANISER,
    ("POST", "/events/{event_id:int}/edit"): ORGANISER,
    ("POST", "/events/{event_id:int}/cancel"): ORGANISER,
    ("POST", "/api/v1/events/{event_id:int}/bookings"): SIGNED_IN,
    ("DELETE", "/api/v1/bookings/{booking_id:int}"): SIGNED_IN,
    ("GET", "/api/v1/me/bookings"): SIGNED_IN,
    ("POST", "/events/{event_id:int}/book"): SIGNED_IN,
    ("POST", "/bookings/{booking_id:int}/cancel"): SIGNED_IN,
    ("GET", "/me/bookings"): SIGNED_IN,
    # tournaments: organisers create, seed, start and decide; players register and report
    ("POST", "/api/v1/tournaments"): ORGANISER,
    ("POST", "/api/v1/tournaments/{tournament_id:int}/entrants"): ORGANISER,
    ("PUT", "/api/v1/tournaments/{tournament_id:int}/seeding"): ORGANISER,
    ("POST", "/api/v1/tournaments/{tournament_id:int}/start"): ORGANISER,
    ("POST", "/api/v1/tournaments/{tournament_id:int}/rounds"): ORGANISER,
    ("POST", "/api/v1/matches/{match_id:int}/result"): ORGANISER,
    ("POST", "/api/v1/tournaments/{tournament_id:int}/registrations"): SIGNED_IN,
    ("DELETE", "/api/v1/tournaments/{tournament_id:int}/registrations"): SIGNED_IN,
    ("POST", "/api/v1/tournaments/{tournament_id:int}/check-in"): SIGNED_IN,
    ("POST", "/api/v1/matches/{match_id:int}/report"): SIGNED_IN,
    ("POST", "/api/v1/matches/{match_id:int}/confirm"): SIGNED_IN,
    ("POST", "/api/v1/matches/{match_id:int}/dispute"): SIGNED_IN,
    ("POST", "/tournaments/{tournament_id:int}/start"): ORGANISER,
    ("POST", "/matches/{match_id:int}/result"): ORGANISER,
    ("POST", "/tournaments/{tournament_id:int}/register"): SIGNED_IN,
    ("POST", "/tournaments/{tournament_id:int}/withdraw"): SIGNED_IN,
    ("POST", "/tournaments/{tournament_id:int}/check-in"): SIGNED_IN,
    ("POST", "/matches/{match_id:int}/report"): SIGNED_IN,
    ("POST", "/matches/{match_id:int}/confirm"): SIGNED_IN,
    ("POST", "/matches/{match_id:int}/dispute"): SIGNED_IN,
    ("GET", "/me/matches"): SIGNED_IN,
    # tournaments: the organiser's console, stations, stream queue, disqualification
    ("GET", "/tournaments/{tournament_id:int}/console"): ORGANISER,
    ("GET", "/tournaments/{tournament_id:int}/console/body"): ORGANISER,
    **{("POST", f"/tournaments/{{tournament_id:int}}/console/{action}"): ORGANISER
       for action in ("check-in", "seed", "start", "auto-call", "stations", "stations/remove",
                      "call", "stream", "result", "disqualify", "plugins", "reopen", "reset",
                      "reports/accept", "next-round", "entrants", "entrants/paste")},
    # tournaments: the organiser's form (create, edit, delete or archive) and the API's
    ("GET", "/tournaments/new"): ORGANISER,
    ("POST", "/tournaments/new"): ORGANISER,
    ("GET", "/tournaments/form-options"): ORGANISER,
    ("GET", "/tournaments/{tournament_id:int}/edit"): ORGANISER,
    ("POST", "/tournaments/{tournament_id:int}/edit"): ORGANISER,
    ("POST", "/tournaments/{tournament_id:int}/delete"): ORGANISER,
    ("PATCH", "/api/v1/tournaments/{tournament_id:int}"): ORGANISER,
    ("DELETE", "/api/v1/tournaments/{tournament_id:int}"): ORGANISER,
    ("POST", "/api/v1/tournaments/{tournament_id:int}/reset"): ORGANISER,
    ("POST", "/api/v1/matches/{match_id:int}/reports/{report_id:int}/accept"): ORGANISER,
    ("POST", "/api/v1/matches/{match_id:int}/reopen"): ORGANISER,
    ("PUT", "/api/v1/tournaments/{tournament_id:int}/plugins/{name:str}"): ORGANISER,
    ("POST", "/api/v1/tournaments/{tournament_id:int}/stations"): ORGANISER,
    ("PATCH", "/api/v1/stations/{station_id:int}"): ORGANISER,
    ("DELETE", "/api/v1/stations/{station_id:int}"): ORGANISER,
    ("PUT", "/api/v1/tournaments/{tournament_id:int}/auto-call"): ORGANISER,
    ("POST", "/api/v1/matches/{match_id:int}/call"): ORGANISER,
    ("POST", "/api/v1/matches/{match_id:int}/uncall"): ORGANISER,
    ("POST", "/api/v1/tournaments/{tournament_id:int}/stream-queue"): ORGANISER,
    ("PUT", "/api/v1/tournaments/{tournament_id:int}/stream-queue"): ORGANISER,
    ("DELETE", "/api/v1/tournaments/{tournament_id:int}/stream-queue/{match_id:int}"): ORGANISER,
    ("POST", "/api/v1/tournaments/{tournament_id:int}/entrants/{entrant_id:int}/disqualify"):
        ORGANISER,
    # team rosters: captains invite and manage, invitees answer, players leave
    ("GET", "/api/v1/tournaments/{tournament_id:int}/entrants/{entrant_id:int}/members"):
        SIGNED_IN,
    ("POST", "/api/v1/tournaments/{tournament_id:int}/entrants/{entrant_id:int}/members"):
        SIGNED_IN,
    ("DELETE",
     "/api/v1/tournaments/{tournament_id:int}/entrants/{entrant_id:int}/members/{user_id:int}"):
        SIGNED_IN,
    ("POST", "/api/v1/tournaments/{tournament_id:int}/entrants/{entrant_id:int}/captain"):
        SIGNED_IN,
    ("GET", "/api/v1/me/invitations"): SIGNED_IN,
    ("POST", "/api/v1/invitations/{invitation_id:int}/accept"): SIGNED_IN,
    ("POST", "/api/v1/invitations/{invitation_id:int}/decline"): SIGNED_IN,
    ("POST", "/tournaments/{tournament_id:int}/entrants/{entrant_id:int}/members"): SIGNED_IN,
    **{("POST", f"/tournaments/{{tournament_id:int}}/entrants/{{entrant_id:int}}/members/"
                f"{{user_id:int}}/{action}"): SIGNED_IN for action in ("remove", "captain")},
    ("POST", "/invitations/{invitation_id:int}/accept"): SIGNED_IN,
    ("POST", "/invitations/{invitation_id:int}/decline"): SIGNED_IN,
    # box office: organisers set up sales, staff take the money, buyers order and wait
    ("POST", "/api/v1/events/{event_id:int}/ticket-types"): ORGANISER,
    ("PATCH", "/api/v1/ticket-types/{type_id:int}"): ORGANISER,
    ("DELETE", "/api/v1/ticket-types/{type_id:int}"): ORGANISER,
    ("GET", "/api/v1/events/{event_id:int}/quotas"): ORGANISER,
    ("POST", "/api/v1/events/{event_id:int}/quotas"): ORGANISER,
    ("PATCH", "/api/v1/quotas/{quota_id:int}"): ORGANISER,
    ("PUT", "/api/v1/events/{event_id:int}/ticket-settings"): ORGANISER,
    ("GET", "/api/v1/events/{event_id:int}/sales"): ORGANISER,
    ("POST", "/api/v1/orders/{order_id:int}/refund"): ORGANISER,
    ("GET", "/api/v1/orders"): BOX_OFFICE,
    ("POST", "/api/v1/orders/{order_id:int}/mark-paid"): BOX_OFFICE,
    ("POST", "/api/v1/orders"): SIGNED_IN,
    ("GET", "/api/v1/orders/{order_id:int}"): SIGNED_IN,
    ("GET", "/api/v1/me/orders"): SIGNED_IN,
    ("POST", "/api/v1/orders/{order_id:int}/pay"): SIGNED_IN,
    ("POST", "/api/v1/orders/{order_id:int}/cancel"): SIGNED_IN,
    ("POST", "/api/v1/ticket-types/{type_id:int}/waiting-list"): SIGNED_IN,
    ("DELETE", "/api/v1/ticket-types/{type_id:int}/waiting-list"): SIGNED_IN,
    ("GET", "/api/v1/me/waiting-list"): SIGNED_IN,
    ("GET", "/events/{event_id:int}/tickets/manage"): ORGANISER,
    ("POST", "/events/{event_id:int}/tickets/manage/types"): ORGANISER,
    ("POST", "/events/{event_id:int}/tickets/manage/quotas"): ORGANISER,
    ("POST", "/events/{event_id:int}/tickets/manage/settings"): ORGANISER,
    ("POST", "/ticket-types/{type_id:int}/edit"): ORGANISER,
    ("POST", "/ticket-types/{type_id:int}/delete"): ORGANISER,
    ("POST", "/quotas/{quota_id:int}/edit"): ORGANISER,
    ("GET", "/events/{event_id:int}/sales"): ORGANISER,
    ("GET", "/events/{event_id:int}/sales/body"): ORGANISER,
    ("POST", "/orders/{order_id:int}/refund"): ORGANISER,
    ("GET", "/box-office"): BOX_OFFICE,
    ("POST", "/orders/{order_id:int}/mark-paid"): BOX_OFFICE,
    ("POST", "/events/{event_id:int}/shop"): SIGNED_IN,
    ("POST", "/ticket-types/{type_id:int}/waiting-list"): SIGNED_IN,
    ("POST", "/ticket-types/{type_id:int}/waiting-list/leave"): SIGNED_IN,
    ("GET", "/orders/{order_id:int}"): SIGNED_IN,
    ("POST", "/orders/{order_id:int}/pay"): SIGNED_IN,
    ("POST", "/orders/{order_id:int}/cancel"): SIGNED_IN,
    ("GET", "/me/orders"): SIGNED_IN,
    # ticket holders: their tickets, transfers and resale; staff confirm resale payments
    **{(m, p): SIGNED_IN for m, p in (
        ("GET", "/api/v1/me/tickets"), ("GET", "/api/v1/tickets/{code:str}"),
        ("POST", "/api/v1/tickets/{code:str}/transfer"), ("POST", "/api/v1/tickets/{code:str}/reissue"),
        ("POST", "/api/v1/tickets/{code:str}/resale"), ("DELETE", "/api/v1/resale/{listing_id:int}"),
        ("POST", "/api/v1/resale/{listing_id:int}/buy"), ("GET", "/me/tickets"),
        ("GET", "/tickets/{code:str}"), ("GET", "/tickets/{code:str}/print"),
        ("GET", "/tickets/{code:str}/qr.png"), ("GET", "/tickets/{code:str}/qr.svg"),
        ("POST", "/tickets/{code:str}/transfer"), ("POST", "/tickets/{code:str}/reissue"),
        ("POST", "/tickets/{code:str}/resale"), ("POST", "/resale/{listing_id:int}/buy"),
        ("POST", "/resale/{listing_id:int}/withdraw"),
    )},
    ("POST", "/api/v1/resale/{listing_id:int}/mark-paid"): frozenset({"staff"}),
    # ticketing, gate check-in: gate staff scan (the API and the scanner page)
    ("POST", "/api/v1/checkin"): STAFF,
    ("POST", "/api/v1/checkin/batch"): STAFF,
    ("GET", "/api/v1/events/{event_id:int}/gate-kit"): STAFF,
    ("GET", "/api/v1/events/{event_id:int}/gate-conflicts"): STAFF,
    ("GET", "/api/v1/events/{event_id:int}/gate-counts"): STAFF,
    ("GET", "/gate"): STAFF,
    ("POST", "/gate/checkin"): STAFF,
    ("POST", "/gate/checkin/batch"): STAFF,
    ("GET", "/gate/events/{event_id:int}/kit"): STAFF,
    ("GET", "/gate/events/{event_id:int}/conflicts"): STAFF,
    # fan hub, exclusive content: athletes and the venue post, fans like and watch
    ("POST", "/api/v1/hub/posts"): SIGNED_IN,
    ("DELETE", "/api/v1/hub/posts/{post_id:int}"): SIGNED_IN,
    ("POST", "/api/v1/hub/posts/{post_id:int}/like"): SIGNED_IN,
    ("DELETE", "/api/v1/hub/posts/{post_id:int}/like"): SIGNED_IN,
    ("POST", "/api/v1/hub/videos/{post_id:int}/watched"): SIGNED_IN,
    ("POST", "/hub/posts"): SIGNED_IN,
    ("POST", "/hub/posts/{post_id:int}/remove"): SIGNED_IN,
    ("POST", "/hub/posts/{post_id:int}/like"): SIGNED_IN,
    ("POST", "/hub/posts/{post_id:int}/unlike"): SIGNED_IN,
    ("POST", "/hub/videos/{post_id:int}/watched"): SIGNED_IN,
    # fan hub, prizes: admins offer and hand over, fans claim
    ("POST", "/api/v1/hub/prizes"): ADMIN,
    ("POST", "/api/v1/hub/prizes/{prize_id:int}/claim"): SIGNED_IN,
    ("POST", "/hub/prizes/{prize_id:int}/claim"): SIGNED_IN,
    ("GET", "/hub/admin/prizes"): ADMIN,
    ("POST", "/hub/admin/prizes"): ADMIN,
    ("GET", "/hub/admin/prizes/{prize_id:int}"): ADMIN,
    ("POST", "/hub/admin/prizes/{prize_id:int}/stock"): ADMIN,
    ("POST", "/hub/admin/prizes/{prize_id:int}/active"): ADMIN,
    ("POST", "/hub/admin/claims/{claim_id:int}/handed-over"): ADMIN,
    # the example third-party plugin
    ("POST", "/hello"): SIGNED_IN,
    # fan hub, points: every signed-in fan has a hub page, predicts and may opt out
    ("GET", "/api/v1/hub/me"): SIGNED_IN,
    ("POST", "/api/v1/hub/me/leaderboards"): SIGNED_IN,
    ("POST", "/api/v1/hub/predictions"): SIGNED_IN,
    ("GET", "/me/hub"): SIGNED_IN,
    ("GET", "/me/hub/standing"): SIGNED_IN,
    ("POST", "/me/hub/opt-out"): SIGNED_IN,
    ("POST", "/hub/predictions/{tournament_id:int}"): SIGNED_IN,
    # track meets: organisers run them; a rider with an account enters while entries are open
    ("POST", "/meets"): ORGANISER,
    ("POST", "/meets/{meet_id:int}/competitions/{competition_id:int}/enter"): SIGNED_IN,
    ("POST", "/meets/{meet_id:int}/console/competitions"): ORGANISER,
    ("POST", "/meets/{meet_id:int}/console/sessions"): ORGANISER,
    ("GET", "/meets/{meet_id:int}/console/body"): ORGANISER,
    ("GET", "/meets/{meet_id:int}/console"): ORGANISER,
    ("POST", "/meets/{meet_id:int}/console/riders"): ORGANISER,
    ("POST", "/meets/{meet_id:int}/console/move"): ORGANISER,
    ("POST", "/meets/{meet_id:int}/console/publish"): ORGANISER,
    ("POST", "/meets/{meet_id:int}/console/call"): ORGANISER,
    ("POST", "/meets/{meet_id:int}/console/results"): ORGANISER,
    ("POST", "/meets/{meet_id:int}/console/schedule"): ORGANISER,
    ("POST", "/meets/{meet_id:int}/console/unpin"): ORGANISER,
    ("POST", "/meets/{meet_id:int}/console/void"): ORGANISER,
    ("POST", "/meets/{meet_id:int}/console/withdraw"): ORGANISER,
    ("POST", "/api/v1/meets/{meet_id:int}/competitions"): ORGANISER,
    ("POST", "/api/v1/meets/{meet_id:int}/sessions"): ORGANISER,
    ("POST", "/api/v1/meets"): ORGANISER,
    ("POST", "/api/v1/meets/{meet_id:int}/competitions/{competition_id:int}/entries"): ORGANISER,
    ("PUT", "/api/v1/meets/{meet_id:int}/competitions/{competition_id:int}/entries-open"): ORGANISER,
    ("POST", "/api/v1/meets/{meet_id:int}/programme/pins"): ORGANISER,
    ("POST", "/api/v1/meets/{meet_id:int}/programme/publish"): ORGANISER,
    ("POST", "/api/v1/meets/{meet_id:int}/calls"): ORGANISER,
    ("PUT", "/api/v1/meets/{meet_id:int}/competitions/{competition_id:int}/results"): ORGANISER,
    ("POST", "/api/v1/meets/{meet_id:int}/programme/schedule"): ORGANISER,
    ("PUT", "/api/v1/meets/{meet_id:int}/competitions/{competition_id:int}/seeding"): ORGANISER,
    ("POST", "/api/v1/meets/{meet_id:int}/competitions/{competition_id:int}/self-entry"): SIGNED_IN,
    ("POST", "/api/v1/meets/{meet_id:int}/competitions/{competition_id:int}/results/void"): ORGANISER,
    ("DELETE", "/api/v1/meets/{meet_id:int}/competitions/{competition_id:int}/entries/{rider_id:int}"): ORGANISER,
    # track meets: teams of the team events, seeding by ranking points
    ("POST", "/meets/{meet_id:int}/console/teams"): ORGANISER,
    ("POST", "/meets/{meet_id:int}/console/teams/withdraw"): ORGANISER,
    ("POST", "/meets/{meet_id:int}/console/seeding"): ORGANISER,
    ("POST", "/api/v1/meets/{meet_id:int}/competitions/{competition_id:int}/teams"): ORGANISER,
    ("DELETE", "/api/v1/meets/{meet_id:int}/competitions/{competition_id:int}/teams/{team_id:int}"): ORGANISER,
    ("PUT", "/api/v1/meets/{meet_id:int}/competitions/{competition_id:int}/seeding/points"): ORGANISER,
    # fan hub, athletes: any signed-in person has a profile and follows; admins verify
    ("POST", "/api/v1/athletes"): SIGNED_IN,
    ("PATCH", "/api/v1/athletes/{slug:str}"): SIGNED_IN,
    ("POST", "/api/v1/athletes/{slug:str}/follow"): SIGNED_IN,
    ("DELETE", "/api/v1/athletes/{slug:str}/follow"): SIGNED_IN,
    ("POST", "/api/v1/athletes/{slug:str}/verify-rel-me"): SIGNED_IN,
    ("POST", "/api/v1/athletes/{slug:str}/verification"): ADMIN,
    ("POST", "/athletes/{slug:str}/follow"): SIGNED_IN,
    ("POST", "/athletes/{slug:str}/unfollow"): SIGNED_IN,
    ("GET", "/me/athlete"): SIGNED_IN,
    ("POST", "/me/athlete"): SIGNED_IN,
    ("POST", "/me/athlete/verify-rel-me"): SIGNED_IN,
    ("GET", "/admin/athletes"): ADMIN,
    ("POST", "/admin/athletes"): ADMIN,
    ("POST", "/admin/athletes/{slug:str}/verify"): ADMIN,
    ("POST", "/admin/athletes/{slug:str}/refuse"): ADMIN,
    ("POST", "/admin/athletes/{slug:str}/revoke"): ADMIN,
}
PARAM_RE = re.compile(r"\{(\w+)(?::(\w+))?\}")


def _concrete(path: str) -> str:
    """Fill path parameters with values that parse (ids that exist or not do not matter:
    guards run before the handler)."""
    return PARAM_RE.sub(lambda m: "1" if (m.group(2) or "int") == "int" else "x", path)


def guarded_routes(app) -> list[tuple[str, str, frozenset[str] | None]]:
    """(method, path, roles) for every handler; roles None when no role guard applies."""
    rows = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            methods = sorted(getattr(handler, "http_methods", []) or [])
            roles = None
            for layer in handler.ownership_layers:
                for guard in layer.guards or []:
                    if not hasattr(guard, "podium_roles"):
                        continue
                    roles = (roles or frozenset()) | guard.podium_roles
            for method in methods:
                if method in {"HEAD", "OPTIONS"}:
                    continue
                rows.append((method, route.path, roles))
    return rows


async def test_every_write_is_guarded(podium_app):
    unguarded = [
        (method, path)
        for method, path, roles in guarded_routes(podium_app)
        if method not in {"GET"} and roles is None and (method, path) not in OPEN_WRITES
        and not path.startswith("/static")
    ]
    assert unguarded == [], f"write routes without a role guard: {unguarded}"


async def test_guards_match_the_matrix(podium_app):
    declared = {(m, p): r for m, p, r in guarded_routes(podium_app) if r is not None}
    missing = sorted(set(declared) - set(EXPECTED_ROLES))
    assert missing == [], f"guarded routes missing from EXPECTED_ROLES: {missing}"
    gone = sorted(set(EXPECTED_ROLES) - set(declared))
    assert gone == [], f"EXPECTED_ROLES lists routes that are not guarded (or gone): {gone}"
    wrong = {k: (sorted(declared[k]), sorted(v)) for k, v in EXPECTED_ROLES.items() if declared[k] != v}
    assert wrong == {}, f"guards differ from the matrix (declared, expected): {wrong}"


async def _call(client, method: str, path: str, headers: dict[str, str] | None = None):
    url = _concrete(path)
    if path.startswith("/api/"):
        return await client.request(method, url, headers=headers or {}, json={})
    # Pages: send a valid CSRF token so the guard, not CSRF, decides.
    return await client.htmx(method, url, data={}) if method != "GET" else await client.get(url)


@pytest.mark.parametrize("who", ["anonymous", "wrong_role"])
async def test_role_matrix(podium_app, podium_client_factory, podium_users, who):
    anonymous = await podium_client_factory(podium_app)  # also starts the app
    # Every plugin on, so a disabled plugin's 404 cannot hide a missing guard.
    for loaded in podium_app.state.plugin_host.switchable():
        await set_plugin_enabled(podium_app, loaded.meta.name)
    routes = [(m, p, r) for m, p, r in guarded_routes(podium_app) if r is not None]
    assert routes, "no guarded route found"
    clients: dict[str, tuple] = {}
    failures = []
    for method, path, roles in routes:
        if who == "anonymous":
            response = await _call(anonymous, method, path)
            # An anonymous page GET is sent to the log-in page; everything else is a 401.
            expected = {401} if path.startswith("/api/") or method != "GET" else {302, 303, 401}
        else:
            # A caller holding every role except the required ones (admin holds them all).
            others = [r for r in ROLES if r not in roles and r != "admin"]
            if not roles or not others:
                continue  # "any signed-in user" has no wrong role
            username = "u_" + "_".join(r[:3] for r in sorted(others))
            if username not in clients:
                await podium_users(username, *others)
                client = await podium_client_factory(podium_app)
                await client.login(username, DEFAULT_PASSWORD)
                clients[username] = (client, await client.bearer(username, DEFAULT_PASSWORD))
            client, bearer = clients[username]
            response = await _call(client, method, path, bearer if path.startswith("/api/") else None)
            expected = {403}
        if response.status_code not in expected:
            failures.append(f"{who}: {method} {path} -> {response.status_code}, expected {sorted(expected)}")
    assert failures == [], "\n".join(failures)
