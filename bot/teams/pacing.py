"""Answer Teams within its window: typing while the work runs, the HTTP answer before the deadline,
the rest of the turn after it.

Teams gives a bot about 15 s to answer the POST of an activity, and Graph calls under retries can
take longer. `Pacer.run` starts the turn's work as a task and waits for it at most
`answer_within` seconds. If it is not done by then the HTTP request is answered and the work goes
on with the same turn context: its connector client keeps working after the request, so the card
is still sent as a reply in the same thread, dialog and conversation state are saved at the end
of the turn as usual, and an error still reaches the adapter's `on_turn_error` (the user gets the
apology). Nothing is re-run and nothing is sent twice.

While the work runs, a typing indicator goes out after `typing_after` seconds and again every
`typing_every` seconds, until the turn sends or updates anything else (as botbuilder's own
`ShowTypingMiddleware` does after 0.5 s: a reply that comes at once needs no indicator, and
every send counts against Teams' 7-per-second limit per conversation).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes

from bot.tasks import cancel_and_wait

log = logging.getLogger(__name__)

ANSWER_WITHIN = 2.5  # seconds: far inside Teams' ~15 s, and long enough for most Graph calls
TYPING_AFTER = 1.0  # most answers come sooner and need no indicator
TYPING_EVERY = 3.0  # Teams shows an indicator for about 3 s
TYPING_FOR_AT_MOST = 60.0  # a stuck turn does not keep "typing" forever


class Pacer:
    """Runs message turns against Teams' deadline; `drain` lets late turns finish on shutdown."""

    def __init__(
        self,
        *,
        answer_within: float = ANSWER_WITHIN,
        typing_after: float = TYPING_AFTER,
        typing_every: float = TYPING_EVERY,
    ) -> None:
        if answer_within <= 0 or typing_after < 0 or typing_every <= 0:
            raise ValueError("answer_within and typing_every must be positive, typing_after >= 0")
        self._answer_within = answer_within
        self._typing_after = typing_after
        self._typing_every = typing_every
        self._late: set[asyncio.Task[None]] = set()

    @property
    def late_turns(self) -> int:
        """Turns still running after their HTTP request was answered."""
        return len(self._late)

    async def run(self, turn_context: TurnContext, work: Callable[[], Awaitable[None]]) -> None:
        """Do `work` for this turn; return when it is done or when the window closes."""
        typing = Typing(turn_context, self._typing_after, self._typing_every)
        turn_context.on_send_activities(typing.before_send)
        turn_context.on_update_activity(typing.before_update)
        task = asyncio.create_task(_with_typing(work, typing))
        # `wait_for(shield(task))`, without its extra futures and tasks: wake at whichever comes
        # first, the end of the work or of the window; the work itself is never cancelled.
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        timer = loop.call_later(self._answer_within, _release, waiter)
        task.add_done_callback(lambda _: _release(waiter))
        try:
            await waiter
        except asyncio.CancelledError:  # the request went away; the user still gets the answer
            self._follow(task, turn_context)
            raise
        finally:
            timer.cancel()
        if task.done():
            task.result()  # the turn's own failure, raised here as it would be inline
            return
        log.info("the turn outlasts %.1f s: answering now, replying later", self._answer_within)
        self._follow(task, turn_context)

    async def drain(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 (shutdown grace)
        """Wait up to `timeout` seconds for late turns, then cancel what is left."""
        if not self._late:
            return
        _done, pending = await asyncio.wait(set(self._late), timeout=timeout)
        for task in pending:
            log.warning("a late turn was still running at shutdown: cancelled")
            task.cancel()
        if pending:
            await asyncio.wait(pending)

    def _follow(self, task: asyncio.Task[None], turn_context: TurnContext) -> None:
        follower = asyncio.create_task(_finish_late(task, turn_context))
        self._late.add(follower)
        follower.add_done_callback(self._late.discard)


def _release(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


async def _with_typing(work: Callable[[], Awaitable[None]], typing: Typing) -> None:
    typing.start()
    try:
        await work()
    finally:
        await typing.stop()


async def _finish_late(task: asyncio.Task[None], turn_context: TurnContext) -> None:
    """Await a turn after its request was answered; a failure goes where it would have gone."""
    try:
        await task
    except asyncio.CancelledError:
        task.cancel()
        raise
    except Exception as error:
        on_error = getattr(turn_context.adapter, "on_turn_error", None)
        if on_error is None:
            log.exception("a late turn failed", exc_info=error)
            return
        try:
            await on_error(turn_context, error)
        except Exception:
            log.exception("the error handler failed for a late turn")


class Typing:
    """The typing indicator of one turn. Stopped by the turn's first real send or update; a
    typing send already on its way finishes first, so it can never arrive after the reply."""

    def __init__(self, turn_context: TurnContext, after: float, every: float) -> None:
        # Let go of once stopped: the turn context holds this object's handlers, and a cycle
        # between the two would outlive the turn until the garbage collector came round.
        self._context: TurnContext | None = turn_context
        self._after = after
        self._every = every
        self._lock = asyncio.Lock()
        self._stopped = False
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self.sent = 0

    def start(self) -> None:
        """Plan the first indicator. Most turns answer before it is due, so until then it is a
        timer, not a task: cancelling a timer costs nothing, a sleeping task a wake-up."""
        if self._timer is None and self._task is None and not self._stopped:
            self._timer = asyncio.get_running_loop().call_later(self._after, self._begin)

    def _begin(self) -> None:
        self._timer = None
        if not self._stopped:
            self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        async with self._lock:  # let a typing send in flight land before anything else
            pass
        if self._task is not None:
            await cancel_and_wait(self._task)
        self._context = None

    async def before_send(
        self, context: TurnContext, activities: list[Activity], next_send: Callable[[], Any]
    ) -> None:
        if any(activity.type != ActivityTypes.typing for activity in activities):
            await self.stop()
        await next_send()

    async def before_update(
        self, context: TurnContext, activity: Activity, next_update: Callable[[], Any]
    ) -> None:
        await self.stop()
        await next_update()

    async def _loop(self) -> None:
        waited = self._after  # `start`'s timer waited that long
        while waited <= TYPING_FOR_AT_MOST:
            async with self._lock:
                if self._stopped or self._context is None:
                    return
                try:
                    await self._context.send_activity(Activity(type=ActivityTypes.typing))
                except Exception as exc:  # an indicator is a courtesy: never fail the turn on it
                    log.info("typing indicator not sent: %s", exc)
                    return
                self.sent += 1
            await asyncio.sleep(self._every)
            waited += self._every
