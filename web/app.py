"""The Litestar application factory: ``podium.web.app:create_app``.

It builds the plugin manager, assembles core, domain and plugin routes, templates and
static folders, and wires Litestar's own sessions, CSRF, rate limiting, OpenAPI, Channels
and htmx support.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Router
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.registry import StoreRegistry
from litestar.template.config import TemplateConfig
from litestar.types import ExceptionHandlersMap

from podium.core.accounts.auth import PodiumAuthMiddleware
from podium.core.accounts.routes import login_rate_limit
from podium.core.accounts.sessions import PodiumSessionConfig
from podium.core.activation.service import (
    cache_enabled_sets,
    cached_for_request,
    enabled_for_request,
)
from podium.core.database import lifespan_pool
from podium.core import i18n
from podium.core.errors import PodiumError
from podium.core.events import ScopeRef
from podium.core.i18n import _
from podium.core.outbox.dispatcher import Dispatcher, LiveMessage
from podium.core.page_cache import (
    ACTIVATION,
    ACTIVATION_VERSION_KEY,
    CACHED_ATTR,
    NO_NAV_ATTR,
    page_cache_for,
)
from podium.core.page_cache import STATE_KEY as PAGE_CACHE_KEY
from podium.core.page_cache import MemoryVersions, PageCache, RedisVersions, Versions
from podium.core.plugins import NavItem, PluginHost, PluginLoadError, flatten, gather_results
from podium.core.settings import Settings, load_settings
from podium.ticketing import labels as ticketing_labels
from podium.tournaments import labels as tournament_labels
from podium.web import errors
from podium.web.assembly import make_plugin_host
from podium.web.middleware import ReadTransactionMiddleware
from podium.web.page_lane import AnonymousPageLane
from podium.web.security import EdgeMiddleware, PodiumSwaggerPlugin, csrf_middleware
from podium.web.sse import listening_locales, localized_topic, publish
from podium.web.i18n import LocaleMiddleware
from podium.web.templating import WEB_DIR, build_environment, core_translation_dirs

log = logging.getLogger("podium.web")

STATIC_DIR = WEB_DIR / "static"
SWAGGER_UI = "/static/vendor/swagger-ui-5.35.0"
SESSION_EXCLUDE = ["^/static/", "^/api/", "^/healthz", "^/schema"]
CSRF_EXCLUDE = ["^/api/", "^/healthz", "^/-/events", "^/static/", "^/schema"]
# Pages that do not need the navigation computed (no HTML layout).
NAV_SKIP_PREFIXES = ("/static/", "/api/", "/healthz", "/schema", "/-/")


def _stores(settings: Settings) -> StoreRegistry:
    """Sessions and rate-limit counters live in Redis when configured, else in the database."""
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        root = RedisStore.with_client(url=settings.redis_url, namespace="podium")
        return StoreRegistry(default_factory=root.with_namespace)
    from podium.core.accounts.store import DatabaseStore

    root_db = DatabaseStore()
    return StoreRegistry(default_factory=root_db.with_namespace)


def channels_plugin(settings: Settings) -> ChannelsPlugin:
    """Litestar Channels: in memory for one worker, Redis pub/sub when several share it."""
    if settings.redis_url:
        from litestar.channels.backends.redis import RedisChannelsPubSubBackend
        from redis.asyncio import Redis

        backend: Any = RedisChannelsPubSubBackend(redis=Redis.from_url(settings.redis_url))
    else:
        backend = MemoryChannelsBackend()
    return ChannelsPlugin(
        backend=backend,
        arbitrary_channels_allowed=True,
        subscriber_max_backlog=1000,
        subscriber_backlog_strategy="dropleft",
    )


def page_cache(settings: Settings) -> PageCache:
    """The page cache: versions in Redis when configured (several workers), else in memory."""
    versions: Versions = RedisVersions(settings.redis_url) if settings.redis_url else MemoryVersions()
    return PageCache(versions)


def _plugin_gate(host: PluginHost, plugin_name: str) -> Any:
    """A guard that makes a plugin's pages answer 404 while it is disabled for the venue,
    or, for a plugin whose scope is a kind below the venue (a tournament...), on a route
    with that kind's path parameter, for that one thing."""
    kind = host.scope_kind(host.meta(plugin_name).scope)

    async def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
        scope = None
        if kind is not None:
            raw = connection.path_params.get(kind.path_param)
            if isinstance(raw, str):
                raw = int(raw) if raw.isdigit() else None
            if isinstance(raw, int):
                scope = ScopeRef(kind.name, raw)
        if plugin_name not in await enabled_for_request(connection, scope):
            raise NotFoundException(_("plugin %(plugin_name)s is not enabled here", plugin_name=f"{plugin_name!r}"))

    guard.__name__ = f"plugin_enabled({plugin_name})"
    return guard


def plugin_routers(host: PluginHost) -> list[Router]:
    """One router per plugin that contributes routes, gated unless the plugin is global."""
    routers = []
    for name, result in host.call_each("podium_routes"):
        handlers = flatten([result])
        if not handlers:
            continue
        guards = [] if host.meta(name).scope == "global" else [_plugin_gate(host, name)]
        routers.append(Router(path="/", route_handlers=handlers, guards=guards))
    return routers


