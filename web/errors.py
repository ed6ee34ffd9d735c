"""Turning failures into answers: JSON with ``code`` and ``detail`` under ``/api/`` (and
the shell's ``/-/`` endpoints), a friendly page elsewhere. Nothing reaches the client as
an unhandled 500.

* A page GET that needs a signed-in user redirects to ``/login?next=<where it was>``.
* An htmx request gets the error as a partial (the content block only); a 401 also tells
  htmx to send the browser to the log-in page (``HX-Redirect``).
* :class:`EdgeInputMiddleware` refuses NUL characters in the path, the query string and
  form or JSON bodies before any handler sees them: SQLite stores them, PostgreSQL refuses
  them, and the answer must not depend on the database. It also decodes a JSON body
  meant for a msgspec ``Struct`` strictly: Litestar converts bodies leniently, so
  ``{"enabled": 0}`` became ``False`` and ``{"places": "2"}`` became ``2``, which the
  OpenAPI document does not allow.
"""

from __future__ import annotations

import errno
import logging
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlsplit

import msgspec
from litestar import Litestar, MediaType, Request, Response
from litestar.enums import ScopeType
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    ValidationException,
)
from litestar.middleware import ASGIMiddleware
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect, Template
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from podium.core.errors import PodiumError
from podium.core.i18n import N_, LazyString, _, gettext_noop
from podium.core.pages import is_partial_request

log = logging.getLogger("podium.web")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}

