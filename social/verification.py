"""Verifying athletes: by an admin by hand, or by a ``rel="me"`` link back.

Verifying sets ``verified_at`` (and who, how, and a note) and gives the owner the
``athlete`` role, in one transaction; revoking clears both. Refusing keeps the profile
unverified and takes it out of the queue until its owner edits it. The row is locked and
re-read in the transaction, so an admin verifying while another revokes ends in one of
the two states, never a verified profile without the role.
"""

from __future__ import annotations

import ssl
from collections.abc import Collection
from typing import Any

from podium.core.i18n import _
from podium.core.accounts.service import CurrentUser, grant_role, revoke_role
from podium.core.database import atomic, for_update
from podium.core.errors import Conflict, Forbidden, InvalidInput
from podium.core.validation import clean_text
from podium.social import relme
from podium.social.athletes import COLUMNS, get_by_id, get_by_slug, profile_dict, utc_now
from podium.social.tables import Athlete

ATHLETE_ROLE = "athlete"
MAX_NOTE = 500
#: The admins' queue page size.
QUEUE_SIZE = 50


async def _locked(slug: str) -> dict[str, Any]:
    await get_by_slug(slug)  # a clean NotFound for a bad slug
    row = await for_update(Athlete.select(*COLUMNS).where(Athlete.slug == slug)).first()
    assert row is not None
    return profile_dict(row)


def _require_admin(actor: CurrentUser) -> None:
    if not actor.is_admin:
        raise Forbidden(_("only an admin can do this"))


async def verify(actor: CurrentUser, slug: str, note: Any = "") -> dict[str, Any]:
    """An admin verifies a profile by hand (with a note: how they checked)."""
    _require_admin(actor)
    text = clean_text(note, "note", MAX_NOTE, required=False)
    async with atomic():
        current = await _locked(slug)
        if current["verified"]:
            raise Conflict(_("this athlete is already verified"), code="already_verified")
        await _mark_verified(current, via="admin", by=actor.id, note=text)
    return await get_by_id(current["id"])


async def _mark_verified(current: dict[str, Any], *, via: str, by: int | None, note: str) -> None:
    await Athlete.update({
        Athlete.verified_at: utc_now(), Athlete.verified_by: by, Athlete.verified_via: via,
        Athlete.verification_note: note, Athlete.refused_at: None,
    }).where(Athlete.id == current["id"])
    await grant_role(current["user"], ATHLETE_ROLE)


async def revoke(actor: CurrentUser, slug: str, note: Any = "") -> dict[str, Any]:
    """An admin revokes a verification: the badge and the ``athlete`` role go."""
    _require_admin(actor)
    text = clean_text(note, "note", MAX_NOTE, required=False)
    async with atomic():
        current = await _locked(slug)
        if not current["verified"]:
            raise Conflict(_("this athlete is not verified"), code="not_verified")
        await Athlete.update({
            Athlete.verified_at: None, Athlete.verified_by: None, Athlete.verified_via: "",
            Athlete.verification_note: f"revoked: {text}" if text else "revoked",
        }).where(Athlete.id == current["id"])
        await revoke_role(current["user"], ATHLETE_ROLE)
    return await get_by_id(current["id"])


async def refuse(actor: CurrentUser, slug: str, note: Any = "") -> dict[str, Any]:
    """An admin refuses to verify a profile (with the reason its owner reads); it leaves
    the queue until its owner edits it."""
    _require_admin(actor)
    text = clean_text(note, "reason", MAX_NOTE, required=False)
    async with atomic():
        current = await _locked(slug)
        if current["verified"]:
            raise Conflict(_("this athlete is verified; revoke the verification instead"),
                           code="already_verified")
        await Athlete.update({Athlete.refused_at: utc_now(),
                              Athlete.verification_note: text}).where(Athlete.id == current["id"])
    return await get_by_id(current["id"])


async def queue(limit: int = QUEUE_SIZE) -> list[dict[str, Any]]:
    """Profiles waiting for an admin: unverified and not refused, newest first."""
    rows = await Athlete.select(*COLUMNS).where(
        Athlete.verified_at.is_null() & Athlete.refused_at.is_null()
    ).order_by(Athlete.created_at, ascending=False).order_by(Athlete.id, ascending=False).limit(limit)
    return [profile_dict(r) for r in rows]


async def verify_by_rel_me(actor: CurrentUser, slug: str, url: Any, profile_url: str, *,
                           allow_private: Collection[str] = (),
                           verify: ssl.SSLContext | bool = True) -> dict[str, Any]:
    """The owner asks Podium to check one of their links: the profile is verified when
    that page links back to ``profile_url`` (the profile's absolute address) with
    ``rel="me"``. The page is fetched outside any transaction (it may take seconds).

    :raises InvalidInput: the URL is not one of the profile's links, or the page cannot be
        fetched (``code`` says why: ``private_address``, ``fetch_failed``...), or it does
        not link back (``no_link_back``).
    """
    athlete = await get_by_slug(slug)
    if athlete["user"] != actor.id:
        raise Forbidden(_("only the athlete can ask for this check"))
    if athlete["verified"]:
        raise Conflict(_("this athlete is already verified"), code="already_verified")
    link = clean_text(url, "url", 500)
    if link not in athlete["links"]:
        raise InvalidInput(_("choose one of the links on your profile"), field="url", code="not_a_link")
    # allow_private and verify: the tests' local page server only (see relme).
    page = await relme.fetch_page(link, allow_private=allow_private, verify=verify)
    if not relme.links_back(page.text, page.url, profile_url):
        raise InvalidInput(_("%(link)s has no rel=\"me\" link to %(profile_url)s",
                             link=link, profile_url=profile_url), field="url",
                           code="no_link_back")
    async with atomic():
        current = await _locked(slug)
        if current["verified"]:
            raise Conflict(_("this athlete is already verified"), code="already_verified")
        if link not in current["links"]:  # edited while we fetched
            raise InvalidInput(_("choose one of the links on your profile"), field="url",
                               code="not_a_link")
        await _mark_verified(current, via="rel_me", by=None, note=link)
    return await get_by_id(current["id"])
