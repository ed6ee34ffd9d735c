"""Gate check-in: scanning ticket secrets at the doors, online and offline.

One scan is one :class:`~podium.ticketing.tables.Scan` fact, accepted or refused. The
decision is :func:`podium.ticketing.verdict.decide` (pure); this module reads what it
needs and writes the outcome in one transaction:

1. The secret's claims are read and its signature checked with the event's public key
   (cheap, outside the lock).
2. Inside :func:`~podium.core.database.atomic` the ticket row is locked (``FOR UPDATE`` on
   PostgreSQL; SQLite's immediate transaction holds the write lock), the nonce is looked
   up again (a retried scan answers its first result), the ticket's current state and
   revoked serials are read, and the verdict is taken on that fresh state. Four gates
   scanning one ticket at once therefore admit it exactly once.
3. The Scan row is written; an accepted scan updates the ticket's ``inside`` and
   ``last_scan_*`` and records :class:`~podium.core.events.TicketsCheckedIn`.

The Scan's ``detail`` keeps the JSON answer that was given, so the same nonce replays it
word for word. Offline scans (uploaded by :func:`check_in_batch`) are judged at their
original time; an offline admission the server would have refused (usually: the ticket
was already let in at another gate) is kept with ``conflict`` set and listed by
:func:`conflicts` for staff, never merged away.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from piccolo.query.functions.aggregate import Count

from podium.core.i18n import _
from podium.core.database import atomic, for_update, is_sqlite
from podium.core.errors import InvalidInput, NotFound
from podium.core.events import CheckIn, TicketsCheckedIn
from podium.core.outbox import record
from podium.core.validation import MAX_ID, check_instant, clean_text, whole_number
from podium.core.venue.tables import Event
from podium.ticketing import secrets
from podium.ticketing.controls import lock_removed
from podium.ticketing.keys import event_keys
from podium.ticketing.tables import Order, RevokedSecret, Scan, Ticket, TicketType
from podium.ticketing.tickets import revocation_list, utc_now
from podium.ticketing.verdict import Direction, TicketState, Verdict, decide, reason, refuse

#: Negative control for the concurrency tests and nothing else: with the environment
#: variable ``PODIUM_GATE_UNSAFE_NO_LOCK=1`` the ticket is read before the transaction and
#: not locked, and the same ticket can be admitted twice.
LOCK_TICKETS = not lock_removed("PODIUM_GATE_UNSAFE_NO_LOCK")

NONCE_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")
MAX_SECRET_INPUT = 2000
MAX_BATCH = 500
#: Offline scans older than this, or device clocks this far ahead, are refused as input.
MAX_SCAN_AGE = timedelta(days=30)
MAX_CLOCK_AHEAD = timedelta(hours=1)

_PUBLIC_KEYS: dict[int, Ed25519PublicKey] = {}


@dataclass(frozen=True)
class Answer:
    """What a scan answers: the HTTP status (200, 404 or 409) and the JSON body."""

    status_code: int
    body: dict[str, Any]


def status_for(code: str) -> int:
    """The HTTP status of a scan's result code."""
    return 200 if code == "ok" else 404 if code == "invalid" else 409


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class ScanInput:
    """A scan's checked input."""

    secret: str
    gate: str
    nonce: str
    direction: Direction
    event_id: int | None
    scanned_at: datetime | None


