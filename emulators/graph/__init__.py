"""A local Microsoft Graph v1.0 emulator (with the Entra ID token endpoint msal needs).

A product feature, not a test mock: `meetbot run` starts it in local mode and
`meetbot graph-emulator` runs it alone. It serves HTTPS (msal accepts only https authorities)
and follows the seed pages in shared/seeds/: calendar, events (six POST paths, transactionId,
Prefer time zone, $select, PATCH rules, cancel), recurring series (`emulators.graph.series`:
occurrences and exceptions in calendarView and `instances`, one occurrence changed or cancelled),
calendarView and the events list (paged with $top/$skip and @odata.nextLink), onlineMeetings
createOrGet, Graph's error shapes, and Outlook's per-mailbox concurrency limit.
`emulator.faults` (and `/_emulator/faults`) makes it fail on purpose, per route: 429/5xx,
answers held past a client's timeout, dropped connections, before or after the request takes
effect (see `emulators.graph.faults`). Switches make it behave as real Graph sometimes does
(`emulators.graph.quirks`): a create without the Teams meeting asked for, or answered before its
`onlineMeeting` was filled in; event ids that change when the event moves; a user without an
Exchange Online mailbox; the access-policy 403 in each of its wordings.
App tokens come from the client-credentials endpoint; a signed-in user's token is minted by
`emulators.graph.identity.delegated_token` (or `POST /_emulator/tokens`) and reaches `/me/...`
and its own `/users/{id}/...` only, within its scopes (`emulators.graph.routes`).

    emulator = GraphEmulator()
    served = await serve(emulator.app, ssl_context=make_loopback_identity().server_context())
    # authority: f"{served.url}/{emulator.config.tenant_id}", Graph: f"{served.url}/v1.0"
"""

from emulators.graph.config import GraphEmulatorConfig, UserConfig
from emulators.graph.emulator import GraphEmulator
from emulators.graph.faults import FaultError, FaultInjector, FaultRule
from emulators.graph.recording import RecordedRequest

__all__ = [
    "FaultError",
    "FaultInjector",
    "FaultRule",
    "GraphEmulator",
    "GraphEmulatorConfig",
    "RecordedRequest",
    "UserConfig",
]
