"""The plugin manager: load order, metadata checks, broken plugins, blocking, tracing,
registries, async implementations and scoped calls. No database needed."""

from __future__ import annotations

import logging
import sys
import types

import pytest

from podium.core import PluginMeta, Registry, hookimpl
from podium.core.plugins import (
    DuplicateName,
    PluginLoadError,
    build_plugin_host,
    flatten,
    gather_results,
)
from podium.core.events import (
    EventsChanged,
    PointsAward,
    PointsAwarded,
)
from podium.core.testing import make_plugin, plugin_host

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

DOMAINS = {"venue", "tournaments", "ticketing", "ledger"}  # built-in global plugins: loaded whatever `only` says


class FakeDist:
    """The ``dist`` of a fake entry point."""

    def __init__(self, name: str) -> None:
        self.name = name


class FakeEntryPoint:
    """Stands in for an ``importlib.metadata.EntryPoint`` of the ``podium`` group."""

    def __init__(self, name: str, target: object, dist: str = "podium-fake") -> None:
        self.name = name
        self.value = f"{dist.replace('-', '_')}:plugin"
        self.dist = FakeDist(dist)
        self._target = target

    def load(self) -> object:
        if isinstance(self._target, Exception):
            raise self._target
        return self._target


@pytest.fixture
def fake_entry_points(monkeypatch):
    """Replace the installed ``podium`` entry points with the given fakes."""

    def install(*eps: FakeEntryPoint) -> None:
        monkeypatch.setattr(
            "podium.core.plugins.entry_points",
            lambda group: list(eps) if group == "podium" else [],
        )

    return install


def third_party(host) -> list[str]:
    """Names of the plugins a host loaded through entry points (built-ins vary)."""
    return [name for name, p in host.plugins.items() if p.source.startswith("entrypoint:")]


def builtin_module(monkeypatch, dotted: str, plugin: types.ModuleType) -> str:
    """Make ``plugin`` importable as ``dotted`` (a fake built-in plugin)."""
    monkeypatch.setitem(sys.modules, dotted, plugin)
    return dotted


def test_builtins_then_entry_points_then_extras(monkeypatch, fake_entry_points):
    calls = []
    built = builtin_module(
        monkeypatch, "podium_fake_builtin",
        make_plugin("builtin_one", podium_routes=lambda: calls.append("builtin") or []),
    )
    fake_entry_points(
        FakeEntryPoint("zeta", make_plugin("third_z", podium_routes=lambda: calls.append("z") or [])),
        FakeEntryPoint("alpha", make_plugin("third_a", podium_routes=lambda: calls.append("a") or [])),
    )
    extra = make_plugin("extra", podium_routes=lambda: calls.append("extra") or [])
    host = build_plugin_host(builtin=[built], extra=[extra])
    assert host.names() == ["builtin_one", "third_a", "third_z", "extra"]
    assert [p.source for p in host.plugins.values()] == [
        "builtin", "entrypoint:podium-fake", "entrypoint:podium-fake", "test",
    ]
    host.call("podium_routes")
    # Results (and the order they come back in) follow load order.
    assert sorted(calls) == sorted(["builtin", "a", "z", "extra"])
    assert host.call("podium_routes") == [[], [], [], []]


def test_results_follow_load_order():
    first = make_plugin("first", podium_page_slots=lambda slot: ["<p>1</p>"])
    second = make_plugin("second", podium_page_slots=lambda slot: ["<p>2</p>"])
    host = plugin_host(extra=[first, second])
    assert flatten(host.call("podium_page_slots", slot="x", context={})) == ["<p>1</p>", "<p>2</p>"]


@pytest.mark.parametrize(
    "meta, message",
    [
        (PluginMeta(name="badscope", scope="planet"), "scope must be one of"),
        (PluginMeta(name="future", version="2.0", podium_requires=">=9.0"),
         "'future' 2.0 requires Podium >=9.0"),
        (PluginMeta(name="garbled", podium_requires="not a version"), "not a valid version"),
        (PluginMeta(name="bad name!"), "a name must start with a letter"),
        (PluginMeta(name="x" * 101), "at most 100 characters"),
    ],
)
def test_metadata_is_checked_at_start_up(meta, message):
    plugin = types.ModuleType("podium_test_meta")
    plugin.PODIUM_PLUGIN = meta
    with pytest.raises(PluginLoadError, match=message) as err:
        plugin_host(extra=[plugin])
    assert repr(meta.name)[:20] in str(err.value)


