"""Athlete profiles: creating and editing them, finding them, reading one.

A user owns at most one profile; an admin may create one for a user. What a profile says
is checked here (plain text, https URLs only, a known discipline, a three-letter country
code) so pages and the API refuse the same things with the same reasons. Verification
(by an admin or a ``rel="me"`` link) lives in :mod:`podium.social.verification`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from piccolo.columns.combination import Combinable, WhereRaw
from piccolo.query import OrderByRaw

from podium.core.i18n import N_, LazyString, _
from podium.core.accounts.service import CurrentUser, revoke_role
from podium.core.accounts.tables import User
from podium.core.database import atomic
from podium.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from podium.core.validation import check_page, clean_text, is_id
from podium.social import actions
from podium.social.tables import Athlete

KINDS = ("cycling", "esport")
#: Track-cycling disciplines (machine name -> what people read).
CYCLING_DISCIPLINES: dict[str, LazyString] = {
    "track_sprint": N_("Sprint"), "keirin": N_("Keirin"), "team_sprint": N_("Team sprint"),
    "endurance": N_("Endurance"), "team_pursuit": N_("Team pursuit"),
    "individual_pursuit": N_("Individual pursuit"), "omnium": N_("Omnium"),
    "madison": N_("Madison"), "scratch": N_("Scratch"), "points_race": N_("Points race"),
    "elimination": N_("Elimination"), "time_trial": N_("Time trial"),
    "para_cycling": N_("Para-cycling"),
}
ESPORT_PREFIX = "esport:"
GAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,38}$")
COUNTRY_RE = re.compile(r"^[A-Z]{3}$")
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
MAX_LINKS = 5
MAX_URL = 500
MAX_BIO = 2000
#: Directory page size.
PAGE_SIZE = 24
MAX_QUERY = 80
#: The columns of a profile as the rest of the hub reads it.
COLUMNS = (
    Athlete.id, Athlete.user, Athlete.slug, Athlete.name, Athlete.kind, Athlete.discipline,
    Athlete.country, Athlete.club, Athlete.bio, Athlete.photo_url, Athlete.links,
    Athlete.verified_at, Athlete.verified_by, Athlete.verification_note, Athlete.verified_via,
    Athlete.refused_at, Athlete.created_at,
)
#: The fields a profile form or API call may set.
FIELDS = ("name", "kind", "discipline", "country", "club", "bio", "photo_url", "links", "slug")


def utc_now() -> datetime:
    """The current time, UTC."""
    return datetime.now(timezone.utc)


#: Words of a game's name left in lower case when it is written out from its slug.
_SMALL_WORDS = frozenset({"of", "the", "and", "de", "du", "la", "le", "des", "a"})


def game_name(slug: str) -> str:
    """A game's name from its slug: ``rocket-league`` → "Rocket League",
    ``league-of-legends`` → "League of Legends", ``cs2`` → "CS2" (a word with a digit is a
    short code)."""
    words = [w for w in slug.replace("_", "-").split("-") if w]
    out = []
    for index, word in enumerate(words):
        if any(ch.isdigit() for ch in word):
            out.append(word.upper())
        elif index and word in _SMALL_WORDS:
            out.append(word)
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out) or slug


def discipline_label(discipline: str) -> str:
    """What people read for a discipline: ``Keirin``, ``E-sport: Rocket League``."""
    if discipline.startswith(ESPORT_PREFIX):
        return _("E-sport: %(game)s", game=game_name(discipline[len(ESPORT_PREFIX):]))
    label = CYCLING_DISCIPLINES.get(discipline)
    return str(label) if label is not None else discipline.replace("_", " ").capitalize()


def check_https_url(value: Any, name: str) -> str:
    """An absolute https URL with a host and no credentials, or InvalidInput."""
    text = clean_text(value, name, MAX_URL)
    try:
        parts = urlsplit(text)
        port = parts.port  # raises on a malformed port
    except ValueError as exc:
        raise InvalidInput(_("%(name)s is not a valid URL", name=name), field=name) from exc
    if parts.scheme != "https" or not parts.hostname:
        raise InvalidInput(_("%(name)s must be an https:// address", name=name), field=name)
    if parts.username or parts.password or any(ch.isspace() for ch in text):
        raise InvalidInput(_("%(name)s must be a plain https:// address", name=name), field=name)
    del port
    return text


def check_discipline(kind: str, discipline: Any) -> str:
    """The discipline's machine name, checked against the kind."""
    text = clean_text(discipline, "discipline", 60).lower()
    if kind == "esport":
        game = text[len(ESPORT_PREFIX):] if text.startswith(ESPORT_PREFIX) else text
        if not GAME_RE.match(game):
            raise InvalidInput(_("an e-sport discipline names the game, like esport:rocket-league"),
                               field="discipline")
        return ESPORT_PREFIX + game
    if text not in CYCLING_DISCIPLINES:
        raise InvalidInput(_("discipline must be one of %(names)s", names=", ".join(CYCLING_DISCIPLINES)),
                           field="discipline")
    return text


