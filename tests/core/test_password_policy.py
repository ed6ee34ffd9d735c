"""Passwords: not common, not the username. Display names: no hidden characters, no copy of
another user's, and a name stored before these rules is cleaned where it is used, never a
reason to refuse its owner later.

The rules are pure (:mod:`podium.core.accounts.rules`) and tested with hypothesis; the
sign-up form, the password API and a tournament registration show them at work.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from podium.core.accounts import rules, service
from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.core.test_venue_support import bearer_for

COMMON = sorted(rules.common_passwords())
HIDDEN = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
          "\u2069", "\u200b", "\u200e", "\ufeff", "\x00", "\x07", "\x1b", "\x7f", "\n"]
usernames = st.from_regex(r"[A-Za-z0-9_.-]{8,40}", fullmatch=True)


def flip_case(text: str, flips: list[bool]) -> str:
    """``text`` with the letters at True positions upper-cased and the others lower-cased."""
    return "".join(ch.upper() if up else ch.lower() for ch, up in zip(text, flips + [False] * len(text)))


# -- the password policy ------------------------------------------------------------------

def test_the_shipped_list_holds_ten_thousand_common_passwords():
    assert len(rules.common_passwords()) == 10_000
    assert {"password", "123456", "qwertyuiop", "password1", "iloveyou"} <= rules.common_passwords()
    assert rules.common_passwords() is rules.common_passwords()  # read once


@given(st.sampled_from(COMMON), st.lists(st.booleans(), max_size=40))
def test_every_common_password_is_refused_in_any_case(password, flips):
    problem = rules.password_problem(flip_case(password, flips), "someone")
    assert problem is not None


@given(usernames, st.lists(st.booleans(), max_size=40))
def test_the_username_is_refused_as_password_in_any_case(username, flips):
    problem = rules.password_problem(flip_case(username, flips), username)
    assert problem is not None
    assert "username" in problem or "common" in problem


@given(st.text(min_size=0, max_size=300), usernames)
@settings(max_examples=300)
def test_the_policy_is_exactly_its_four_rules(password, username):
    problem = rules.password_problem(password, username)
    breaks = (
        not rules.MIN_PASSWORD <= len(password) <= rules.MAX_PASSWORD
        or "\x00" in password
        or password.casefold() == username.casefold()
        or password.casefold() in rules.common_passwords()
    )
    assert (problem is not None) == breaks


def test_a_long_uncommon_password_is_accepted():
    assert rules.password_problem(DEFAULT_PASSWORD, "alice") is None
    assert rules.password_problem("podium-demo", "admin") is None  # the demo's password


# -- display names --------------------------------------------------------------------------

names = st.text(st.characters(codec="utf-8"), max_size=120)


@given(names)
@settings(max_examples=500)
def test_a_cleaned_name_has_no_hidden_characters_and_cleaning_twice_changes_nothing(name):
    cleaned = rules.clean_display_name(name)
    assert not rules.has_hidden_characters(cleaned)
    assert not any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in cleaned)
    assert len(cleaned) <= rules.DISPLAY_NAME_MAX
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert rules.clean_display_name(cleaned) == cleaned


@given(names, st.sampled_from(HIDDEN), st.integers(min_value=0, max_value=120))
def test_any_hidden_character_is_seen(name, hidden, position):
    assert rules.has_hidden_characters(name[:position] + hidden + name[position:])


@given(st.from_regex(r"[A-Za-z][A-Za-z ]{0,30}", fullmatch=True), st.lists(st.booleans(), max_size=40),
       st.sampled_from(["", " ", "  ", "\u200b", "\u202e", "-", "_", "\u00a0", "\u3000"]),
       st.integers(min_value=0, max_value=31))
def test_copies_that_only_differ_in_case_spacing_or_hidden_characters_share_a_key(
        name, flips, noise, position):
    copy = flip_case(name, flips)
    copy = copy[:position] + noise + copy[position:]
    assert rules.display_name_key(copy) == rules.display_name_key(name)


def test_styled_and_full_width_letters_share_the_plain_key():
    assert rules.display_name_key("ＭＡＲＩＥ ＳＰＲＩＮＴ") == rules.display_name_key("Marie Sprint")
    assert rules.display_name_key("𝐌𝐚𝐫𝐢𝐞") == rules.display_name_key("marie")
    assert rules.display_name_key("Marie") != rules.display_name_key("Marié")


# -- at work: sign-up, the password API, a registration -------------------------------------

def _signup(username: str, password: str, display_name: str = "") -> dict[str, str]:
    return {"username": username, "display_name": display_name, "password": password,
            "password2": password, "email": ""}


async def test_signup_refuses_a_common_password_and_the_username(podium_client):
    common = await podium_client.form_post("/signup", _signup("gwen", "Password1"))
    assert common.status_code == 422 and "10,000 most common passwords" in common.text
    same = await podium_client.form_post("/signup", _signup("gwendolyn", "GWENDOLYN"))
    assert same.status_code == 422 and "same as the username" in same.text
    assert await service.get_user_by_name("gwen") is None
    assert await service.get_user_by_name("gwendolyn") is None


async def test_signup_refuses_hidden_characters_and_a_copied_display_name(podium_client):
    await service.create_user("marie", DEFAULT_PASSWORD, display_name="Marie Sprint")
    override = await podium_client.form_post(
        "/signup", _signup("mallory", DEFAULT_PASSWORD, "Marie\u202etnirpS"))
    assert override.status_code == 422 and "right-to-left" in override.text
    copied = await podium_client.form_post(
        "/signup", _signup("mallory", DEFAULT_PASSWORD, "  marie\u00a0 SPRINT "))
    assert copied.status_code == 422 and "already called" in copied.text
    # The default display name (the username) is checked too.
    await service.create_user("dupont", DEFAULT_PASSWORD, display_name="Sprinter")
    assert (await podium_client.form_post("/signup", _signup("sprinter", DEFAULT_PASSWORD))
            ).status_code == 422
    assert await service.get_user_by_name("mallory") is None
    ok = await podium_client.form_post("/signup", _signup("mallory", DEFAULT_PASSWORD, "Mallory"))
    assert ok.status_code == 303


async def test_copying_a_display_name_is_a_409_with_its_code(podium_db):
    await service.create_user("alpha", DEFAULT_PASSWORD, display_name="Track Queen")
    try:
        await service.create_user("beta", DEFAULT_PASSWORD, display_name="track-queen")
    except service.Conflict as exc:
        assert exc.status_code == 409 and exc.code == "display_name_taken"
        assert exc.extra["field"] == "display_name"
    else:
        raise AssertionError("a copied display name was accepted")


async def test_a_name_accepted_before_the_rules_still_registers_cleaned(podium_client):
    """A display name stored with a bidi override and a control character (accepted before
    these rules) is cleaned where it is used: its owner registers for a tournament."""
    from podium.core.accounts.tables import User
    from podium.tests.tournaments.support import create, organiser

    org = await organiser()
    tournament = await create(podium_client, org)
    legacy = User(username="legacy", display_name="Old\u202eName\x07", password_hash="x",
                  roles="player", created_at=datetime.now(timezone.utc))
    await legacy.save()
    user = await service.get_user(legacy.id)
    assert user is not None and user.display_name == "OldName"
    r = await podium_client.post(f"/api/v1/tournaments/{tournament['id']}/registrations",
                                 headers=await bearer_for(user))
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "OldName"



async def test_concurrent_sign_ups_never_both_take_copies_of_one_name(podium_app, podium_client_factory):
    """Real concurrent sign-ups: names that copy each other (or one username) are taken by
    exactly one; the other gets the form's message, never a 500. On PostgreSQL the checks
    of both can pass at once: the unique ``display_key`` index settles it."""
    import asyncio

    from podium.core.accounts.tables import User

    for round_no in range(4):
        clients = [await podium_client_factory(podium_app) for _ in range(3)]
        forms = [_signup(f"racer{round_no}a", DEFAULT_PASSWORD, f"Copy Cat {round_no}"),
                 _signup(f"racer{round_no}b", DEFAULT_PASSWORD, f"copy-cat {round_no}"),
                 _signup(f"racer{round_no}a", DEFAULT_PASSWORD, f"Other {round_no}")]
        answers = await asyncio.gather(*(c.form_post("/signup", f) for c, f in zip(clients, forms)))
        codes = sorted(a.status_code for a in answers)
        assert 500 not in codes, [a.text[:300] for a in answers]
        taken = await User.select(User.display_key).where(User.username.like(f"racer{round_no}%"))
        keys = [row["display_key"] for row in taken]
        assert len(keys) == len(set(keys))
        # "Copy Cat" and "copy-cat" share a key: one of those two sign-ups won at most;
        # racer{n}a was asked for twice: one of those won at most.
        assert sum(1 for k in keys if k == f"copycat{round_no}") <= 1
        assert len(keys) <= 2 and codes.count(303) == len(keys)
        assert all(a.status_code in (303, 409, 422) for a in answers)


async def test_the_unique_key_refuses_a_copy_the_check_did_not_see(podium_client, monkeypatch):
    """Where the check passes for both racers (PostgreSQL, both checks before either
    insert), the unique index refuses the second insert: shown here by skipping the
    check. The refusal is the same 409 with its reason, not a 500."""
    async def unchecked(display_name: str, *, other_than: int | None = None) -> str:
        return rules.clean_display_name(display_name)

    monkeypatch.setattr(service, "check_display_name", unchecked)
    await service.create_user("first", DEFAULT_PASSWORD, display_name="Velodrome Star")
    try:
        await service.create_user("second", DEFAULT_PASSWORD, display_name="velodrome-STAR")
    except service.Conflict as exc:
        assert exc.code == "display_name_taken"
    else:
        raise AssertionError("the unique index let a copied display name in")
    answer = await podium_client.form_post("/signup", _signup("third", DEFAULT_PASSWORD, "VELODROME star"))
    assert answer.status_code == 409 or answer.status_code == 422
    assert "already called" in answer.text
    assert await service.get_user_by_name("second") is None