def test_module_without_metadata_is_named():
    plugin = types.ModuleType("podium_nometa")
    with pytest.raises(PluginLoadError, match="podium_nometa.*has no PODIUM_PLUGIN"):
        plugin_host(extra=[plugin])


def test_bad_hook_signature_and_unknown_hook_are_named():
    wrong = make_plugin("wrongargs", podium_nav_items=lambda viewer: [])
    with pytest.raises(PluginLoadError, match="plugin 'wrongargs'"):
        plugin_host(extra=[wrong])
    typo = make_plugin("typo")
    typo.podium_rootes = hookimpl(lambda: [])
    with pytest.raises(PluginLoadError, match="'typo'.*unknown hooks: podium_rootes"):
        plugin_host(extra=[typo])


def test_broken_entry_point_stops_start_up_naming_it(fake_entry_points):
    fake_entry_points(
        FakeEntryPoint("broken", ImportError("No module named 'missing_dep'"), dist="podium-broken")
    )
    with pytest.raises(PluginLoadError) as err:
        build_plugin_host()
    text = str(err.value)
    assert "'broken'" in text and "podium-broken" in text and "missing_dep" in text


def test_broken_entry_point_is_skipped_with_a_logged_error(fake_entry_points, caplog):
    good = make_plugin("good")
    fake_entry_points(
        FakeEntryPoint("broken", RuntimeError("boom"), dist="podium-broken"),
        FakeEntryPoint("good", good),
    )
    with caplog.at_level(logging.ERROR, logger="podium.plugins"):
        host = build_plugin_host(skip_broken=True)
    assert host.names() == ["good"]
    assert any("broken" in r.getMessage() and "boom" in r.getMessage() for r in caplog.records)


def test_skip_broken_comes_from_the_environment(fake_entry_points, monkeypatch):
    from podium.web.assembly import make_plugin_host
    from podium.core.settings import load_settings

    fake_entry_points(FakeEntryPoint("broken", RuntimeError("boom")))
    monkeypatch.setenv("PODIUM_SKIP_BROKEN_PLUGINS", "1")
    assert third_party(make_plugin_host(load_settings())) == []
    monkeypatch.setenv("PODIUM_SKIP_BROKEN_PLUGINS", "0")
    with pytest.raises(PluginLoadError, match="'broken'"):
        make_plugin_host(load_settings())


def test_broken_builtin_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "podium_broken_builtin", None)  # import raises
    with pytest.raises(PluginLoadError, match="built-in plugin 'podium_broken_builtin'"):
        build_plugin_host(builtin=["podium_broken_builtin"], use_entry_points=False)


def test_duplicate_plugin_names_stop_start_up():
    with pytest.raises(PluginLoadError, match="plugin name 'twin' is used twice"):
        plugin_host(extra=[make_plugin("twin"), make_plugin("twin")])


def test_disable_plugins_blocks_them(monkeypatch, fake_entry_points):
    from podium.core.settings import load_settings
    from podium.web.assembly import make_plugin_host

    seen = []
    fake_entry_points(
        FakeEntryPoint("noisy", make_plugin("noisy", podium_startup=lambda app: seen.append(app))),
        FakeEntryPoint("quiet", make_plugin("quiet")),
    )
    monkeypatch.setenv("PODIUM_DISABLE_PLUGINS", "noisy, other")
    host = make_plugin_host(load_settings())
    assert third_party(host) == ["quiet"]
    assert host.blocked == {"noisy"}
    host.call("podium_startup", app="app")
    assert seen == []
    assert "noisy" not in {p["name"] for p in host.describe()}


def test_only_keeps_named_plugins_and_rejects_unknown_names(fake_entry_points):
    fake_entry_points(FakeEntryPoint("a", make_plugin("a")), FakeEntryPoint("b", make_plugin("b")))
    assert build_plugin_host(only=["b"]).names() == ["b"]
    with pytest.raises(PluginLoadError, match="no plugin named nope was found"):
        build_plugin_host(only=["b", "nope"])


