"""The dispatcher: after commit, hand each outbox event to the live pages and the plugins.

One dispatcher runs per app (started and stopped with it). It is woken right after a
commit that recorded events, and polls every :attr:`Dispatcher.poll_seconds` for rows
that other processes wrote or that are due for a retry.

For each event it works out the recipients once, when it first sees the row:

* ``:live`` — the live pages: every plugin enabled in the event's scope may turn it into
  server-sent events (``podium_live_messages``), which the app publishes through Litestar
  Channels (memory, or Redis across workers);
* every plugin enabled in the event's scope that implements the event's hook.

Each recipient is told separately. The live pages hear of every event of a round first;
then a plugin that implements ``podium_outbox_batch`` gets all the round's events for it
in one call; then the others are told event by event. A recipient that raises (or overruns
:attr:`Dispatcher.hook_timeout`) is logged with its name and stays pending, to be tried
again with backoff; the others are not told twice. Delivery is at least once: a plugin
sees the same ``event_id`` if a crash or a retry repeats a call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from podium.core.activation.service import enabled_plugins
from podium.core.events import DomainEvent, ScopeRef, decode
from podium.core.i18n import DEFAULT_LOCALE, use_locale
from podium.core.outbox import service
from podium.core.outbox.service import Claimed, Clock, Outcome, utc_now
from podium.core.plugins import PluginHost, flatten

log = logging.getLogger("podium.outbox")

#: The recipient name of the live pages (not a valid plugin name, so it cannot clash).
LIVE = ":live"
LIVE_HOOK = "podium_live_messages"
BATCH_HOOK = "podium_outbox_batch"


@dataclass(frozen=True)
class LiveMessage:
    """One server-sent event for open pages, returned by ``podium_live_messages``.

    :param topics: the SSE topics it goes to (``tournament-7``, ``user-4``...).
    :param event: the SSE event name pages listen for (``sse-swap`` / ``hx-trigger``).
    :param data: an HTML fragment (a string, sent as is) or JSON-able data.
    :param locale: set by the dispatcher, not by plugins: the locale the message was made
        in, when it differs between locales (the app then sends it only to that locale's
        subscribers); ``None``: the same for every locale, sent to all.
    """

    topics: tuple[str, ...]
    event: str
    data: Any
    locale: str | None = None


Publisher = Callable[[LiveMessage], Awaitable[None]]
Renderer = Callable[[str, Mapping[str, Any]], str]
#: The locales (other than the default) whose pages listen to any of the given topics now.
LocaleProbe = Callable[[set[str]], Awaitable[Iterable[str]]]


class Dispatcher:
    """Delivers outbox events after commit; see the module's documentation.

    :param host: the app's plugin host.
    :param publish: sends one live message to the pages (``None``: no live pages).
    :param render: renders a template to a string, for live fragments.
    :param clock: the current time (tests move it forward to reach retries).
    :param before_live: awaited with each event before the live pages hear of it (the web
        shell drops the cached pages it changed, so a screen re-fetching on the message
        finds the new page); if it raises, the live pages stay pending on that event.
    :param listening_locales: given the topics of an event's live messages, the locales
        whose pages listen to some of them now (``None``: only the default locale's
        messages are made). Live messages hold translated text (a fragment says "2 left"
        or "2 restantes"): the plugins are asked once per locale that has listeners, never
        once per listener, and a message that comes out the same in every locale is sent
        once to all.
    """

    def __init__(self, host: PluginHost, *, publish: Publisher | None = None,
                 render: Renderer | None = None, clock: Clock = utc_now,
                 poll_seconds: float = 1.0, batch: int = 100,
                 hook_timeout: float = 30.0,
                 before_live: Callable[[DomainEvent], Awaitable[None]] | None = None,
                 listening_locales: LocaleProbe | None = None) -> None:
        self.host = host
        self.publish = publish
        self.before_live = before_live
        self.listening_locales = listening_locales
        self.render = render
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.hook_timeout = hook_timeout
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._busy = asyncio.Lock()
        self._rounds = 0
        self._stopping = False
        service.register_waker(self)

    # -- running ---------------------------------------------------------------------

    def wake(self) -> None:
        """Look at the outbox now (called after a commit that recorded events)."""
        self._wake.set()

    def start(self) -> None:
        """Start the background loop (the app's lifespan calls it)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(),
                                                                name="podium-outbox")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop the background loop once its current round is done (rows not yet delivered
        stay in the outbox). A round still running after ``timeout`` seconds (a plugin
        hanging) is cancelled: its claimed rows are retried once their lease runs out."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            # Not cancelled mid-round: a query cut short can keep its pooled connection
            # checked out, and closing the pool then waits for it.
            await asyncio.wait_for(asyncio.shield(task), timeout)
        except asyncio.TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        finally:
            self._stopping = False

    async def _run(self) -> None:
        while not self._stopping:
            try:
                while not self._stopping and await self.dispatch_once():
                    pass
                self._rounds += 1
                if self._rounds % 600 == 0:
                    await service.prune(self.clock())
            except asyncio.CancelledError:
                raise
            except Exception:  # the database went away...: log, wait, try again
                log.exception("outbox dispatch round failed")
            if self._stopping:
                break
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()

    async def drain(self, rounds: int = 50) -> int:
        """Deliver everything due now, in this task; returns the rows handled (tests,
        the CLI). Rows whose retry lies in the future stay."""
        handled = 0
        for _ in range(rounds):
            count = await self.dispatch_once()
            if not count:
                break
            handled += count
        return handled

    async def dispatch_once(self) -> int:
        """Claim a batch of due rows, deliver them, settle them; returns how many."""
        async with self._busy:  # the loop and drain() never deliver the same batch twice
            now = self.clock()
            if not await service.any_due(now):
                return 0
            claimed = await service.claim(now, self.batch)
            if not claimed:
                return 0
            # One activation query per scope in the batch, not one per event.
            scopes: dict[tuple[int | None, ScopeRef | None], set[str]] = {}
            rounds = [await self._prepare(row, scopes) for row in claimed]
            for work in rounds:
                if LIVE in work.pending:
                    await self._tell(work, LIVE)
            await self._tell_batches(rounds)
            for work in rounds:
                for recipient in list(work.pending):
                    await self._tell(work, recipient)
            await service.settle([w.outcome() for w in rounds], self.clock())
            return len(claimed)

    # -- delivering ------------------------------------------------------------------

    async def _prepare(self, row: Claimed,
                       scopes: dict[tuple[int | None, ScopeRef | None], set[str]]) -> _Work:
        try:
            event = decode(row.type, row.payload)
        except Exception as exc:  # its class is gone (a plugin uninstalled) or bad JSON
            log.error("outbox event %s: cannot decode %s: %s", row.event_id, row.type, exc)
            return _Work(row, None, set(), [])
        where = (row.venue_id, event.scope())
        if where not in scopes:
            scopes[where] = await enabled_plugins(self.host, row.venue_id, event.scope())
        enabled = scopes[where]
        pending = row.pending if row.pending is not None else self._recipients(event, enabled)
        return _Work(row, event, enabled, list(pending))

    async def _tell(self, work: _Work, recipient: str) -> None:
        """Tell one recipient of one event; a failure leaves it pending on that event."""
        assert work.event is not None
        work.pending.remove(recipient)
        try:
            if recipient == LIVE:
                await self._tell_live(work.event, work.enabled)
            else:
                await self._tell_plugin(recipient, work.event)
        except Exception as exc:
            work.failed(recipient, exc)

    async def _tell_batches(self, rounds: list[_Work]) -> None:
        """Hand each batch-taking plugin the round's events for it, in one call."""
        for plugin in self.host.implementers(BATCH_HOOK):
            mine = [w for w in rounds if plugin in w.pending]
            if not mine:
                continue
            for work in mine:
                work.pending.remove(plugin)
            try:
                await asyncio.wait_for(self.host.acall_one(
                    plugin, BATCH_HOOK, events=[w.event for w in mine]), self.hook_timeout)
            except Exception as exc:
                for work in mine:
                    work.failed(plugin, exc)

    def _recipients(self, event: DomainEvent, enabled: set[str]) -> list[str]:
        out = []
        if self.publish is not None and (self.before_live is not None
                                         or self.host.implementers(LIVE_HOOK)):
            out.append(LIVE)
        if event.hook:
            out += [name for name in self.host.implementers(event.hook) if name in enabled]
        return out

    async def _tell_plugin(self, plugin: str, event: DomainEvent) -> None:
        if plugin not in self.host.plugins or not event.hook:
            log.warning("outbox event %s: plugin %s is no longer loaded; skipped",
                        event.event_id, plugin)
            return
        await asyncio.wait_for(self.host.acall_one(plugin, event.hook, event=event),
                               self.hook_timeout)

    async def _tell_live(self, event: DomainEvent, enabled: set[str]) -> None:
        if self.publish is None:
            return
        if self.before_live is not None:
            await self.before_live(event)
        made = {DEFAULT_LOCALE: await self._live_messages(event, enabled, DEFAULT_LOCALE)}
        if made[DEFAULT_LOCALE] and self.listening_locales is not None:
            topics = {t for m in made[DEFAULT_LOCALE] for t in m.topics}
            for locale in sorted(set(await self.listening_locales(topics)) - {DEFAULT_LOCALE}):
                made[locale] = await self._live_messages(event, enabled, locale)
        for message in by_locale(made):
            await self.publish(message)

    async def _live_messages(self, event: DomainEvent, enabled: set[str],
                             locale: str) -> list[LiveMessage]:
        """The plugins' live messages for ``event``, made in ``locale``."""
        messages: list[LiveMessage] = []
        with use_locale(locale):
            for plugin in self.host.implementers(LIVE_HOOK):
                if plugin not in enabled:
                    continue
                try:  # one plugin's broken fragment must not silence the others
                    messages += flatten([await self.host.acall_one(
                        plugin, LIVE_HOOK, event=event, render=self.render)])
                except Exception:
                    log.exception("plugin %s failed to turn %s into live messages", plugin,
                                  type(event).__name__)
        return messages


