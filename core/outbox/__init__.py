"""The outbox room: domain events stored with the write, delivered after commit.

Services call :func:`record` inside the write's transaction; the app's
:class:`~podium.core.outbox.dispatcher.Dispatcher` tells plugins and live pages.
"""

from podium.core.outbox.service import insert_statement, record, recorded

__all__ = ["insert_statement", "record", "recorded"]
