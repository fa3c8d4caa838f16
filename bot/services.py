"""The running parts of one Meetbot instance, built at start-up by `bot.app`."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from botbuilder.core import ActivityHandler
from botbuilder.integration.aiohttp import CloudAdapter

from bot.reminders import ReminderScheduler
from bot.store import Store


@dataclass(frozen=True, slots=True)
class Services:
    adapter: CloudAdapter
    bot: ActivityHandler
    mode: str  # "local" (simulated meetings) or "cloud"
    scheduler: ReminderScheduler
    store: Store


SERVICES = web.AppKey("meetbot.services", Services)
