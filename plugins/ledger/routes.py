"""The ledger's HTTP side (thin: the rules are in :mod:`.service`).

* the C2SP ``tlog-tiles`` read API under ``/ledger/``: ``checkpoint`` (a signed note),
  ``tile/<L>/<N>[.p/<W>]``, ``tile/entries/<N>[.p/<W>]``, and ``key`` (the verifier key);
  answers are ``text/plain`` or ``application/octet-stream``, errors a plain-text reason;
* the JSON API: ``/api/v1/tickets/{ticket_id}/proof``, ``/api/v1/ledger/checkpoints`` and
  ``/api/v1/ledger/consistency``;
* pages: the explorer ``/ledger``, ``/ledger/verify`` (the browser verifies the whole log),
  a ticket's history ``/ledger/tickets/{ticket_id}`` and its fragment ``.../history``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar import MediaType, Request, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from podium.core.i18n import _, format_list, lazy_gettext
from podium.core.errors import InvalidInput, NotFound
from podium.core.pages import render
from podium.core.validation import DEFAULT_LIMIT, MAX_OFFSET, MAX_PAGE
from podium.plugins.ledger import service
from podium.plugins.ledger.tiles import TilePathError, parse_tile_path

#: Longest ticket id looked up (the ticketing domain's are far shorter).
MAX_TICKET_ID = 200
FULL_TILE_CACHE = "public, max-age=31536000, immutable"
PARTIAL_TILE_CACHE = "public, max-age=60"
CHECKPOINT_CACHE = "no-cache"
TEXT = MediaType.TEXT  # Litestar adds "; charset=utf-8"
OCTETS = "application/octet-stream"

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Page size (1–500).")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Items to skip.")]


def _plain(text: str, status: int = 200, cache: str = CHECKPOINT_CACHE) -> Response[bytes]:
    return Response(content=text.encode(), status_code=status, media_type=TEXT,
                    headers={"Cache-Control": cache})


def _ticket_id(ticket_id: FromPath[str]) -> str:
    if not ticket_id or len(ticket_id) > MAX_TICKET_ID or not ticket_id.isprintable():
        raise InvalidInput(_("a ticket id is 1 to %(max_ticket_id)s printable characters", max_ticket_id=MAX_TICKET_ID),
                           code="bad_ticket_id")
    return ticket_id


# -- tlog-tiles -------------------------------------------------------------------------------


@get("/ledger/checkpoint", include_in_schema=False)
async def checkpoint_text() -> Response[bytes]:
    """The latest signed checkpoint (``c2sp.org/tlog-checkpoint``)."""
    latest = await service.latest_checkpoint()
    assert latest is not None
    return _plain(latest.note)


@get("/ledger/key", include_in_schema=False)
async def key_text() -> Response[bytes]:
    """The log's verifier key: ``<name>+<key ID>+<base64(0x01 || public key)>``."""
    verifier = await service.verifier()
    return _plain(verifier.text() + "\n", cache="public, max-age=300")


@get("/ledger/tile/{rest:path}", include_in_schema=False)
async def tile(rest: FromPath[str]) -> Response[bytes]:
    """A hash tile or an entry bundle; 404 beyond the tree, 400 for a malformed path."""
    try:
        ref = parse_tile_path(rest)
    except TilePathError as exc:
        return _plain(f"{exc}\n", 400, cache="no-store")
    data = await service.tile_bytes(ref)
    if data is None:
        what = "entry bundle" if ref.level is None else f"tile at level {ref.level}"
        return _plain(f"no such {what} in the latest checkpoint's tree: {ref.path}\n", 404,
                      cache="no-store")
    return Response(content=data, media_type=OCTETS, headers={
        "Cache-Control": PARTIAL_TILE_CACHE if ref.partial else FULL_TILE_CACHE})


# -- JSON API ---------------------------------------------------------------------------------


class EntryProofOut(msgspec.Struct):
    """One entry of the ticket with its inclusion proof."""

    index: int
    entry: str
    leaf_hash: str
    proof: list[str]


class TicketProofOut(msgspec.Struct):
    """A ticket's ledger entries, each with an RFC 6962 inclusion proof against the
    checkpoint (all hashes base64)."""

    checkpoint: str
    tree_size: int
    root_hash: str
    entries: list[EntryProofOut]


class CheckpointOut(msgspec.Struct):
    """A signed checkpoint and why it was published."""

    id: int
    tree_size: int
    root_hash: str
    note: str
    reason: str
    created_at: str


class CheckpointPage(msgspec.Struct):
    """One page of checkpoints, newest first."""

    items: list[CheckpointOut]
    total: int
    limit: int
    offset: int


class ConsistencyOut(msgspec.Struct):
    """An RFC 6962 consistency proof between two tree sizes (hashes base64)."""

    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]


def _checkpoint_out(c: service.CheckpointInfo) -> CheckpointOut:
    from podium.plugins.ledger.note import b64

    return CheckpointOut(id=c.id, tree_size=c.size, root_hash=b64(c.root_hash), note=c.note,
                         reason=c.reason, created_at=c.created_at.isoformat())