def check_scan(secret: Any, gate: Any, nonce: Any, direction: Any, event_id: Any = None,
               scanned_at: Any = None) -> ScanInput:
    """Check a scan's fields (422 :class:`InvalidInput` naming the bad one).

    ``scanned_at`` may be a datetime or ISO 8601 text with an offset; it must not be more
    than an hour ahead of the server's clock nor older than 30 days.
    """
    if not isinstance(secret, str) or len(secret) > MAX_SECRET_INPUT:
        raise InvalidInput(_("secret must be the text of a ticket's QR code"), field="secret")
    gate_name = clean_text(gate, "gate", 60)
    if not isinstance(nonce, str) or not NONCE_RE.match(nonce):
        raise InvalidInput(_("nonce must be 8 to 80 letters, digits or _ . : -"), field="nonce")
    if direction not in ("entry", "exit"):
        raise InvalidInput(_("direction must be entry or exit"), field="direction")
    event = whole_number(event_id, "event_id", 1, MAX_ID, nullable=True)
    when: datetime | None = None
    if scanned_at is not None:
        if isinstance(scanned_at, str):
            try:
                scanned_at = datetime.fromisoformat(scanned_at.replace("Z", "+00:00"))
            except ValueError:
                raise InvalidInput(_("scanned_at must be an ISO 8601 date-time"),
                                   field="scanned_at") from None
        when = check_instant(scanned_at, "scanned_at")
        now = utc_now()
        if when > now + MAX_CLOCK_AHEAD or when < now - MAX_SCAN_AGE:
            raise InvalidInput(_("scanned_at is too far from now; check the scanner's clock"),
                               field="scanned_at")
    return ScanInput(secret.strip(), gate_name, nonce, direction, event, when)


async def public_key(event_id: int, *, fresh: bool = False) -> Ed25519PublicKey:
    """The event's public key, kept in memory (an event's signing key never changes);
    ``fresh`` reads it again (a database rebuilt under a running process)."""
    key = None if fresh else _PUBLIC_KEYS.get(event_id)
    if key is None:
        key = (await event_keys(event_id)).public_key
        _PUBLIC_KEYS[event_id] = key
    return key


async def verify_secret(event_id: int, secret: str) -> bool:
    """Whether the event's key signed ``secret`` (a failure with the kept key is checked
    once more against the stored key before the scan is called invalid)."""
    if secrets.verify(await public_key(event_id), secret) is not None:
        return True
    return secrets.verify(await public_key(event_id, fresh=True), secret) is not None


@functools.cache
def _scan_sql(lock: bool) -> str:
    """One statement for everything a scan decides on: the ticket, its type, event and
    order, and whether the scanned serial is on the revocation list. Written as SQL, not
    built by the ORM per scan: building the joined select cost more than running it."""
    ticket, kind, order = Ticket._meta.tablename, TicketType._meta.tablename, Order._meta.tablename
    event, revoked = Event._meta.tablename, RevokedSecret._meta.tablename
    sql = (
        f"SELECT t.id, t.code, t.event, t.ticket_type, t.status, t.serial, t.inside, "
        f"t.last_scan_at, t.last_scan_gate, k.name AS type_name, "
        f"k.allows_reentry AS allows_reentry, e.title AS event_title, e.venue AS venue_id, "
        f"o.status AS order_status, "
        f"(SELECT count(*) FROM {revoked} r WHERE r.ticket = t.id AND r.serial = {{}}) "
        f"AS serial_revoked "
        f"FROM {ticket} t JOIN {kind} k ON k.id = t.ticket_type "
        f"JOIN {event} e ON e.id = t.event LEFT JOIN {order} o ON o.id = t.\"order\" "
        f"WHERE t.code = {{}}"
    )
    # PostgreSQL: lock the ticket's row only (SQLite's immediate transaction covers it).
    return sql + (" FOR UPDATE OF t" if lock else "")


#: A scan's row, written unless its nonce is known (then nothing is returned: a replay).
_INSERT_SCAN_SQL = (
    f"INSERT INTO {Scan._meta.tablename} (nonce, event, ticket, gate, direction, result, "
    f"detail, scanned_at, recorded_at, offline, conflict, staff) "
    f"VALUES ({{}}, {{}}, {{}}, {{}}, {{}}, {{}}, {{}}, {{}}, {{}}, {{}}, {{}}, {{}}) "
    f"ON CONFLICT (nonce) DO NOTHING RETURNING id"
)
#: An accepted scan moves the holder in or out.
_ADMIT_SQL = (f"UPDATE {Ticket._meta.tablename} SET inside = {{}}, last_scan_at = {{}}, "
              f"last_scan_gate = {{}} WHERE id = {{}}")


