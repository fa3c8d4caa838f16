"""The one failure every store call can end in: the database did not answer in time.

Every call to a `Store` is bounded (`STORE_TIMEOUT_SECONDS`): PostgreSQL's pool acquire and
statements, SQLite's queue and run. A database that is down, unreachable or hung (its
processes stopped) becomes `StoreUnavailable` within that bound instead of a turn that waits
forever and acts (books a meeting) long after the user gave up. Every turn reads its
conversation's state before anything else (`MeetBot._turn`), so it fails before any Graph
call, and the user is told the bot's database is not answering (`on_turn_error`).
"""

from __future__ import annotations

DEFAULT_STORE_TIMEOUT_S = 5.0


class StoreUnavailable(Exception):
    """The database did not answer within the store's timeout, or the connection to it failed.

    Whatever the call was doing may or may not have happened (a write's COMMIT may have been
    sent); nothing after it in the turn was done."""
