"""The plugin manager: loading, metadata, registries, scoped hook calls.

The manager is built inside the app factory (and by the CLI), never as a module global:
built-in plugins first, then the ``podium`` entry-point group, then ``check_pending()``.

The rest of Podium never touches ``pm.hook`` directly; it goes through :class:`PluginHost`,
which knows each plugin's metadata and which plugins are enabled for a venue or tournament.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any, Generic, Literal, TypeVar, overload

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from podium.core import hookspecs
from podium.core.i18n import LazyString, english

log = logging.getLogger("podium.plugins")

PROJECT = "podium"
ENTRY_POINT_GROUP = "podium"
PODIUM_VERSION = "0.1.0"
#: Scopes every installation has; domains add kinds below the venue (``podium_scope_kinds``).
BASE_SCOPES = ("global", "venue")
# Plugin names end up in URLs, activation rows (100 characters) and log lines.
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,99}$")

# Hooks that receive a Registry, with the kind of thing each registers. They are filled
# while the host is built, so a duplicate name stops start-up.
REGISTRY_HOOKS: dict[str, str] = {
    "podium_scope_kinds": "scope kind",
    "podium_live_topics": "live topic kind",
    "podium_event_kinds": "event kind",
    "podium_programme_schedulers": "programme scheduler",
    "podium_bracket_formats": "bracket format",
    "podium_ticket_providers": "ticket provider",
    "podium_payment_methods": "payment method",
    "podium_reward_rules": "reward rule",
    "podium_medal_tiers": "medal tier",
}

# Registries whose names only need to be unique within one plugin (two plugins may both
# have a "gold" tier); their entries are keyed "plugin.name".
PER_PLUGIN_REGISTRIES = {"podium_reward_rules", "podium_medal_tiers"}

hookimpl = pluggy.HookimplMarker(PROJECT)

T = TypeVar("T")


class PluginLoadError(RuntimeError):
    """A plugin could not be loaded; the message names the plugin and the reason."""


class DuplicateName(PluginLoadError):
    """Two plugins registered the same unique name (a format, a provider...)."""


@dataclass(frozen=True)
class PluginMeta:
    """What a plugin says about itself; set as ``PODIUM_PLUGIN`` in its module.

    :param name: unique plugin name (letters, digits, ``_`` and ``-``).
    :param version: the plugin's own version.
    :param description: one sentence shown on the admin page, in the reader's language:
        mark it ``gettext_noop("...")`` (or ``N_("...")``) and ship its French in the
        plugin's catalogue (``podium_translation_dirs``); JSON and the CLI keep the English.
    :param scope: the finest level it can be switched at: ``global`` (always on),
        ``venue``, or a scope kind a domain declares (``tournament``...).
    :param podium_requires: a PEP 440 specifier of the Podium versions it works with.
    :param default_enabled: whether it is on where no admin decided otherwise.
    """

    name: str
    version: str = "0.0.0"
    description: str | LazyString = ""
    scope: str = "venue"
    podium_requires: str = ">=0.1"
    default_enabled: bool = True


@dataclass(frozen=True)
class NavItem:
    """One entry of the navigation, contributed by ``podium_nav_items``.

    ``label`` may be a lazy string (``podium.core.i18n.N_("Calendar")``), translated when
    the page is drawn. ``menu`` says where it goes: ``"main"`` (the bar every visitor
    reads) or ``"account"`` (the signed-in person's own pages, under their name: My
    tickets, My matches), so the bar stays one line for people with many roles.
    """

    label: str | LazyString
    href: str
    roles: frozenset[str] = frozenset()
    order: int = 100
    menu: Literal["main", "account"] = "main"


@dataclass(frozen=True)
class ScopeKind:
    """A kind of thing inside a venue that plugins can be switched on or off for,
    declared by the domain that runs it through ``podium_scope_kinds``.

    :param name: the scope's name (``tournament``, ``meet``); ``PluginMeta.scope`` uses it.
    :param label: what people read ("Tournament").
    :param path_param: the route path parameter holding such a thing's id
        (``tournament_id``): a plugin route with it answers 404 where the plugin is off.
    """

    name: str
    label: str | LazyString
    path_param: str


@dataclass
class LoadedPlugin:
    """A plugin registered with the manager, with where it came from."""

    meta: PluginMeta
    module: Any
    source: str  # "builtin", "entrypoint:<dist>", or "test"
    hooks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RegistryHook(Generic[T]):
    """A registry hook's name, typed with what it registers, so that
    ``host.registry(BRACKET_FORMATS)`` is a ``Registry[BracketFormat]`` for the type checker
    (each contract's module declares its key next to the contract)."""

    name: str


#: The typed key of ``podium_scope_kinds``.
SCOPE_KINDS: RegistryHook[ScopeKind] = RegistryHook("podium_scope_kinds")


class Registry(Generic[T]):
    """A set of uniquely named things contributed by plugins (formats, providers...).

    Hooks that receive a registry call :meth:`add`; a second ``add`` of a name already
    present raises :class:`DuplicateName` naming both plugins, which stops start-up.

    With ``per_plugin=True`` a name need only be unique within one plugin: entries are
    keyed ``"plugin.name"`` (plugin names contain no dot), :meth:`by_plugin` lists one
    plugin's entries under their own names.
    """

    def __init__(self, kind: str, *, per_plugin: bool = False) -> None:
        self.kind = kind
        self.per_plugin = per_plugin
        self._items: dict[str, T] = {}
        self._owners: dict[str, str] = {}
        self.current_plugin: str | None = None

    def add(self, name: str, item: T) -> T:
        """Register ``item`` under ``name`` (``plugin.name`` in a per-plugin registry);
        returns ``item``."""
        if self.per_plugin:
            name = f"{self.current_plugin or '?'}.{name}"
        if name in self._items:
            raise DuplicateName(
                f"{self.kind} {name!r} is registered twice: by plugin "
                f"{self._owners[name]!r} and by plugin {self.current_plugin or '?'!r}"
            )
        self._items[name] = item
        self._owners[name] = self.current_plugin or "?"
        return item

    def owner(self, name: str) -> str:
        """The plugin that registered ``name``."""
        return self._owners[name]

    def get(self, name: str) -> T | None:
        """The item named ``name``, or ``None``."""
        return self._items.get(name)

    def __getitem__(self, name: str) -> T:
        return self._items[name]

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, T]]:
        """``(name, item)`` pairs in registration order."""
        return list(self._items.items())

    def names(self) -> list[str]:
        """Registered names in registration order."""
        return list(self._items)

    def by_plugin(self, plugin: str) -> list[tuple[str, T]]:
        """``(name, item)`` pairs one plugin registered, under the names it gave them."""
        prefix = f"{plugin}." if self.per_plugin else ""
        return [(name[len(prefix):], item) for name, item in self._items.items()
                if self._owners[name] == plugin]

    def enabled(self, plugins: Iterable[str]) -> list[tuple[str, T]]:
        """``(name, item)`` pairs contributed by the plugins in ``plugins`` (an enabled set)."""
        allowed = set(plugins)
        return [(name, item) for name, item in self._items.items() if self._owners[name] in allowed]