async def _read_ticket(code: str, serial: int, *, lock: bool
                       ) -> tuple[dict[str, Any] | None, TicketState | None]:
    """The ticket a secret names, as the answer shows it and as the verdict judges it
    (locked when ``lock``); ``(None, None)`` for an unknown code."""
    rows = await Ticket.raw(_scan_sql(lock and not is_sqlite()), serial, code)
    if not rows:
        return None, None
    row = rows[0]
    info = {"id": row["id"], "code": row["code"], "event": row["event"],
            "ticket_type": row["ticket_type"], "type_name": row["type_name"],
            "event_title": row["event_title"], "venue_id": row["venue_id"]}
    state = TicketState(
        code=row["code"], event_id=row["event"], ticket_type_id=row["ticket_type"],
        status=row["status"], serial=row["serial"], order_status=row["order_status"],
        allows_reentry=bool(row["allows_reentry"]), inside=bool(row["inside"]),
        last_scan_at=row["last_scan_at"], last_scan_gate=row["last_scan_gate"] or "",
        # Only the scanned serial matters to the verdict (older ones are refused anyway).
        revoked_serials=frozenset({serial}) if row["serial_revoked"] else frozenset(),
    )
    return info, state


def _answer(verdict: Verdict, scan: ScanInput, info: dict[str, Any] | None, when: datetime,
            offline: bool, conflict: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": "ok" if verdict.ok else "refused", "code": verdict.code,
        "detail": str(verdict.detail), "direction": scan.direction, "scan_gate": scan.gate,
        "scanned_at": when.isoformat(), "nonce": scan.nonce, "offline": offline,
        "conflict": conflict,
    }
    if verdict.ok:
        body["gate"] = scan.gate
    if verdict.code == "already_redeemed":
        body["at"] = _iso(verdict.at)
        body["gate"] = verdict.gate
    if info is not None and verdict.code != "invalid":
        body["ticket"] = {
            "id": info["code"], "type": {"id": info["ticket_type"], "name": info["type_name"]},
            "event": {"id": info["event"], "title": info["event_title"]},
        }
    return body


async def _replay(nonce: str) -> Answer | None:
    row = await Scan.select(Scan.result, Scan.detail).where(Scan.nonce == nonce).first()
    if row is None:
        return None
    try:
        body = json.loads(row["detail"])
    except ValueError:  # pragma: no cover - every Scan written here keeps its answer
        body = {"code": row["result"], "detail": row["detail"]}
    body["replayed"] = True
    return Answer(status_for(row["result"]), body)


async def _event_exists(event_id: int | None) -> bool:
    return event_id is not None and bool(await Event.exists().where(Event.id == event_id))


