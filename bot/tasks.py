"""Ending tasks that run beside the caller: the scheduler at shutdown, the typing indicator
when a turn ends, the losing side of a "whichever comes first" wait."""

from __future__ import annotations

import asyncio
from typing import Any


async def cancel_and_wait(*tasks: asyncio.Future[Any]) -> None:
    """Cancel `tasks` and wait until every one has ended; what each ended with stays on it.

    A cancel of the caller that comes while they end goes on up. The usual
    `with suppress(CancelledError): await task` would lose it: the caller then carries on as if
    nobody had asked it to stop (a shutdown that waits for it waits for ever).
    """
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks)