def _static_routers(host: PluginHost) -> list[Any]:
    routers = [create_static_files_router(path="/static", directories=[STATIC_DIR],
                                          name="static", include_in_schema=False)]
    mounts: dict[str, str] = {}
    for plugin, result in host.call_each("podium_static_dirs"):
        for mount, folder in (result or {}).items():
            if mount in mounts:
                raise PluginLoadError(
                    f"static mount {mount!r} is claimed by plugins {mounts[mount]!r} and "
                    f"{plugin!r}"
                )
            mounts[mount] = plugin
            routers.append(create_static_files_router(
                path=f"/static/{mount}", directories=[Path(folder)],
                name=f"static-{mount}", include_in_schema=False))
    return routers


def core_route_handlers() -> list[Any]:
    """Route handlers of the shell and of core's rooms."""
    from podium.core.accounts.routes import ROUTES as account_routes
    from podium.core.activation.routes import ROUTES as activation_routes
    from podium.core.venue.routes import ROUTES as venue_routes
    from podium.web.routes import ROUTES as shell_routes
    from podium.web.sse import ROUTES as sse_routes

    return [*shell_routes, *account_routes, *activation_routes, *venue_routes, *sse_routes]


async def _nav_items(request: Request) -> None:
    """Compute the navigation once per page request (venue-scoped plugin items included)."""
    path = request.scope["path"]
    if path.startswith(NAV_SKIP_PREFIXES):
        return
    if getattr(getattr(request.route_handler, "fn", None), NO_NAV_ATTR, False):
        return  # a fragment: no layout, no navigation (and no activation query)
    host: PluginHost = request.app.state.plugin_host
    user = request.scope.get("user")
    if user is None and getattr(getattr(request.route_handler, "fn", None), CACHED_ATTR, False):
        # The anonymous lane keeps this page under the switch counter read *before* the
        # enabled plugins are (a switch in between then re-renders rather than leaving a
        # stale navigation).
        (version,) = await page_cache_for(request.app).versions.get((ACTIVATION,))
        request.scope[ACTIVATION_VERSION_KEY] = version  # type: ignore[literal-required]  # a plain dict
    enabled = await enabled_for_request(request)  # shared with a plugin route's gate
    items: list[NavItem] = flatten(await host.acall_for(enabled, "podium_nav_items", user=user))
    visible = [
        item for item in items
        if not item.roles or (user is not None and user.has_role(*item.roles))
    ]
    # An extra key of the ASGI scope (a plain dict); pages.render and the error pages read it.
    request.scope["podium_nav"] = sorted(  # type: ignore[typeddict-unknown-key]
        visible, key=lambda i: (i.order, str(i.label))  # labels may be lazy (translated)
    )