async def check_in(*, secret: Any, gate: Any, nonce: Any, direction: Any = "entry",
                   event_id: Any = None, scanned_at: Any = None, staff_id: int | None = None,
                   offline: bool = False, verdict_offline: str | None = None) -> Answer:
    """Scan one ticket secret at a gate and record the scan (see the module's docstring).

    :param event_id: the event the scanner is set to (``wrong_event`` for another's ticket).
    :param scanned_at: the device's time of the scan; the validity window is judged then.
    :param offline: the scan was decided by an offline scanner and uploaded later.
    :param verdict_offline: what the offline scanner answered (``ok`` means it let the
        holder in; if the server refuses such an entry it is recorded as a conflict).
    :returns: the :class:`Answer`; the same ``nonce`` again returns the first answer.
    :raises InvalidInput: a field is missing or malformed (nothing is recorded).
    """
    scan = check_scan(secret, gate, nonce, direction, event_id, scanned_at)
    now = utc_now()
    when = scan.scanned_at or now
    claims = secrets.read_claims(scan.secret)
    read: tuple[dict[str, Any] | None, TicketState | None] = (None, None)
    if claims is not None and not LOCK_TICKETS:
        read = await _read_ticket(claims.code, claims.serial, lock=False)  # negative control
    async with atomic():
        if claims is not None and LOCK_TICKETS:
            read = await _read_ticket(claims.code, claims.serial, lock=True)
        info, state = read
        signature_ok = False
        if claims is not None and info is not None and info["event"] == claims.event_id:
            signature_ok = await verify_secret(claims.event_id, scan.secret)
        scan_event = info["event"] if info else (
            scan.event_id if await _event_exists(scan.event_id) else None)
        verdict = decide(claims=claims, signature_ok=signature_ok, ticket=state,
                         scanner_event_id=scan.event_id, direction=scan.direction, now=when)
        conflict = (offline and scan.direction == "entry" and verdict_offline == "ok"
                    and not verdict.ok)
        body = _answer(verdict, scan, info, when, offline, conflict)
        inserted = await Scan.raw(
            _INSERT_SCAN_SQL, scan.nonce, scan_event, info["id"] if info else None, scan.gate,
            scan.direction, verdict.code, json.dumps(body), when, now, offline, conflict,
            staff_id)
        if not inserted:
            # The nonce was recorded already (a retried or doubled request): answer what
            # was answered then, and write nothing.
            replay = await _replay(scan.nonce)
            if replay is None:  # pragma: no cover - a conflict means the row exists
                raise RuntimeError(f"scan nonce {scan.nonce!r} conflicted but is not recorded")
            return replay
        if verdict.ok and info is not None:
            await Ticket.raw(_ADMIT_SQL, scan.direction == "entry", when, scan.gate, info["id"])
            await record(TicketsCheckedIn(venue_id=info["venue_id"], checkins=(CheckIn(
                ticket_id=info["code"], gate=scan.gate, checked_in_at=when,
                venue_event_id=info["event"], direction=scan.direction, offline=offline,
            ),)))
    return Answer(status_for(verdict.code), body)


async def check_in_batch(*, gate: Any, scans: Any, staff_id: int | None = None,
                         event_id: Any = None) -> list[dict[str, Any]]:
    """Upload an offline scanner's queue: each scan is checked in at its original time,
    in order, idempotently per nonce. One item's bad input does not stop the others: its
    result has ``http_status`` 422 and the reason.

    :param scans: up to 500 ``{secret, nonce, direction, scanned_at, verdict_offline}``.
    :returns: one result per scan: the answer's body with ``http_status``.
    """
    if not isinstance(scans, list) or not scans:
        raise InvalidInput(_("scans must be a non-empty list"), field="scans")
    if len(scans) > MAX_BATCH:
        raise InvalidInput(_("upload at most %(max_batch)s scans at once", max_batch=MAX_BATCH), field="scans")
    clean_text(gate, "gate", 60)
    results: list[dict[str, Any]] = []
    for item in scans:
        if not isinstance(item, dict):
            results.append({"http_status": 422, "code": "invalid_input",
                            "detail": "each scan must be an object"})
            continue
        offline_verdict = item.get("verdict_offline")
        try:
            answer = await check_in(
                secret=item.get("secret"), gate=gate, nonce=item.get("nonce"),
                direction=item.get("direction", "entry"), event_id=event_id,
                scanned_at=item.get("scanned_at"), staff_id=staff_id, offline=True,
                verdict_offline=offline_verdict if isinstance(offline_verdict, str) else None,
            )
        except InvalidInput as exc:
            results.append({"http_status": 422, "nonce": item.get("nonce") if isinstance(
                item.get("nonce"), str) else None, **exc.as_dict()})
            continue
        results.append({"http_status": answer.status_code, **answer.body})
    return results


async def _event_row(event_id: int) -> dict[str, Any]:
    row = await Event.select(Event.id, Event.title, Event.starts_at, Event.ends_at,
                             Event.venue).where(Event.id == event_id).first()
    if row is None:
        raise NotFound(_("there is no event %(event_id)s", event_id=event_id))
    return row