def slugify(name: str) -> str:
    """A URL name from a display name: ``Mathilde Gros`` -> ``mathilde-gros``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50].strip("-")
    return slug or "athlete"


def check_profile(data: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fields of a new profile (``current`` is None) or of an edit, checked and
    normalised; unknown fields are refused. Pure."""
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise InvalidInput(_("unknown field(s): %(names)s",
                             names=', '.join(sorted(unknown))), field=sorted(unknown)[0])
    merged = {**(current or {}), **data}
    out: dict[str, Any] = {}
    if current is None or "name" in data:
        out["name"] = clean_text(merged.get("name"), "name", 80)
    kind = merged.get("kind") or ("cycling" if current is None else current["kind"])
    if kind not in KINDS:
        raise InvalidInput(_("kind must be cycling or esport"), field="kind")
    if current is None or "kind" in data or "discipline" in data:
        out["kind"] = kind
        out["discipline"] = check_discipline(kind, merged.get("discipline"))
    if current is None or "country" in data:
        country = clean_text(merged.get("country"), "country", 3).upper()
        if not COUNTRY_RE.match(country):
            raise InvalidInput(_("country is a three-letter code such as FRA or GBR"), field="country")
        out["country"] = country
    if current is None or "club" in data:
        out["club"] = clean_text(merged.get("club"), "club", 120, required=False)
    if current is None or "bio" in data:
        out["bio"] = clean_text(merged.get("bio"), "bio", MAX_BIO, required=False, multiline=True)
    if current is None or "photo_url" in data:
        photo = merged.get("photo_url") or ""
        out["photo_url"] = check_https_url(photo, "photo_url") if str(photo).strip() else ""
    if current is None or "links" in data:
        out["links"] = check_links(merged.get("links"))
    if "slug" in data and data["slug"] not in (None, ""):
        slug = clean_text(data["slug"], "slug", 60).lower()
        if not SLUG_RE.match(slug):
            raise InvalidInput(_("slug is lower-case letters, digits and dashes"), field="slug")
        out["slug"] = slug
    return out


def check_links(value: Any) -> list[str]:
    """Up to :data:`MAX_LINKS` distinct https URLs (a list, or text with one per line)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [line for line in value.splitlines() if line.strip()]
    if not isinstance(value, list):
        raise InvalidInput(_("links must be a list of https:// addresses"), field="links")
    if len(value) > MAX_LINKS:
        raise InvalidInput(_("at most %(most)s links", most=MAX_LINKS), field="links")
    links: list[str] = []
    for item in value:
        url = check_https_url(item, "links")
        if url not in links:
            links.append(url)
    return links


def profile_dict(row: dict[str, Any]) -> dict[str, Any]:
    """A profile row as the hub reads it: ``links`` as a list, ``verified``, the
    discipline's label and the ledger's ``target`` (``athlete:<id>``)."""
    links = row.get("links")
    if isinstance(links, str):  # SQLite returns JSON as text
        links = json.loads(links or "[]")
    out = {**row, "links": list(links or [])}
    out["verified"] = row.get("verified_at") is not None
    out["discipline_label"] = discipline_label(row["discipline"])
    out["target"] = f"athlete:{row['id']}"
    return out


async def _free_slug(wanted: str, own_id: int | None = None) -> str:
    slug, n = wanted, 1
    while True:
        row = await Athlete.select(Athlete.id).where(Athlete.slug == slug).first()
        if row is None or row["id"] == own_id:
            return slug
        n += 1
        suffix = f"-{n}"
        slug = wanted[:60 - len(suffix)] + suffix


async def create_profile(actor: CurrentUser, data: dict[str, Any], *, for_user_id: int | None = None
                         ) -> dict[str, Any]:
    """Create an athlete profile for ``actor`` (or, for an admin, for ``for_user_id``).
    The profile starts unverified, in the admins' queue.

    :raises Conflict: the user already has a profile (``has_profile``) or the slug asked
        for is taken (``slug_taken``).
    """
    owner = actor.id if for_user_id is None else for_user_id
    if owner != actor.id and not actor.is_admin:
        raise Forbidden(_("only an admin can create a profile for someone else"))
    if not is_id(owner):
        raise InvalidInput(_("user_id must be a user's id"), field="user_id")
    fields = check_profile(data)
    async with atomic():
        if not await User.exists().where(User.id == owner):
            raise NotFound(_("there is no user %(owner)s", owner=owner), code="no_such_user")
        if await Athlete.exists().where(Athlete.user == owner):
            raise Conflict(_("this account already has an athlete profile"), code="has_profile")
        asked = fields.pop("slug", None)
        if asked is not None:
            if await Athlete.exists().where(Athlete.slug == asked):
                raise Conflict(_("the address /athletes/%(asked)s is taken",
                                 asked=asked), code="slug_taken")
            slug = asked
        else:
            slug = await _free_slug(slugify(fields["name"]))
        row = Athlete(user=owner, slug=slug, created_at=utc_now(), **fields)
        await row.save()
    return await get_by_id(int(row.id))


async def update_profile(actor: CurrentUser, slug: str, data: dict[str, Any]) -> dict[str, Any]:
    """Edit a profile (its owner, or an admin). A profile refused by an admin goes back to
    the queue when edited; a verified profile loses its verification (and its owner the
    ``athlete`` role) when its name changes, or, verified through a ``rel="me"`` link,
    when that link is no longer listed."""
    async with atomic():
        current = await get_by_slug(slug)
        if current["user"] != actor.id and not actor.is_admin:
            raise Forbidden(_("this is not your profile"))
        fields = check_profile(data, current)
        asked = fields.get("slug")
        if asked is not None and asked != current["slug"] and await Athlete.exists().where(
                Athlete.slug == asked):
            raise Conflict(_("the address /athletes/%(asked)s is taken",
                             asked=asked), code="slug_taken")
        if current["refused_at"] is not None:
            fields["refused_at"] = None
        links = fields.get("links", current["links"])
        renamed = current["verified"] and fields.get("name", current["name"]) != current["name"]
        unlinked = current["verified_via"] == "rel_me" and current["verification_note"] not in links
        if renamed or unlinked:
            # A verified name changed (the badge vouched for the old one), or the page that
            # linked back is no longer one of the profile's links: back to the queue.
            fields.update(verified_at=None, verified_by=None, verified_via="",
                          verification_note="")
            await revoke_role(current["user"], "athlete")
        if fields:
            await Athlete.update({getattr(Athlete, k): v for k, v in fields.items()}).where(
                Athlete.id == current["id"])
    return await get_by_id(current["id"])


async def get_by_slug(slug: str) -> dict[str, Any]:
    """One profile by its URL name, or NotFound."""
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise NotFound(_("there is no athlete %(slug)r", slug=slug))
    row = await Athlete.select(*COLUMNS).where(Athlete.slug == slug).first()
    if row is None:
        raise NotFound(_("there is no athlete %(slug)r", slug=slug))
    return profile_dict(row)


async def get_by_id(athlete_id: int) -> dict[str, Any]:
    """One profile by id, or NotFound."""
    row = await Athlete.select(*COLUMNS).where(Athlete.id == athlete_id).first()
    if row is None:
        raise NotFound(_("there is no athlete %(athlete_id)s", athlete_id=athlete_id))
    return profile_dict(row)


async def profile_of(user_id: int) -> dict[str, Any] | None:
    """The user's own profile, if any."""
    row = await Athlete.select(*COLUMNS).where(Athlete.user == user_id).first()
    return profile_dict(row) if row else None