def create_app(
    settings: Settings | None = None,
    *,
    plugin_host: PluginHost | None = None,
    debug: bool = False,
) -> Litestar:
    """Build the Podium application.

    :param settings: the configuration (read from the environment when omitted).
    :param plugin_host: a ready plugin host (``podium.core.testing`` passes one with only
        the plugins a test names); built from built-ins and entry points when omitted.
    """
    settings = settings or load_settings()
    host = plugin_host or make_plugin_host(settings)

    template_dirs = [Path(p) for p in flatten(host.call("podium_template_dirs"))]
    env = build_environment(template_dirs)
    # One merged catalogue per locale: the shell's and core rooms', then each plugin's.
    i18n.load_catalogues([*core_translation_dirs(),
                          *(Path(p) for p in flatten(host.call("podium_translation_dirs")))])
    i18n.set_default_timezone(settings.timezone)
    env.globals["page_slots"] = _page_slots_global(host)
    env.globals["format_label"] = _format_label_global(host)
    env.globals.update(tournament_status_label=tournament_labels.status_label,
                       tournament_standing_label=tournament_labels.standing_label,
                       tournament_member_label=tournament_labels.member_label,
                       tournament_source_label=tournament_labels.source_label,
                       order_status_label=ticketing_labels.order_status_label,
                       ticket_status_label=ticketing_labels.ticket_status_label)
    env.globals["settings"] = settings
    channels = channels_plugin(settings)

    async def publish_live(message: LiveMessage) -> None:
        topics = message.topics if message.locale is None else tuple(
            localized_topic(t, message.locale) for t in message.topics)
        await publish(channels, topics, message.event, message.data)

    async def live_locales(topics: set[str]) -> set[str]:
        return await listening_locales(channels, topics)

    def render(template: str, context: Mapping[str, Any]) -> str:
        return env.get_template(template).render(**context)

    pages = page_cache(settings)

    async def switch_counter() -> int:
        return (await pages.versions.get((ACTIVATION,)))[0]

    cache_enabled_sets(host, switch_counter)  # plugin switches bump the counter
    outbox = Dispatcher(host, publish=publish_live, render=render,
                        before_live=pages.invalidate, listening_locales=live_locales)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with lifespan_pool(app):
            from podium.core.venue.service import default_venue_id

            app.state.venue_id = await default_venue_id()
            pages.start()  # with Redis: mirror the page versions, announced by every worker
            await gather_results(host.call("podium_startup", app=app))
            outbox.start()  # after start-up: plugins may warm what their hooks need
            try:
                yield
            finally:
                await outbox.stop()
                await gather_results(host.call("podium_shutdown", app=app))
                await pages.close()

    route_handlers = [
        *core_route_handlers(),
        *plugin_routers(host),
        *_static_routers(host),
    ]
    session_config = PodiumSessionConfig(
        store="sessions",
        key="podium_session",
        max_age=settings.session_max_age,
        secure=settings.production,
        samesite="lax",
        httponly=True,
        exclude=SESSION_EXCLUDE,
    )
    csrf_config = CSRFConfig(
        secret=settings.secret_key,
        cookie_name="podium_csrf",
        header_name="x-csrftoken",
        cookie_secure=settings.production,
        cookie_samesite="lax",
        exclude=CSRF_EXCLUDE,
    )
    auth_mw = DefineMiddleware(PodiumAuthMiddleware, exclude=["^/static/", "^/healthz", "^/schema"])

    app = Litestar(
        route_handlers=route_handlers,
        plugins=[HTMXPlugin(), channels],  # HTMXPlugin first: it replaces the signature types the others add to
        middleware=[
            errors.EdgeInputMiddleware(),  # before anything stores or looks up input
            session_config.middleware,
            ReadTransactionMiddleware(),  # inside sessions: the session write stays outside
            auth_mw,
            login_rate_limit(settings.login_rate_per_minute).middleware,
            # Innermost: it reads the session id after the auth middleware's rotation.
            csrf_middleware(csrf_config),
        ],
        before_request=_nav_items,
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(env)),
        openapi_config=OpenAPIConfig(
            title="Podium API",
            version="1.0.0",
            description="Podium's public JSON API (v1). Authenticate with POST /api/v1/auth/token.",
            path="/schema",
            render_plugins=[
                # Served from our own static files: venues have bad networks (no CDN).
                PodiumSwaggerPlugin(assets=SWAGGER_UI, init_js="/static/swagger-init.js")
            ],
        ),
        stores=_stores(settings),
        exception_handlers={
            PodiumError: errors.podium_error_handler,
            HTTPException: errors.http_error_handler,
            **_database_error_handlers(),
            Exception: errors.internal_error_handler,
        },
        lifespan=[lifespan],
        debug=debug,
    )
    errors.document_api_errors(app)  # error answers in the OpenAPI schema
    errors.complete_options_allow(app)  # OPTIONS lists every method of a path
    # Before routing (Litestar's middleware runs after it): the client address that the
    # rate limiter reads, HEAD on GET routes, and headers on every answer, 404s included.
    # The locale too, so that 404 pages speak the visitor's language.
    # Inside the locale: anonymous requests for pages already rendered are answered there.
    lane = AnonymousPageLane(app.asgi_handler, pages, session_cookie=session_config.key,
                             csrf=csrf_config)
    app.asgi_handler = EdgeMiddleware(LocaleMiddleware(lane), settings)
    app.state.settings = settings
    app.state.plugin_host = host
    app.state.channels = channels
    app.state.outbox = outbox
    app.state[PAGE_CACHE_KEY] = pages
    app.state.venue_id = None
    return app


def _database_error_handlers() -> ExceptionHandlersMap:
    """Map database rejections of input (e.g. NUL bytes on PostgreSQL) to a 400."""
    import asyncpg

    return {
        asyncpg.exceptions.DataError: errors.database_error_handler,
        asyncpg.exceptions.CharacterNotInRepertoireError: errors.database_error_handler,
        asyncpg.exceptions.UntranslatableCharacterError: errors.database_error_handler,
    }


def _format_label_global(host: PluginHost) -> Callable[[str], str]:
    """``format_label(name)`` in templates: a bracket format's label in the page's language
    (its plugin marks it, its catalogue translates it); an unknown name reads as itself."""
    from podium.core.i18n import gettext
    from podium.tournaments.formats import formats

    def format_label(name: str) -> str:
        fmt = formats(host).get(name)
        label = getattr(fmt, "label", "") if fmt is not None else ""
        return gettext(label) if label else str(name).replace("_", " ")

    return format_label


def _page_slots_global(host: PluginHost):
    """``page_slots(name, context)`` in templates: fragments from ``podium_page_slots``."""
    from markupsafe import Markup

    def page_slots(slot: str, context: dict[str, Any] | None = None) -> Markup:
        context = context or {}
        enabled = context.get("enabled_plugins")
        request = context.get("request")
        if enabled is None and request is not None:
            enabled = cached_for_request(request)
        # Without a known enabled set only global plugins answer: a plugin switched off
        # for the venue must never leak into a page.
        if enabled is None:
            enabled = host.always_enabled()
        results = host.call_for(enabled, "podium_page_slots", slot=slot, context=context)
        return Markup("\n".join(str(f) for f in flatten(results)))

    return page_slots
