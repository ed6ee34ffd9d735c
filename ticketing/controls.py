"""The negative controls of the concurrency tests: switches that take a lock away.

A race test proves its lock only if the same rush without it goes wrong, so the checkout,
the gate and transfers each have a switch that skips their lock. The switches are read
from the environment (a live test server inherits them) and are honoured only under the
test suite (``PODIUM_TESTING_CONFIGURED``, set by Podium's pytest plugin), never in a venue.
"""

from __future__ import annotations

import os


def lock_removed(variable: str) -> bool:
    """True when the test suite set ``variable=1`` to run a write without its lock."""
    return (os.environ.get(variable) == "1"
            and os.environ.get("PODIUM_TESTING_CONFIGURED") == "1")