@get("/api/v1/tickets/{ticket_id:str}/proof", tags=["ledger"])
async def ticket_proof(ticket_id: FromPath[str]) -> TicketProofOut:
    """A ticket's history in the ledger with inclusion proofs against the latest
    checkpoint; 404 ``unknown_ticket`` when no entry mentions it."""
    proof = await service.ticket_proof(_ticket_id(ticket_id))
    return msgspec.convert(proof.as_json(), TicketProofOut)


@get("/api/v1/ledger/checkpoints", tags=["ledger"])
async def checkpoint_list(limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> CheckpointPage:
    """Every checkpoint the ledger signed, newest first."""
    total = await service.checkpoint_count()
    rows = await service.checkpoint_page(limit, offset)
    return CheckpointPage(items=[_checkpoint_out(c) for c in rows], total=total, limit=limit,
                          offset=offset)


@get("/api/v1/ledger/consistency", tags=["ledger"])
async def consistency_proof(
    first: Annotated[int, QueryParameter(ge=0, le=2**62, description="The older tree size.")],
    second: Annotated[int | None, QueryParameter(
        ge=0, le=2**62, description="The newer tree size (default: the latest checkpoint's).")
    ] = None,
) -> ConsistencyOut:
    """The proof that the tree of ``first`` entries is a prefix of the tree of ``second``."""
    proof = await service.consistency(first, second)
    return msgspec.convert(proof.as_json(), ConsistencyOut)


# -- pages ------------------------------------------------------------------------------------


@get("/ledger", include_in_schema=False)
async def explorer(
    request: Request[Any, Any, Any],
    ticket: Annotated[str | None, QueryParameter(description="A ticket id to look up.")] = None,
    page: Annotated[int, QueryParameter(ge=1, le=100000)] = 1,
) -> Template:
    """Recent checkpoints, and a ticket's entries when one is searched for."""
    per_page = 20
    latest = await service.latest_checkpoint(start=False)
    recent = await service.checkpoint_page(per_page, (page - 1) * per_page)
    total = await service.checkpoint_count()
    found: list[dict[str, Any]] | None = None
    error = ""
    wanted = (ticket or "").strip()
    if wanted:
        try:
            found = await _history(_ticket_id(wanted))
        except InvalidInput as exc:
            error = exc.detail
    return render(request, "ledger/index.html", {
        "latest": latest, "checkpoints": recent, "total": total, "page": page,
        "pages": max(1, (total + per_page - 1) // per_page), "ticket": wanted,
        "entries": found, "error": error, "reason_label": reason_label,
    })


#: The reasons the ledger itself writes on checkpoints, as people read them. The stored
#: reason stays English (the JSON and the CLI show it as written).
REASON_LABELS = {"log started": lazy_gettext("log started"), "batch": lazy_gettext("new entries"),
                 "milestone": lazy_gettext("milestone")}
_DOORS_OPEN = re.compile(r"^doors open: venue event ([\d, ]+)$")


def reason_label(reason: str) -> str:
    """A checkpoint's stored reason in the reader's language (``batch; doors open: venue
    event 40`` → "new entries and doors open: event 40"); one written by hand stays as is."""
    parts = []
    for part in reason.split("; "):
        doors = _DOORS_OPEN.match(part)
        if doors:
            parts.append(_("doors open: event %(events)s", events=doors.group(1)))
        else:
            parts.append(str(REASON_LABELS.get(part, part)))
    return format_list(parts)


@get("/ledger/verify", include_in_schema=False)
async def verify_page(request: Request[Any, Any, Any]) -> Template:
    """Verify the whole ledger in the browser (WebCrypto)."""
    return render(request, "ledger/verify.html", {})


async def _history(ticket_id: FromPath[str]) -> list[dict[str, Any]]:
    rows = await service.ticket_history(ticket_id)
    return [{**r, "text": service.describe_entry(r["data"])} for r in rows]


@get("/ledger/tickets/{ticket_id:str}", include_in_schema=False)
async def ticket_page(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> Template:
    """A ticket's history in the ledger, verified in the browser."""
    entries = await _history(_ticket_id(ticket_id))
    if not entries:
        raise NotFound(_("the ledger has no entry for ticket %(ticket_id)s", ticket_id=repr(ticket_id)),
                       code="unknown_ticket")
    return render(request, "ledger/ticket.html", {"ticket": ticket_id, "entries": entries})


@get("/ledger/tickets/{ticket_id:str}/history", include_in_schema=False)
async def ticket_history_fragment(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> Template:
    """The history fragment (what the ``ticket.history`` slot loads with htmx)."""
    entries = await _history(_ticket_id(ticket_id))
    return Template(template_name="ledger/partials/history.html",
                    context={"ticket": ticket_id, "entries": entries, "request": request},
                    media_type=MediaType.HTML)


ROUTES = [checkpoint_text, key_text, tile, ticket_proof, checkpoint_list, consistency_proof,
          explorer, verify_page, ticket_page, ticket_history_fragment]