def test_trace_hooks_writes_calls_to_a_logger(caplog):
    plugin = make_plugin("traced", podium_page_slots=lambda slot: [f"<i>{slot}</i>"])
    host = plugin_host(extra=[plugin], trace_hooks=True)
    with caplog.at_level(logging.INFO, logger="podium.plugins.trace"):
        host.call("podium_page_slots", slot="footer", context={})
        host.call_for({"traced"}, "podium_page_slots", slot="side", context={})
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "podium.plugins.trace")
    assert "podium_page_slots" in text and "footer" in text and "side" in text
    assert "finish" in text


def test_trace_is_off_by_default(caplog):
    host = plugin_host(extra=[make_plugin("quiet", podium_page_slots=lambda slot: [])])
    with caplog.at_level(logging.INFO, logger="podium.plugins.trace"):
        host.call("podium_page_slots", slot="footer", context={})
    assert not [r for r in caplog.records if r.name == "podium.plugins.trace"]


def test_trace_hooks_setting_comes_from_the_environment(monkeypatch):
    from podium.core.settings import load_settings

    monkeypatch.setenv("PODIUM_TRACE_HOOKS", "1")
    assert load_settings().trace_hooks is True
    monkeypatch.setenv("PODIUM_DISABLE_PLUGINS", "a,b")
    assert load_settings().disabled_plugins == {"a", "b"}


def test_call_for_reaches_only_enabled_and_global_plugins():
    reached = []

    def spy(name):
        return lambda event: reached.append(name)

    host = plugin_host(
        extra=[
            make_plugin("on", podium_events_changed=spy("on")),
            make_plugin("off", podium_events_changed=spy("off")),
            make_plugin("always", scope="global", podium_events_changed=spy("always")),
        ]
    )
    event = EventsChanged(venue_id=1, changes=())
    host.call_for({"on"}, "podium_events_changed", event=event)
    assert sorted(reached) == ["always", "on"]
    reached.clear()
    host.call_for(set(), "podium_events_changed", event=event)
    assert reached == ["always"]
    assert host.always_enabled() == {"always", *DOMAINS}


async def test_async_implementations_are_awaited():
    # A hook no built-in plugin implements (the ledger hears of tickets, with a database).
    async def slow(event):
        return [a.fan_id for a in event.awards]

    host = plugin_host(
        extra=[
            make_plugin("asyncer", podium_points_awarded=slow),
            make_plugin("syncer", podium_points_awarded=lambda event: len(event.awards)),
        ]
    )
    event = PointsAwarded(venue_id=1, awards=(PointsAward(7, 1, "follow", 1), PointsAward(8, 1, "like", 2)))
    assert await host.acall_for({"asyncer", "syncer"}, "podium_points_awarded", event=event) == [
        [7, 8], 2,
    ]
    assert await host.acall("podium_points_awarded", event=event) == [[7, 8], 2]
    assert await host.acall_one("asyncer", "podium_points_awarded", event=event) == [7, 8]
    assert host.implementers("podium_points_awarded") == ["asyncer", "syncer"]
    assert await gather_results([1, _value(3)]) == [1, 3]


async def _value(x):
    return x


def test_temporary_registration():
    seen = []
    host = plugin_host()
    first = PointsAwarded(awards=(PointsAward(fan_id=1, points=5, rule="follow", action_id=1),))
    later = PointsAwarded(awards=(PointsAward(fan_id=2, points=1, rule="like", action_id=2),))
    with host.temporarily(make_plugin("temp", podium_points_awarded=lambda event: seen.append(event))) as loaded:
        assert loaded.hooks == ["podium_points_awarded"]
        host.call("podium_points_awarded", event=first)
    host.call("podium_points_awarded", event=later)
    assert seen == [first]
    assert "temp" not in host.plugins


def test_describe_lists_hooks_scope_and_source():
    host = plugin_host(
        extra=[make_plugin("described", version="1.2.3", description="Says hi", scope="tournament",
                           default_enabled=False,
                           podium_routes=lambda: [], podium_nav_items=lambda user: [])]
    )
    assert [p for p in host.describe() if p["source"] == "test"] == [
        {
            "name": "described", "version": "1.2.3", "description": "Says hi",
            "scope": "tournament", "default_enabled": False, "source": "test",
            "hooks": ["podium_nav_items", "podium_routes"],
        }
    ]
    assert host.owner_of("podium_test_plugin_described.sub") == "described"


