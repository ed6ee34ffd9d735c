"""Rendering pages: the full page for a browser, the content block for an htmx request.

Rooms call :func:`render`; the shell (``podium.web``) owns the Jinja2 environment.
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Template


def is_partial_request(request: Request[Any, Any, Any]) -> bool:
    """True for an htmx request that wants only the changed part of the page."""
    headers = request.headers
    return headers.get("hx-request") == "true" and headers.get("hx-boosted") != "true"


def render(
    request: Request[Any, Any, Any],
    template_name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    partial: bool | None = None,
) -> Template:
    """Render a page: its content block alone for an htmx request, the full page otherwise.

    Every page template starts with ``{% extends layout %}``; ``layout`` is
    ``partial.html`` (the content block only) or ``base.html`` (navigation and all).
    """
    want_partial = is_partial_request(request) if partial is None else partial
    ctx = dict(context or {})
    ctx.setdefault("layout", "partial.html" if want_partial else "base.html")
    ctx.setdefault("user", request.scope.get("user"))
    ctx.setdefault("request", request)
    ctx.setdefault("nav", request.scope.get("podium_nav", []))
    # Always HTML: a handler annotated ``-> Any`` (a form POST that may redirect) would
    # otherwise label a re-rendered form (422) as application/json.
    if want_partial:
        return HTMXTemplate(template_name=template_name, context=ctx, status_code=status_code,
                            media_type=MediaType.HTML)
    return Template(template_name=template_name, context=ctx, status_code=status_code,
                    media_type=MediaType.HTML)
