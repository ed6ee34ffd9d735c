"""The social plugin's start-up: the Redis refill it hands back makes no coroutine until
awaited (a start-up that stops early, when a later plugin fails, leaves nothing
unawaited behind), and awaited it fills the boards."""

from __future__ import annotations

import gc
import types
import warnings

import pytest

from podium.social import leaderboard, plugin, points

pytestmark = pytest.mark.pure


def _app() -> object:
    return types.SimpleNamespace(state=types.SimpleNamespace(plugin_host=object()))


@pytest.fixture(autouse=True)
def _keep_bound_host():
    before = dict(points._BOUND)
    yield
    points._BOUND.clear()
    points._BOUND.update(before)


def test_a_dropped_refill_leaves_no_unawaited_coroutine(monkeypatch) -> None:
    monkeypatch.setenv("PODIUM_REDIS_URL", "redis://127.0.0.1:1/0")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answer = plugin.podium_startup(_app())
        assert answer is not None
        del answer  # what the app does when a later plugin's start-up raises
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]


async def test_the_refill_runs_when_awaited(monkeypatch) -> None:
    monkeypatch.setenv("PODIUM_REDIS_URL", "redis://127.0.0.1:1/0")
    calls: list[str] = []

    async def not_built():
        calls.append("ready?")
        return None

    async def reload(chunk: int = 10_000) -> bool:
        calls.append("reload")
        return True

    monkeypatch.setattr(leaderboard, "redis_ready", not_built)
    monkeypatch.setattr(leaderboard, "reload_redis", reload)
    await plugin.podium_startup(_app())
    assert calls == ["ready?", "reload"]


def test_without_redis_there_is_nothing_to_await(monkeypatch) -> None:
    monkeypatch.delenv("PODIUM_REDIS_URL", raising=False)
    assert plugin.podium_startup(_app()) is None