async def gather_results(results: Iterable[Any]) -> list[Any]:
    """Await the awaitable results of a collected hook call, in order."""
    out = []
    for result in results:
        if inspect.isawaitable(result):
            result = await result
        out.append(result)
    return out


def flatten(results: Iterable[Any]) -> list[Any]:
    """Flatten a collected hook's list-of-lists, skipping ``None`` answers."""
    out: list[Any] = []
    for result in results:
        if result is None:
            continue
        if isinstance(result, (list, tuple, set, frozenset)):
            out.extend(result)
        else:
            out.append(result)
    return out


def _meta_of(obj: Any, origin: str) -> PluginMeta:
    """Read and check a plugin's ``PODIUM_PLUGIN`` metadata; errors name the plugin."""
    meta = getattr(obj, "PODIUM_PLUGIN", None)
    if not isinstance(meta, PluginMeta):
        raise PluginLoadError(
            f"plugin {origin}: module {getattr(obj, '__name__', obj)!r} has no PODIUM_PLUGIN "
            "= podium.core.PluginMeta(...)"
        )
    if not isinstance(meta.name, str) or not NAME_PATTERN.match(meta.name):
        raise PluginLoadError(
            f"plugin {meta.name!r} ({origin}): a name must start with a letter and use only "
            "letters, digits, '_' and '-' (at most 100 characters)"
        )
    if not isinstance(meta.scope, str) or not NAME_PATTERN.match(meta.scope):
        raise PluginLoadError(f"plugin {meta.name!r}: scope {meta.scope!r} is not a scope name")
    try:
        spec = SpecifierSet(meta.podium_requires)
    except InvalidSpecifier as exc:
        raise PluginLoadError(
            f"plugin {meta.name!r}: podium_requires {meta.podium_requires!r} is not a valid "
            f"version specifier"
        ) from exc
    if Version(PODIUM_VERSION) not in spec:
        raise PluginLoadError(
            f"plugin {meta.name!r} {meta.version} requires Podium {meta.podium_requires}, "
            f"this is Podium {PODIUM_VERSION}"
        )
    return meta


