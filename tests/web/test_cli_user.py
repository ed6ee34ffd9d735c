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