async def search(*, q: str = "", country: str = "", discipline: str = "", kind: str = "",
                 verified_only: bool = False, limit: int = PAGE_SIZE, offset: int = 0
                 ) -> tuple[list[dict[str, Any]], int]:
    """The directory: profiles matching a name (or club) fragment, a country, a
    discipline and a kind, verified first then by name; one page and the total. Each
    profile carries its ``followers``."""
    q = clean_text(q, "q", MAX_QUERY, required=False)
    where: Combinable | None = None

    def add(cond: Combinable) -> None:
        nonlocal where
        where = cond if where is None else where & cond

    if q:
        pattern = "%" + q.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
        add(WhereRaw("(lower(name) LIKE {} OR lower(club) LIKE {})", pattern, pattern))
    if country:
        add(Athlete.country == clean_text(country, "country", 3).upper())
    if discipline:
        add(Athlete.discipline == clean_text(discipline, "discipline", 60).lower())
    if kind:
        if kind not in KINDS:
            raise InvalidInput(_("kind must be cycling or esport"), field="kind")
        add(Athlete.kind == kind)
    if verified_only:
        add(Athlete.verified_at.is_not_null())
    check_page(limit, offset)
    query = Athlete.select(*COLUMNS)
    count = Athlete.count()
    if where is not None:
        query = query.where(where)
        count = count.where(where)
    rows = await query.order_by(OrderByRaw("verified_at IS NULL")).order_by(
        Athlete.name).order_by(Athlete.id).limit(limit).offset(offset)
    total = await count
    items = [profile_dict(r) for r in rows]
    await with_followers(items)
    return items, total


async def with_followers(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add each profile's follower count (one query for all)."""
    counted = await actions.counts([a["target"] for a in items])
    for item in items:
        item["followers"] = counted[item["target"]][actions.FOLLOW]
    return items


async def countries_and_disciplines() -> tuple[list[str], list[str]]:
    """The countries and disciplines present, for the directory's filters."""
    countries = await Athlete.select(Athlete.country).distinct().order_by(Athlete.country)
    disciplines = await Athlete.select(Athlete.discipline).distinct().order_by(Athlete.discipline)
    return ([r["country"] for r in countries if r["country"]],
            [r["discipline"] for r in disciplines if r["discipline"]])