class PluginHost:
    """The typed facade over the pluggy manager that the rest of Podium uses.

    Nothing outside this module calls ``pm.hook`` directly: global hooks go through
    :meth:`call` / :meth:`acall`, venue- and tournament-scoped hooks through
    :meth:`call_for` / :meth:`acall_for` with the set of plugins enabled there, and
    registry hooks through :meth:`registry`.
    """

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self.plugins: dict[str, LoadedPlugin] = {}
        self.blocked: set[str] = set()
        self.tracing = False
        self._registries: dict[str, Registry[Any]] = {}

    # -- loading ---------------------------------------------------------------------

    def register(self, obj: Any, source: str) -> LoadedPlugin:
        """Register one plugin module or object, checking its metadata and hooks.

        :raises PluginLoadError: naming the plugin when its metadata is invalid, its name is
            taken, or a hook implementation does not match its specification.
        """
        meta = _meta_of(obj, source)
        if meta.name in self.plugins:
            raise PluginLoadError(
                f"plugin name {meta.name!r} is used twice ({self.plugins[meta.name].source} "
                f"and {source})"
            )
        if self.pm.is_blocked(meta.name):
            self.blocked.add(meta.name)
            log.info("plugin %s is disabled by PODIUM_DISABLE_PLUGINS", meta.name)
            return LoadedPlugin(meta, obj, source)
        try:
            self.pm.register(obj, name=meta.name)
        except Exception as exc:  # pluggy validates hook names and signatures here
            raise PluginLoadError(f"plugin {meta.name!r} ({source}) is invalid: {exc}") from exc
        unknown = _unknown_hooks(obj, self.pm)
        if unknown:
            self.pm.unregister(name=meta.name)
            raise PluginLoadError(
                f"plugin {meta.name!r} ({source}) implements unknown hooks: {', '.join(unknown)}"
            )
        loaded = LoadedPlugin(meta, obj, source)
        loaded.hooks = sorted(caller.name for caller in self.pm.get_hookcallers(obj) or [])
        self.plugins[meta.name] = loaded
        self._registries.clear()
        return loaded

    def unregister(self, name: str) -> None:
        """Remove a plugin (used by ``podium.core.testing`` for temporary registration)."""
        loaded = self.plugins.pop(name, None)
        if loaded is not None:
            self.pm.unregister(name=name)
            self._registries.clear()

    @contextlib.contextmanager
    def temporarily(self, obj: Any, source: str = "test") -> Iterator[LoadedPlugin]:
        """Register ``obj`` for the duration of a ``with`` block (tests).

        Hooks called at request time (notifications, validation, nav items, page slots)
        see it at once; hooks read when the app is built (routes, templates, static
        folders) do not — pass such plugins to ``podium_app_factory(extra=[...])``.
        """
        loaded = self.register(obj, source)
        try:
            yield loaded
        finally:
            self.unregister(loaded.meta.name)

    # -- introspection ---------------------------------------------------------------

    def meta(self, name: str) -> PluginMeta:
        """The metadata of a loaded plugin."""
        return self.plugins[name].meta

    def names(self) -> list[str]:
        """Names of the loaded (not blocked) plugins, in load order."""
        return list(self.plugins)

    def switchable(self) -> list[LoadedPlugin]:
        """Plugins an admin may switch on or off (scope ``venue`` or ``tournament``)."""
        return [p for p in self.plugins.values() if p.meta.scope != "global"]

    def always_enabled(self) -> set[str]:
        """Names of the ``global`` plugins, which every scope reaches."""
        return {name for name, p in self.plugins.items() if p.meta.scope == "global"}

    def owner_of(self, module_name: str) -> str | None:
        """The plugin whose module (or a sub-module of it) is ``module_name``."""
        for name, loaded in self.plugins.items():
            base = getattr(loaded.module, "__name__", None)
            if base and (module_name == base or module_name.startswith(base + ".")):
                return name
        return None

    # -- calling ---------------------------------------------------------------------

    def call(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call a global-scope hook on every loaded plugin; results in plugin order.

        pluggy calls implementations last-registered first; Podium reverses that so
        results follow load order (built-ins, then entry points, then test extras).
        """
        return list(reversed(getattr(self.pm.hook, hook_name)(**kwargs)))

    async def acall(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """:meth:`call`, awaiting the awaitable results."""
        return await gather_results(self.call(hook_name, **kwargs))

    def call_for(self, enabled: Iterable[str], hook_name: str, **kwargs: Any) -> list[Any]:
        """Call a hook on the plugins in ``enabled`` only (a venue or tournament scope).

        ``global`` plugins are always reached. Uses pluggy's ``subset_hook_caller``, so a
        disabled plugin's implementation is never invoked.
        """
        enabled = set(enabled)
        removed = [
            self.pm.get_plugin(name)
            for name, loaded in self.plugins.items()
            if name not in enabled and loaded.meta.scope != "global"
        ]
        caller = self.pm.subset_hook_caller(hook_name, remove_plugins=removed)
        return list(reversed(caller(**kwargs)))

    async def acall_for(self, enabled: Iterable[str], hook_name: str, **kwargs: Any) -> list[Any]:
        """:meth:`call_for`, awaiting the awaitable results."""
        return await gather_results(self.call_for(enabled, hook_name, **kwargs))

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call a global hook plugin by plugin: ``(plugin name, result)`` in load order, for
        callers that must know who contributed what (routes gated per plugin, static
        mounts claimed twice)."""
        caller = getattr(self.pm.hook, hook_name)
        out = []
        for impl in caller.get_hookimpls():  # registration (load) order
            out.append((impl.plugin_name,
                        impl.function(*[kwargs[arg] for arg in impl.argnames])))
        return out

    def implementers(self, hook_name: str) -> list[str]:
        """Names of the loaded plugins implementing ``hook_name``, in load order."""
        caller = getattr(self.pm.hook, hook_name, None)
        if caller is None:
            return []
        names = {impl.plugin_name for impl in caller.get_hookimpls()}
        return [name for name in self.plugins if name in names]

    def call_one(self, plugin: str, hook_name: str, **kwargs: Any) -> Any:
        """Call one plugin's implementation of a hook (the outbox tells each plugin apart,
        so one that raises is retried alone); ``None`` if it implements none."""
        caller = getattr(self.pm.hook, hook_name)
        for impl in caller.get_hookimpls():
            if impl.plugin_name == plugin:
                if self.tracing:
                    logging.getLogger("podium.plugins.trace").info(
                        "%s [one] plugin=%s", hook_name, plugin)
                return impl.function(*[kwargs[arg] for arg in impl.argnames])
        return None

    async def acall_one(self, plugin: str, hook_name: str, **kwargs: Any) -> Any:
        """:meth:`call_one`, awaiting an awaitable result."""
        return (await gather_results([self.call_one(plugin, hook_name, **kwargs)]))[0]

    def fill_registry(self, hook_name: str, registry: Registry[Any]) -> Registry[Any]:
        """Call a registry hook plugin by plugin, so duplicates name both owners.

        :raises DuplicateName: when two plugins register the same name.
        """
        hook = getattr(self.pm.hook, hook_name)
        trace = logging.getLogger("podium.plugins.trace") if self.tracing else None
        # get_hookimpls() lists implementations in registration order.
        for impl in hook.get_hookimpls():
            registry.current_plugin = impl.plugin_name
            if trace is not None:
                trace.info("%s [registry] plugin=%s", hook_name, impl.plugin_name)
            try:
                impl.function(registry=registry)
            finally:
                registry.current_plugin = None
        return registry

    @overload
    def registry(self, hook: RegistryHook[T]) -> Registry[T]: ...

    @overload
    def registry(self, hook: str) -> Registry[Any]: ...

    def registry(self, hook: RegistryHook[T] | str) -> Registry[T] | Registry[Any]:
        """The filled registry of a registry hook, cached: pass the contract's typed key
        (``BRACKET_FORMATS``, ``PAYMENT_METHODS``...) or the hook's name.

        Filter it with :meth:`Registry.enabled` for a venue or a scope below it.
        """
        hook_name = hook.name if isinstance(hook, RegistryHook) else hook
        if hook_name not in REGISTRY_HOOKS:
            raise KeyError(f"{hook_name!r} is not a registry hook")
        if hook_name not in self._registries:
            self._registries[hook_name] = self.fill_registry(
                hook_name, Registry(REGISTRY_HOOKS[hook_name],
                                    per_plugin=hook_name in PER_PLUGIN_REGISTRIES)
            )
        return self._registries[hook_name]

    def fill_all_registries(self) -> None:
        """Fill every registry hook now, so a duplicate name stops start-up."""
        for hook_name in REGISTRY_HOOKS:
            self.registry(hook_name)

    def scope_kinds(self) -> Registry[ScopeKind]:
        """The scope kinds below the venue that loaded domains declared."""
        return self.registry(SCOPE_KINDS)

    def scope_kind(self, name: str) -> ScopeKind | None:
        """The declared scope kind ``name`` (``None`` for ``global``, ``venue`` or unknown)."""
        return self.scope_kinds().get(name)

    def check_scopes(self) -> None:
        """Every plugin's scope is ``global``, ``venue`` or a declared scope kind.

        :raises PluginLoadError: naming the plugin and the scopes there are.
        """
        kinds = self.scope_kinds()
        for name, loaded in self.plugins.items():
            if loaded.meta.scope not in BASE_SCOPES and loaded.meta.scope not in kinds:
                known = ", ".join([*BASE_SCOPES, *kinds.names()])
                raise PluginLoadError(
                    f"plugin {name!r}: scope must be one of {known}, got {loaded.meta.scope!r}"
                    " (a scope below the venue is declared by its domain's plugin)")

    def describe(self) -> list[dict[str, Any]]:
        """Plain data about every loaded plugin (for ``podium plugins`` and the JSON view)."""
        return [
            {
                "name": p.meta.name,
                "version": p.meta.version,
                "description": english(p.meta.description),
                "scope": p.meta.scope,
                "default_enabled": p.meta.default_enabled,
                "source": p.source,
                "hooks": p.hooks,
            }
            for p in self.plugins.values()
        ]


def _unknown_hooks(obj: Any, pm: pluggy.PluginManager) -> list[str]:
    """Hook implementations of ``obj`` that no specification declares (typos)."""
    unknown = []
    for attr in dir(obj):
        if not attr.startswith("podium_"):
            continue
        if pm.parse_hookimpl_opts(obj, attr) is None:
            continue
        caller = getattr(pm.hook, attr, None)
        if caller is None or caller.spec is None:
            unknown.append(attr)
    return sorted(unknown)


def _import(dotted: str) -> ModuleType:
    return importlib.import_module(dotted)


def build_plugin_host(
    *,
    builtin: Iterable[str] = (),
    use_entry_points: bool = True,
    only: Iterable[str] | None = None,
    extra: Iterable[Any] = (),
    disabled: Iterable[str] = (),
    trace: bool = False,
    skip_broken: bool = False,
) -> PluginHost:
    """Build the plugin manager.

    :param builtin: dotted module names of the built-in plugins, loaded first.
    :param use_entry_points: also load the ``podium`` entry-point group.
    :param only: if given, keep only plugins with these names, and the built-in domains
        (``podium.core.testing``).
    :param extra: plugin objects registered last (temporary registration in tests).
    :param disabled: plugin names blocked outright (``PODIUM_DISABLE_PLUGINS``).
    :param trace: write every hook call to the ``podium.plugins.trace`` logger.
    :param skip_broken: log and skip an entry-point plugin that fails to load instead of
        stopping start-up.
    :raises PluginLoadError: naming the plugin that failed.
    """
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in disabled:
        pm.set_blocked(name)
    host = PluginHost(pm)
    wanted = set(only) if only is not None else None

    def keep(obj: Any, builtin: bool = False) -> bool:
        meta = getattr(obj, "PODIUM_PLUGIN", None)
        if wanted is None or not isinstance(meta, PluginMeta):
            return wanted is None
        # The domains (built-in and global: the venue, tournaments...) are the platform
        # itself; `only` chooses among the plugins that extend them.
        return meta.name in wanted or (builtin and meta.scope == "global")

    for dotted in builtin:
        try:
            module = _import(dotted)
        except Exception as exc:
            raise PluginLoadError(f"built-in plugin {dotted!r} failed to import: {exc}") from exc
        if keep(module, builtin=True):
            host.register(module, "builtin")

    if use_entry_points:
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist else "?"
            try:
                obj = ep.load()
                if keep(obj):
                    host.register(obj, f"entrypoint:{dist}")
            except Exception as exc:
                message = (
                    f"plugin {ep.name!r} (entry point {ep.value!r} of distribution {dist!r}) "
                    f"failed to load: {exc}"
                )
                if skip_broken:
                    log.error("%s; skipped because PODIUM_SKIP_BROKEN_PLUGINS is set", message)
                    continue
                raise PluginLoadError(message) from exc

    for obj in extra:
        host.register(obj, "test")

    if wanted is not None:
        missing = wanted - set(host.plugins) - host.blocked
        if missing:
            raise PluginLoadError(
                f"no plugin named {', '.join(sorted(missing))} was found "
                f"(loaded: {', '.join(host.plugins) or 'none'})"
            )

    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        # pluggy's error carries the plugin object; its name is the one it was registered under.
        raise PluginLoadError(f"plugin {pm.get_name(exc.plugin)!r}: {exc}") from exc

    if trace:
        tracer = logging.getLogger("podium.plugins.trace")
        pm.trace.root.setwriter(lambda text: tracer.info(text.rstrip()))
        pm.enable_tracing()
        host.tracing = True
    host.fill_all_registries()
    host.check_scopes()
    return host