def by_locale(made: dict[str, list[LiveMessage]]) -> list[LiveMessage]:
    """What to send, given the messages made in each locale (the default's first).

    A message that came out the same in every locale goes to all (``locale=None``); one
    that differs goes once per locale, marked with it. When the plugins did not answer
    alike (not the same topics and events, in the same order) every locale's messages
    go marked with their locale.
    """
    lists = list(made.values())
    if len(lists) == 1:
        return list(lists[0])
    first = lists[0]
    alike = all(len(other) == len(first) and all(
        (a.topics, a.event) == (b.topics, b.event) for a, b in zip(first, other))
        for other in lists[1:])
    if not alike:
        return [replace(m, locale=locale) for locale, ms in made.items() for m in ms]
    out: list[LiveMessage] = []
    for index, message in enumerate(first):
        versions = {locale: ms[index] for locale, ms in made.items()}
        if all(v.data == message.data for v in versions.values()):
            out.append(message)
        else:
            out += [replace(v, locale=locale) for locale, v in versions.items()]
    return out


def _who(recipient: str) -> str:
    return "the live pages" if recipient == LIVE else f"plugin {recipient!r}"


@dataclass
class _Work:
    """One claimed row during a round: its event, who is still to be told, who failed."""

    row: Claimed
    event: DomainEvent | None  # None: it could not be decoded; nobody is told
    enabled: set[str]
    pending: list[str]
    left: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def failed(self, recipient: str, exc: BaseException) -> None:
        """Keep ``recipient`` pending on this event, with the reason, and log it."""
        assert self.event is not None
        log.warning("outbox event %s (%s): %s failed: %r", self.event.event_id,
                    type(self.event).__name__, _who(recipient), exc,
                    exc_info=not isinstance(exc, asyncio.TimeoutError))
        self.left.append(recipient)
        self.errors.append(f"{_who(recipient)}: {exc!r}"[:500])

    def outcome(self) -> Outcome:
        """What to settle: the recipients that failed stay pending, with their errors."""
        return Outcome(self.row, self.left, self.errors)


__all__ = ["BATCH_HOOK", "LIVE", "Dispatcher", "LiveMessage", "LocaleProbe", "Publisher",
           "Renderer", "ScopeRef", "by_locale"]
