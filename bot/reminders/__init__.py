"""Meeting reminders: the chat-side service, the database-driven scheduler and its parts."""

from bot.reminders.answering import Answering
from bot.reminders.clock import Clock, ManualClock, SystemClock
from bot.reminders.delivery import Delivery, Outcome, ProactiveSender, Sender
from bot.reminders.limits import SendLimits, SharedSendLimits, TokenBucket
from bot.reminders.reconcile import Finished, Finisher, PendingCreates, ReconcileConfig
from bot.reminders.scheduler import ReminderScheduler, SchedulerConfig, SchedulerStats
from bot.reminders.service import MeetingSpot, ReminderChoice, Reminders, choice_of

__all__ = [
    "Answering",
    "Clock",
    "Delivery",
    "Finished",
    "Finisher",
    "ManualClock",
    "MeetingSpot",
    "Outcome",
    "PendingCreates",
    "ProactiveSender",
    "ReconcileConfig",
    "ReminderChoice",
    "ReminderScheduler",
    "Reminders",
    "SchedulerConfig",
    "SchedulerStats",
    "SendLimits",
    "Sender",
    "SharedSendLimits",
    "SystemClock",
    "TokenBucket",
    "choice_of",
]
