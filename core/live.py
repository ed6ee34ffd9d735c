"""Who may read a live topic: the contract between the stream endpoint and the domains and
plugins that publish on topics.

A topic is named ``<kind>-<key>``: ``tournament-7``, ``user-4``, ``gate-12``. Whoever
publishes on a kind declares it once, through the ``podium_live_topics`` registry hook, as
a :class:`LiveTopic`: which keys are well formed and who may read. The stream endpoint
(``/-/events``) checks every topic a browser asks for before it subscribes:

* a topic whose kind nobody declared is refused (deny by default);
* a key that does not match the kind's :attr:`LiveTopic.key_pattern` is refused;
* otherwise the kind's :attr:`LiveTopic.may_read` rule decides.

A kind has one owner: two plugins declaring the same kind stop start-up, so no plugin can
widen who reads another's topics. The rules below (:func:`anyone`, :func:`owner`,
:func:`roles`) cover the topics Podium publishes today; a rule may also be a coroutine
function (to look something up in the database).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from podium.core.plugins import Registry, RegistryHook

if TYPE_CHECKING:
    from podium.core.accounts.service import CurrentUser

#: ``rule(key, user)``: may ``user`` (``None`` when anonymous) read the topic ``<kind>-<key>``?
TopicRule = Callable[[str, "CurrentUser | None"], "bool | Awaitable[bool]"]

#: Database ids: what every topic Podium publishes today carries as its key.
ID_KEY = r"[0-9]{1,18}"
KIND_RE = re.compile(r"[a-z0-9_]{1,40}")


@dataclass(frozen=True)
class LiveTopic:
    """A kind of live topic (``<kind>-<key>``) and who may read it.

    :param kind: the topic's prefix before the first ``-`` (``gate`` for ``gate-12``);
        lower-case letters, digits and ``_``.
    :param may_read: the rule, ``may_read(key, user) -> bool`` (or an awaitable of it);
        ``user`` is the signed-in :class:`~podium.core.accounts.service.CurrentUser` or
        ``None``.
    :param key_pattern: a regular expression the whole key must match (a database id by
        default); other keys are refused before the rule is asked.
    :param description: what the topic carries and who reads it, for developers reading
        the code (no page shows it, so it stays English).
    """

    kind: str
    may_read: TopicRule
    key_pattern: str = ID_KEY
    description: str = ""
    _key_re: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not KIND_RE.fullmatch(self.kind):
            raise ValueError(f"malformed live topic kind {self.kind!r} (use a-z, 0-9, '_')")
        # A frozen dataclass: compile once, here, rather than on every subscribe.
        object.__setattr__(self, "_key_re", re.compile(self.key_pattern))

    def key_matches(self, key: str) -> bool:
        """True if ``key`` is well formed for this kind."""
        return self._key_re.fullmatch(key) is not None


#: The typed key of ``podium_live_topics``: ``host.registry(LIVE_TOPICS)``.
LIVE_TOPICS: RegistryHook[LiveTopic] = RegistryHook("podium_live_topics")


def split_topic(topic: str) -> tuple[str, str]:
    """``("gate", "12")`` for ``gate-12``; the key is empty when there is no ``-``."""
    kind, _sep, key = topic.partition("-")
    return kind, key


# -- rules ------------------------------------------------------------------------------


def anyone(key: str, user: CurrentUser | None) -> bool:
    """A public topic: what it carries is on a public page anyway."""
    return True


def owner(key: str, user: CurrentUser | None) -> bool:
    """A personal topic, keyed by the user's id: its owner only (not even an admin: no
    page needs to read another person's stream)."""
    return user is not None and key == str(user.id)


def roles(*names: str) -> TopicRule:
    """A rule for staff topics: signed in and holding one of ``names`` (an admin holds
    every role, as in the route guards)."""
    if not names:
        raise ValueError("name at least one role")

    def rule(key: str, user: CurrentUser | None) -> bool:
        return user is not None and user.has_role(*names)

    rule.__name__ = f"roles({', '.join(names)})"
    return rule


# -- checking -------------------------------------------------------------------------


async def may_read(registry: Registry[LiveTopic], topic: str, user: CurrentUser | None) -> bool:
    """True if ``user`` may read ``topic``; an undeclared kind or a malformed key is
    refused."""
    kind, key = split_topic(topic)
    declared = registry.get(kind)
    if declared is None or not declared.key_matches(key):
        return False
    answer = declared.may_read(key, user)
    if inspect.isawaitable(answer):
        answer = await answer
    return answer is True  # anything but a plain True (None, a truthy object) refuses


async def refused_topics(registry: Registry[LiveTopic], topics: Iterable[str],
                         user: CurrentUser | None) -> list[str]:
    """The topics of ``topics`` that ``user`` may not read, in the order given."""
    return [topic for topic in topics if not await may_read(registry, topic, user)]
