"""The running parts of one Meetbot instance, built at start-up by `bot.app`."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from botbuilder.core import ActivityHandler
from botbuilder.integration.aiohttp import CloudAdapter

from bot.reminders import ReminderScheduler
from bot.store import StoreHealth
from bot.teams.middleware import OneTurnAtATime
from bot.teams.openid import OpenIdKeys
from bot.teams.pacing import Pacer


@dataclass(frozen=True, slots=True)
class Services:
    adapter: CloudAdapter
    bot: ActivityHandler
    mode: str  # "local" (simulated meetings) or "cloud"
    scheduler: ReminderScheduler
    store: StoreHealth  # what /healthz asks of it
    channel_keys: OpenIdKeys | None = None  # None: incoming authentication is off
    pacer: Pacer | None = None  # message turns against Teams' window; drained at shutdown
    turns: OneTurnAtATime | None = None  # one turn at a time per conversation


SERVICES = web.AppKey("meetbot.services", Services)
