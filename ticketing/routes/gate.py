"""Gate check-in over HTTP: the JSON API for scanning devices (bearer token, role
``staff``) and the scanner page with its session-authenticated JSON twins.

The API under ``/api/v1`` authenticates with bearer tokens only, so the scanner page's
script calls ``/gate/...`` endpoints that take the session cookie and the CSRF header and
run the same service (:mod:`podium.ticketing.gate`). Scans answer 200 (``ok``), 404
(``invalid``) or 409 (every other refusal) with ``{"code", "detail", ...}``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, JSONBody
from litestar.response import Template

from podium.core.accounts.auth import requires_role
from podium.core.errors import PodiumError
from podium.core.pages import render
from podium.core.venue.api import Id
from podium.core.venue.context import current_venue_id
from podium.core.venue.routes import Clock
from podium.core.venue.tables import Venue
from podium.ticketing import gate

STAFF = [requires_role("staff")]


class CheckinIn(msgspec.Struct, forbid_unknown_fields=True):
    """One scan: the QR code's text, the gate's name, the device's nonce for this scan."""

    secret: str
    gate: str
    nonce: str
    direction: str = "entry"
    event_id: int | None = None
    scanned_at: str | None = None


class QueuedScan(msgspec.Struct):
    """A scan an offline scanner decided and queued, with its original time."""

    secret: str
    nonce: str
    direction: str = "entry"
    scanned_at: str | None = None
    verdict_offline: str | None = None


class BatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """An offline scanner's queue (at most 500 scans)."""

    gate: str
    scans: list[QueuedScan]
    event_id: int | None = None


def _scan_response(answer: gate.Answer) -> Response[dict[str, Any]]:
    return Response(content=answer.body, status_code=answer.status_code)


def _error(exc: PodiumError) -> Response[dict[str, Any]]:
    return Response(content=exc.as_dict(), status_code=exc.status_code)


async def _check_in(request: Request[Any, Any, Any], data: CheckinIn) -> Response[dict[str, Any]]:
    return _scan_response(await gate.check_in(
        secret=data.secret, gate=data.gate, nonce=data.nonce, direction=data.direction,
        event_id=data.event_id, scanned_at=data.scanned_at, staff_id=request.user.id))


async def _batch(request: Request[Any, Any, Any], data: BatchIn) -> dict[str, Any]:
    results = await gate.check_in_batch(
        gate=data.gate, event_id=data.event_id, staff_id=request.user.id,
        scans=[msgspec.structs.asdict(s) for s in data.scans])
    return {"results": results, "conflicts": sum(1 for r in results if r.get("conflict"))}


class GateAPI(Controller):
    """Check-in for scanning devices: scans, offline uploads, the offline kit, conflicts."""

    path = "/api/v1"
    tags = ["gate"]

    @post("/checkin", summary="Scan a ticket at a gate", guards=STAFF, status_code=200)
    async def api_checkin(self, request: Request, data: JSONBody[CheckinIn]
                          ) -> Response[dict[str, Any]]:
        """Check a ticket secret in (``direction`` ``entry``) or out (``exit``) at ``gate``
        (staff). 200 ``{"status": "ok", "ticket", ...}``; 409 ``already_redeemed`` (with
        ``at`` and ``gate``), ``revoked``, ``wrong_event``, ``not_paid``,
        ``not_yet_valid``, ``expired``, ``not_inside``; 404 ``invalid``. The same ``nonce``
        again returns the first answer (``replayed``: true) and admits no one."""
        return await _check_in(request, data)

    @post("/checkin/batch", summary="Upload an offline scanner's queue", guards=STAFF,
          status_code=200)
    async def api_checkin_batch(self, request: Request, data: JSONBody[BatchIn]
                                ) -> dict[str, Any]:
        """Scans decided offline, with their original ``scanned_at``; idempotent per nonce.
        Returns one result per scan (``http_status`` and the answer); an offline admission
        the server refuses is recorded with ``conflict`` true."""
        return await _batch(request, data)

    @get("/events/{event_id:int}/gate-kit", summary="What an offline scanner keeps",
         guards=STAFF)
    async def api_gate_kit(self, event_id: Id) -> dict[str, Any]:
        """The event's public key (raw Ed25519, standard base64), revocation list
        (``code.serial``), ticket types and the kit's time."""
        return await gate.gate_kit(event_id)

    @get("/events/{event_id:int}/gate-conflicts", summary="Offline conflicts", guards=STAFF)
    async def api_gate_conflicts(self, event_id: Id) -> dict[str, Any]:
        """Offline admissions the server refused (the same ticket let in at two gates)."""
        items = await gate.conflicts(event_id)
        return {"items": items, "total": len(items)}

    @get("/events/{event_id:int}/gate-counts", summary="Gate counts", guards=STAFF)
    async def api_gate_counts(self, event_id: Id) -> dict[str, Any]:
        """Inside now, and entries, exits and refusals per gate."""
        return await gate.gate_counts(event_id)


class GatePages(Controller):
    """The scanner page and the JSON endpoints its script calls with the session."""

    path = "/gate"
    include_in_schema = False

    @get("/", guards=STAFF)
    async def gate_page(self, request: Request, event: FromQuery[int | None] = None) -> Template:
        """The scanner: event and gate, entry/exit, the scan field, camera, answer, counts."""
        events = await gate.gate_events()
        chosen = next((e for e in events if e["id"] == event), None)
        venue_id = await current_venue_id(request)
        venue = await Venue.select(Venue.timezone).where(Venue.id == venue_id).first() if venue_id else None
        ctx: dict[str, Any] = {"events": events, "event": chosen,
                               "clock": Clock(venue["timezone"] if venue else "Europe/Paris")}
        if chosen is not None:
            ctx["counts"] = await gate.gate_counts(chosen["id"])
            ctx["conflicts"] = await gate.conflicts(chosen["id"])
        return render(request, "ticketing/gate.html", ctx)

    @get("/events/{event_id:int}/conflicts", guards=STAFF)
    async def gate_conflicts_partial(self, request: Request, event_id: Id) -> Template:
        """The conflicts list (refreshed by the page when a new one arrives)."""
        return render(request, "ticketing/gate_conflicts.html",
                      {"conflicts": await gate.conflicts(event_id)}, partial=True)

    @post("/checkin", guards=STAFF, status_code=200)
    async def gate_checkin(self, request: Request, data: JSONBody[CheckinIn]
                           ) -> Response[dict[str, Any]]:
        """:meth:`GateAPI.api_checkin` for the scanner page (session and CSRF)."""
        try:
            return await _check_in(request, data)
        except PodiumError as exc:
            return _error(exc)

    @post("/checkin/batch", guards=STAFF, status_code=200)
    async def gate_checkin_batch(self, request: Request, data: JSONBody[BatchIn]) -> Response[Any]:
        """:meth:`GateAPI.api_checkin_batch` for the scanner page."""
        try:
            return Response(content=await _batch(request, data))
        except PodiumError as exc:
            return _error(exc)

    @get("/events/{event_id:int}/kit", guards=STAFF)
    async def gate_kit(self, event_id: Id) -> Response[Any]:
        """:meth:`GateAPI.api_gate_kit` for the scanner page."""
        try:
            return Response(content=await gate.gate_kit(event_id))
        except PodiumError as exc:
            return _error(exc)


GATE_ROUTES = [GateAPI, GatePages]
