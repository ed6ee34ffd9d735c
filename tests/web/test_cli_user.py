"""``podium user create``: an account from the command line, with roles, refused clearly
when the input is wrong (and then nothing is created)."""

from __future__ import annotations

from podium.core.accounts import service
from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.core.test_plugins_inventory import run_podium


async def test_user_create_makes_an_account_that_can_sign_in(podium_db):
    done = run_podium("user", "create", "marshal", "--password", DEFAULT_PASSWORD,
                      "--roles", "staff,organiser", "--display-name", "Race marshal")
    assert done.returncode == 0, done.stderr
    assert "created marshal with roles organiser, staff" in done.stdout
    user = await service.authenticate("marshal", DEFAULT_PASSWORD)
    assert user is not None and user.roles == {"staff", "organiser"}
    assert user.display_name == "Race marshal"


async def test_user_create_refuses_bad_input_and_creates_nothing(podium_db):
    unknown_role = run_podium("user", "create", "ghost", "--password", DEFAULT_PASSWORD,
                              "--roles", "wizard")
    assert unknown_role.returncode != 0 and "unknown role(s): wizard" in unknown_role.stderr
    short = run_podium("user", "create", "ghost", "--password", "short")
    assert short.returncode != 0 and "at least 8 characters" in short.stderr
    assert await service.get_user_by_name("ghost") is None
    run_podium("user", "create", "taken", "--password", DEFAULT_PASSWORD)
    again = run_podium("user", "create", "taken", "--password", DEFAULT_PASSWORD)
    assert again.returncode != 0 and "taken" in again.stderr


async def test_user_revoke_tokens_revokes_every_token_of_that_user_only(podium_db):
    from podium.tests.core.test_venue_support import quick_user

    target, bystander = await quick_user("leaky"), await quick_user("bystander")
    tokens = [await service.issue_token(target) for _ in range(2)]
    kept = await service.issue_token(bystander)
    done = run_podium("user", "revoke-tokens", "leaky")
    assert done.returncode == 0, done.stderr
    assert "revoked 2 API tokens of leaky" in done.stdout
    for token in tokens:
        assert await service.user_for_token(token) is None
    assert await service.user_for_token(kept) == bystander
    nobody = run_podium("user", "revoke-tokens", "nobody-here")
    assert nobody.returncode != 0 and "no user is called 'nobody-here'" in nobody.stderr


async def test_user_create_refuses_a_common_password(podium_db):
    common = run_podium("user", "create", "weakling", "--password", "password123")
    assert common.returncode != 0 and "most common" in common.stderr
    assert await service.get_user_by_name("weakling") is None