async def gate_kit(event_id: int) -> dict[str, Any]:
    """What an offline scanner keeps for one event: its public key (raw Ed25519, standard
    base64), the revocation list (``code.serial``), its ticket types and when it was made.

    :raises NotFound: no such event.
    """
    event = await _event_row(event_id)
    keys = await event_keys(event_id)
    types = await TicketType.select(TicketType.id, TicketType.name, TicketType.allows_reentry,
                                    TicketType.valid_from, TicketType.valid_until).where(
        TicketType.event == event_id).order_by(TicketType.position).order_by(TicketType.id)
    return {
        "event": {"id": event["id"], "title": event["title"],
                  "starts_at": _iso(event["starts_at"]), "ends_at": _iso(event["ends_at"])},
        "public_key": keys.public_key_b64,
        "revoked": await revocation_list(event_id),
        "types": {str(t["id"]): {"name": t["name"], "allows_reentry": t["allows_reentry"],
                                 "valid_from": _iso(t["valid_from"]),
                                 "valid_until": _iso(t["valid_until"])} for t in types},
        "generated_at": utc_now().isoformat(),
    }


async def gate_counts(event_id: int) -> dict[str, Any]:
    """The gates' live figures for one event: how many are inside now, and per gate the
    entries, exits and refusals, plus the number of offline conflicts.

    :raises NotFound: no such event.
    """
    await _event_row(event_id)
    inside = await Ticket.count().where((Ticket.event == event_id) & (Ticket.inside == True))  # noqa: E712
    rows = await Scan.select(Scan.gate, Scan.direction, Scan.result, Count(Scan.id, alias="n")).where(
        Scan.event == event_id).group_by(Scan.gate, Scan.direction, Scan.result)
    gates: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = gates.setdefault(row["gate"], {"gate": row["gate"], "entries": 0, "exits": 0,
                                               "refused": 0})
        if row["result"] != "ok":
            entry["refused"] += row["n"]
        elif row["direction"] == "exit":
            entry["exits"] += row["n"]
        else:
            entry["entries"] += row["n"]
    conflicts = await Scan.count().where((Scan.event == event_id) & (Scan.conflict == True))  # noqa: E712
    return {"event_id": event_id, "inside": inside,
            "gates": [gates[name] for name in sorted(gates)], "conflicts": conflicts}


async def conflicts(event_id: int) -> list[dict[str, Any]]:
    """Offline admissions the server refused (the same ticket let in at two gates, or a
    ticket that died while the scanner was offline), oldest first, for staff to sort out.
    ``detail`` is what the server answered then (in the uploader's language), ``reason``
    the refusal's standard words in the current locale.

    :raises NotFound: no such event.
    """
    await _event_row(event_id)
    rows = await Scan.select(
        Scan.nonce, Scan.gate, Scan.direction, Scan.result, Scan.detail, Scan.scanned_at,
        Scan.recorded_at, Scan.ticket.code.as_alias("ticket_code"),
    ).where((Scan.event == event_id) & (Scan.conflict == True)).order_by(Scan.scanned_at)  # noqa: E712
    out = []
    for row in rows:
        try:
            answer = json.loads(row["detail"])
        except ValueError:  # pragma: no cover
            answer = {}
        out.append({
            "ticket_id": row["ticket_code"], "gate": row["gate"], "result": row["result"],
            "detail": answer.get("detail", ""), "reason": reason(row["result"]),
            "scanned_at": _iso(row["scanned_at"]),
            "recorded_at": _iso(row["recorded_at"]), "nonce": row["nonce"],
            "other_gate": answer.get("gate", ""), "other_at": answer.get("at"),
        })
    return out


async def gate_events(now: datetime | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Events a scanner may be set to: those with ticket types that have not ended more
    than a day ago, soonest first."""
    now = now or utc_now()
    with_types = await TicketType.select(TicketType.event).distinct()
    ids = [r["event"] for r in with_types]
    if not ids:
        return []
    rows: Sequence[dict[str, Any]] = await Event.select(
        Event.id, Event.title, Event.starts_at, Event.ends_at).where(
        Event.id.is_in(ids) & (Event.ends_at > now - timedelta(days=1))).order_by(
        Event.starts_at).limit(limit)
    return list(rows)
