"""Fixtures shared by the tournament tests."""

import pytest

from podium.tests.tournaments.support import organiser


@pytest.fixture
async def api(podium_app, podium_client):
    """The full app, a client and an organiser's headers."""
    return {"app": podium_app, "c": podium_client, "org": await organiser()}