# -- registries ----------------------------------------------------------------------

REGISTRY_CASES = [
    ("podium_scope_kinds", "scope kind"),
    ("podium_event_kinds", "event kind"),
    ("podium_programme_schedulers", "programme scheduler"),
    ("podium_bracket_formats", "bracket format"),
    ("podium_ticket_providers", "ticket provider"),
    ("podium_payment_methods", "payment method"),
]
# Names unique within one plugin only (two plugins may both have a "gold" tier).
PER_PLUGIN_CASES = [
    ("podium_reward_rules", "reward rule"),
    ("podium_medal_tiers", "medal tier"),
]


def _registering(name: str, hook: str, *items: str):
    def register(registry):
        for item in items:
            registry.add(item, {"name": item, "by": name})

    # mypy matches the unpacked dict against each keyword of make_plugin (scope, version...);
    # its one key is always a hook name.
    return make_plugin(name, **{hook: register})  # type: ignore[arg-type]


@pytest.mark.hooks(*[hook for hook, _ in REGISTRY_CASES])
@pytest.mark.parametrize("hook, kind", REGISTRY_CASES)
def test_registry_hooks_fill_a_registry(hook, kind):
    host = plugin_host(
        extra=[_registering("one", hook, "alpha", "beta"), _registering("two", hook, "gamma")]
    )
    registry = host.registry(hook)
    assert registry.kind == kind and not registry.per_plugin
    ours = [n for n in registry.names() if registry.owner(n) in ("one", "two")]
    assert ours == ["alpha", "beta", "gamma"]  # the domains may register their own first
    assert registry.owner("gamma") == "two"
    assert registry["alpha"] == {"name": "alpha", "by": "one"}
    assert [name for name, _ in registry.enabled({"two"})] == ["gamma"]
    # The explicit form (a registry of the caller's own) behaves the same.
    mine = host.fill_registry(hook, Registry(kind))
    assert [n for n in mine.names() if mine.owner(n) in ("one", "two")] == ["alpha", "beta", "gamma"]


@pytest.mark.hooks(*[hook for hook, _ in PER_PLUGIN_CASES])
@pytest.mark.parametrize("hook, kind", PER_PLUGIN_CASES)
def test_per_plugin_registries_let_names_repeat_across_plugins(hook, kind):
    host = plugin_host(extra=[_registering("one", hook, "gold", "silver"),
                              _registering("two", hook, "gold")])
    registry = host.registry(hook)
    assert registry.kind == kind and registry.per_plugin
    assert registry.names() == ["one.gold", "one.silver", "two.gold"]
    assert registry["two.gold"] == {"name": "gold", "by": "two"}
    assert registry.by_plugin("one") == [("gold", {"name": "gold", "by": "one"}),
                                         ("silver", {"name": "silver", "by": "one"})]
    assert [name for name, _ in registry.enabled({"two"})] == ["two.gold"]
    with pytest.raises(DuplicateName, match=f"{kind} 'one.gold' is registered twice"):
        plugin_host(extra=[_registering("one", hook, "gold", "gold")])


@pytest.mark.hooks(*[hook for hook, _ in REGISTRY_CASES])
@pytest.mark.parametrize("hook, kind", REGISTRY_CASES)
def test_duplicate_registry_name_stops_start_up_naming_both(hook, kind):
    with pytest.raises(DuplicateName) as err:
        plugin_host(extra=[_registering("first", hook, "same"), _registering("second", hook, "same")])
    message = str(err.value)
    assert f"{kind} 'same' is registered twice" in message
    assert "'first'" in message and "'second'" in message


def test_registry_basics():
    registry: Registry[int] = Registry("thing")
    registry.current_plugin = "p"
    registry.add("a", 1)
    assert "a" in registry and len(registry) == 1 and list(registry) == ["a"]
    assert registry.get("b") is None and registry.items() == [("a", 1)]
    with pytest.raises(KeyError):
        plugin_host().registry("podium_routes")