# Translated when the error page is drawn (lazy): the visitor's language.
TITLES: dict[int, str | LazyString] = {
    400: N_("That request could not be understood"),
    401: N_("Please sign in"),
    403: N_("You cannot do that"),
    404: N_("Page not found"),
    405: N_("Not allowed here"),
    409: N_("That clashes with something"),
    413: N_("That is too large"),
    415: N_("That format is not accepted here"),
    422: N_("Please check what you entered"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
    503: N_("Back in a moment"),
}

# What a JSON error says when Litestar gave only its English reason phrase ("Not Found"):
# the same meaning in the client's language (the ``code`` stays the English identifier).
REASONS: dict[int, str | LazyString] = {
    400: N_("bad request"),
    403: N_("forbidden"),
    404: N_("not found"),
    405: N_("method not allowed"),
    406: N_("not acceptable"),
    409: N_("conflict"),
    413: N_("request too large"),
    415: N_("unsupported media type"),
    429: N_("too many requests"),
}

JSON_PREFIXES = ("/api/", "/-/")
NUL_DETAIL = gettext_noop("NUL characters are not allowed in input")


JSON_SUFFIXES = (".ics",)
"""Machine-read documents outside ``/api/`` (calendar feeds): a calendar client cannot show
an HTML error page, and the OpenAPI document lists their JSON errors."""


def wants_json(request: Request) -> bool:
    """JSON for the API, the feeds and clients that ask for it; HTML otherwise."""
    path = request.url.path
    if path.startswith(JSON_PREFIXES) or path.endswith(JSON_SUFFIXES):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def login_url(request: Request) -> str:
    """``/login?next=...`` pointing back at the page the user wanted.

    For htmx requests that is the page in the address bar (``HX-Current-URL``), not the
    fragment URL htmx fetched.
    """
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    current = request.headers.get("hx-current-url")
    if current:
        parts = urlsplit(current)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"/login?next={quote(target or '/', safe='')}"


def _status_phrase(status: int) -> str:
    """The HTTP reason phrase of ``status`` ("Not Found"), or "" for an unknown one."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _answer(request: Request, status: int, body: dict[str, Any],
            headers: dict[str, str] | None = None) -> Response:
    if wants_json(request):
        if body.get("detail") == _status_phrase(status) and status in REASONS:
            body = {**body, "detail": str(REASONS[status])}
        return Response(content=body, status_code=status, media_type=MediaType.JSON,
                        headers=headers)
    htmx = request.headers.get("hx-request") == "true"
    if status == 401 and request.method == "GET" and not htmx:
        return Redirect(login_url(request))
    headers = dict(headers or {})
    if status == 401 and htmx:
        headers["HX-Redirect"] = login_url(request)
    detail = body.get("detail", "")
    if detail == _status_phrase(status):
        detail = ""  # Litestar's English default ("Not Found"): the page's title says it
    context = {
        "status": status,
        "title": TITLES.get(status, N_("Something went wrong")),
        "detail": detail,
        "login_url": login_url(request) if status == 401 else None,
        "user": request.scope.get("user"),
        "nav": request.scope.get("podium_nav", []),
        "request": request,
        "layout": "partial.html" if is_partial_request(request) else "base.html",
    }
    return Template(template_name="errors/error.html", context=context, status_code=status,
                    headers=headers or None, media_type=MediaType.HTML)


def podium_error_handler(request: Request, exc: PodiumError) -> Response:
    """A domain rule refused the request (``podium.core.errors``)."""
    return _answer(request, exc.status_code, exc.as_dict())


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    """Litestar's own HTTP errors (404, 405, 401, 403, CSRF, rate limit, validation)."""
    status = exc.status_code
    if status >= 500:
        return internal_error_handler(request, exc)
    body: dict[str, Any] = {"code": HTTP_CODES.get(status, "error"), "detail": exc.detail}
    if isinstance(exc, ValidationException):
        body["code"] = "invalid"
        body["detail"] = _validation_detail(exc)
        if exc.extra:
            body["errors"] = exc.extra
    if isinstance(exc, NotAuthorizedException) and not exc.detail:
        body["detail"] = _("sign in first")
    return _answer(request, status, body, headers=getattr(exc, "headers", None))


def _validation_detail(exc: ValidationException) -> str:
    extra = exc.extra if isinstance(exc.extra, list) else []
    parts = []
    for item in extra[:5]:
        if isinstance(item, dict):
            where = item.get("key") or item.get("source") or ""
            parts.append(f"{where}: {item.get('message', '')}".strip(": "))
    return "; ".join(parts) or exc.detail or _("invalid input")


def database_error_handler(request: Request, exc: Exception) -> Response:
    """Input a database refuses (a NUL character, an out-of-range number) is bad input."""
    log.info("database refused input on %s %s: %s", request.method, request.url.path, exc)
    return _answer(request, 400, {
        "code": "invalid",
        "detail": _("the database refused this input (%(kind)s)", kind=type(exc).__name__),
    })


def client_fault(exc: BaseException) -> tuple[int, str] | None:
    """Status and detail when an unexpected exception was really caused by the request.

    Some input breaks libraries below the handlers before our validation sees it: a body
    that is not UTF-8, JSON nested deeper than the decoder's recursion limit, a static
    file name longer than the file system allows. Those are the client's fault (4xx), not
    bugs; the exception chain is searched because Litestar wraps some of them.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, UnicodeDecodeError):
            return 400, _("the request is not valid UTF-8")
        if isinstance(current, RecursionError) and "deserializ" in str(current):
            return 400, _("the JSON document is nested too deeply")
        if isinstance(current, OverflowError) and "SQLite" in str(current):
            # PostgreSQL's driver refuses the same number with a DataError (also a 400)
            return 400, _("a number in the request is out of range")
        if isinstance(current, OSError) and current.errno in _MISSING_FILE_ERRNOS:
            return 404, _("there is no such file")
        current = current.__cause__ or current.__context__
    return None


_MISSING_FILE_ERRNOS = {errno.ENAMETOOLONG, errno.ENOTDIR, errno.ELOOP, errno.EINVAL}


def internal_error_handler(request: Request, exc: Exception) -> Response:
    """Last resort: log the bug, answer a calm 500 with no internals.

    Exceptions that :func:`client_fault` recognises as bad input answer 4xx instead.
    """
    fault = client_fault(exc)
    if fault is not None:
        status, detail = fault
        log.info("bad input on %s %s: %r", request.method, request.url.path, exc)
        return _answer(request, status, {"code": HTTP_CODES[status], "detail": detail})
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _answer(request, 500, {
        "code": "server_error",
        "detail": _("an unexpected error happened; it has been logged"),
    })


# -- documenting the error answers in OpenAPI ---------------------------------------------

@dataclass
class ErrorBody:
    """Every JSON error: a stable machine ``code`` and a human ``detail``.

    Some errors add fields: ``errors`` (per-field problems of invalid input), ``conflicts``
    (what a refused write clashes with).
    """

    code: str
    detail: str
    errors: list[dict[str, Any]] | None = None
    conflicts: list[dict[str, Any]] | None = None


ERROR_DESCRIPTIONS = {
    400: "Malformed request: unreadable JSON, wrong types, NUL characters.",
    401: "Not authenticated: send `Authorization: Bearer <token>` (POST /api/v1/auth/token).",
    403: "Authenticated, but this user's roles do not allow it.",
    404: "No such item (or it is hidden from this user).",
    409: "The write clashes with the current state (`conflicts` lists what with).",
    422: "Well-formed but breaks a rule (`detail` says which).",
    429: "Too many attempts; wait a minute.",
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI descriptions of error answers, for a handler's ``responses=``."""
    return {
        status: ResponseSpec(data_container=ErrorBody, generate_examples=False,
                             description=str(ERROR_DESCRIPTIONS.get(status, TITLES.get(status, "Error"))))
        for status in statuses
    }


def document_api_errors(app: Litestar) -> None:
    """Describe the JSON error answers of every documented operation in the OpenAPI schema.

    Each operation gets 400. Under ``/api/`` every operation gets 401 (a wrong or revoked
    bearer token is refused on any of them, guarded or not) and guarded ones 403. An
    operation with parameters or a body gets 404 (a path or query id may name nothing) and
    422 (a domain rule may refuse a value the schema allows: an unknown status, sizes in
    the wrong order); a guarded write gets 409 (it changes shared state). Documented
    operations outside ``/api/`` (the ``.ics`` feeds) answer the same JSON errors
    (:func:`wants_json`). A handler's own ``responses=`` win.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        api = route.path.startswith("/api/")
        for method, (handler, _kwargs) in route.route_handler_map.items():
            if method == "OPTIONS" or not handler.include_in_schema:
                continue
            if not api and not route.path.endswith(JSON_SUFFIXES):
                continue
            statuses = [400]
            guarded = any(not getattr(g, "__name__", "").startswith("plugin_enabled")
                          for g in handler.resolve_guards())
            if api:
                statuses.append(401)
                if guarded:
                    statuses.append(403)
            signature = handler.parsed_fn_signature.parameters
            takes_input = bool(route.path_parameters) or any(
                name not in ("request", "state", "headers", "cookies", "scope")
                for name in signature
            )
            if takes_input:
                statuses += [404, 422]
            if method in WRITE_METHODS and guarded:
                statuses.append(409)
            handler.responses = {**error_responses(*statuses), **(handler.responses or {})}


def complete_options_allow(app: Litestar) -> None:
    """Make ``OPTIONS`` on every path answer ``Allow`` with all of the path's methods.

    Litestar gives a path's first route an ``OPTIONS`` handler that lists that route's
    methods; when handlers of one path are registered separately (``GET`` and ``POST
    /api/v1/events``), the merged route keeps the first handler, so ``Allow`` listed only
    ``GET, OPTIONS``. The handler reads the route it closes over: point it at the merged one.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "OPTIONS" not in route.route_handler_map:
            continue
        fn = getattr(route.route_handler_map["OPTIONS"][0], "fn", None)
        if getattr(fn, "__name__", "") != "options_handler":
            continue  # an application's own OPTIONS handler answers for itself
        for cell in getattr(fn, "__closure__", None) or ():
            if isinstance(cell.cell_contents, HTTPRoute):
                cell.cell_contents = route


# -- NUL characters at the edge -----------------------------------------------------------

# A JSON ``\u0000`` escape that is not itself escaped (an odd run of backslashes before u).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Bytes of the previous body chunk kept so an escape split across chunks is still seen.
_OVERLAP = 16


def has_nul(body: bytes, content_type: str) -> bool:
    if content_type.startswith("multipart/"):
        return False  # uploaded files may hold any byte; their text fields are checked by size
    if b"\x00" in body:
        return True
    if content_type.startswith("application/x-www-form-urlencoded"):
        return b"%00" in body
    if "json" in content_type:
        return _JSON_NUL.search(body) is not None
    return False


def strict_body_type(handler: Any) -> Any:
    """The msgspec ``Struct`` a handler's ``data`` parameter is, or ``None``. Not cached by
    ``id(handler)``: apps built and dropped (as the tests do) free ids that a later
    handler reuses, which gave one route another's body type."""
    field = handler.parsed_fn_signature.parameters.get("data")
    annotation = getattr(field, "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return annotation
    return None


def check_strict_json(body: bytes, target: Any) -> None:
    """Refuse (400) a JSON body that fits ``target`` only by lenient conversion: a number
    for a boolean, a string for a number. Malformed JSON is left to Litestar's answer."""
    try:
        msgspec.json.decode(body, type=target, strict=True)
    except msgspec.ValidationError as exc:
        raise ValidationException(f"invalid body: {exc}",
                                  extra=[{"key": "data", "message": str(exc), "source": "body"}]
                                  ) from None
    except msgspec.DecodeError:
        pass


class EdgeInputMiddleware(ASGIMiddleware):
    """Answer 400 to any HTTP request carrying a NUL character in its path, query string,
    form body or JSON body (raw or as ``%00`` / ``\\u0000``), 400 to a JSON body that fits
    its handler's ``Struct`` only by lenient conversion (:func:`check_strict_json`), and 404
    to an integer path parameter beyond 64 bits (no such row can exist; drivers overflow).

    The check runs after routing and before the handler, so the answer is shaped by the
    app's error handlers (JSON under ``/api/``, a page elsewhere). Bodies are checked as
    they stream in, without buffering them a second time.
    """

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Check the request line now and the body as the handler reads it."""
        raw_path = scope.get("raw_path") or b""
        if (
            "\x00" in scope["path"]
            or b"%00" in raw_path
            or b"%00" in scope.get("query_string", b"")
            or b"\x00" in scope.get("query_string", b"")
        ):
            raise ClientException(_(NUL_DETAIL))
        for value in (scope.get("path_params") or {}).values():
            # No row has an id beyond 64 bits; say so before a driver overflows on it.
            if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
                raise NotFoundException("no such item (the number is out of range)")
        content_type = ""
        for name, header_value in scope.get("headers", ()):
            if name == b"content-type":
                content_type = header_value.decode("latin-1").lower()
                break
        if not content_type or content_type.startswith("multipart/"):
            await next_app(scope, receive, send)
            return
        tail = b""
        handler = scope.get("route_handler")
        strict = (strict_body_type(handler)
                  if handler is not None and "json" in content_type else None)
        whole: list[bytes] = []

        async def checked_receive() -> ReceiveMessage:
            nonlocal tail
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                if has_nul(tail + chunk, content_type):
                    raise ClientException(_(NUL_DETAIL))
                tail = (tail + chunk)[-_OVERLAP:]
                if strict is not None:
                    whole.append(chunk)
                    if not message.get("more_body", False) and any(whole):
                        check_strict_json(b"".join(whole), strict)
            return message

        await next_app(scope, checked_receive, send)
