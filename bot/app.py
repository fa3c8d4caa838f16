"""The composition root: `create_app(config)` wires every part; nothing runs at import time.

Start-up (in the aiohttp cleanup context, so it also shuts down cleanly) finds where Graph is:
the endpoint the caller resolved (`meetbot run` with no Graph configured starts a Graph emulator
and passes it in), else the real Microsoft Graph with the configured app registration, else a
loopback emulator the user already runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp
import httpx
from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity

from bot import web as routes
from bot.graph import GraphClient, MsalTokenProvider
from bot.graph.batch import BatchedReads
from bot.graph.http import graph_http
from bot.local import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, LOCAL_TENANT, default_cert_path
from bot.reminders import (
    Answering,
    Clock,
    PendingCreates,
    ProactiveSender,
    ReconcileConfig,
    Reminders,
    ReminderScheduler,
    SchedulerConfig,
    SharedSendLimits,
    SystemClock,
)
from bot.retry import CONNECTOR_RETRY, RetryPolicy
from bot.services import SERVICES, Services
from bot.settings import AppType, RuntimeConfig, Settings, allowed_tenants, is_loopback_url
from bot.startup import DATABASE_ERRORS, StartupError, database_problem, trust
from bot.store import Store, open_store
from bot.tasks import cancel_and_wait
from bot.teams.auth import (
    CHANNEL_OPENID_METADATA_URL,
    ChannelTokenValidator,
    MeetbotAuthentication,
)
from bot.teams.connector import MeetbotConnectorFactory
from bot.teams.handler import MeetBot
from bot.teams.middleware import (
    AdmitTenants,
    Answered,
    OneTurnAtATime,
    Paced,
    PlainText,
    RememberConversation,
    on_turn_error,
)
from bot.teams.openid import OpenIdKeys
from bot.teams.pacing import Pacer
from bot.teams.sso import PendingSignIns, SignIn, SignInPrompt
from bot.teams.state import MeetbotConversationState
from bot.teams.tokens import BotTokens, ManagedIdentityBotTokens, login_authority, msal_bot_tokens
from bot.teams.user_tokens import SignedInUsers
from dialogs.calendar import CalendarFlow
from dialogs.meet import MeetingFlow
from dialogs.move import MoveFlow
from dialogs.reminders import ReminderFlow

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class GraphEndpoint:
    base_url: str
    authority: str
    client_id: str
    client_secret: str
    ca_file: Path | None  # trust exactly this certificate (a local emulator), else system CAs
    local: bool

    @classmethod
    def emulator(cls, url: str, ca_file: Path) -> GraphEndpoint:
        """A Graph emulator at `url` (scheme, host and port), its certificate in `ca_file`."""
        return cls(
            base_url=f"{url}/v1.0",
            authority=f"{url}/{LOCAL_TENANT}",
            client_id=LOCAL_CLIENT_ID,
            client_secret=LOCAL_CLIENT_SECRET,
            ca_file=ca_file,
            local=True,
        )


class _BotConfig:
    """The attribute names botbuilder's ConfigurationBotFrameworkAuthentication reads.

    Only the app's identity: incoming tokens and the connector's transport are Meetbot's own
    (`bot.teams.auth`), so the OpenID metadata and login URLs are not set here. Setting any of
    botbuilder's `TO_...` attributes would switch it to its "parameterized" mode, which then
    expects every one of them.
    """

    def __init__(self, config: RuntimeConfig, oauth_url: str | None = None) -> None:
        """`oauth_url`: the Bot Framework token service (botbuilder's `OAUTH_URL`); unset,
        botbuilder's own default."""
        s = config.settings
        self.OAUTH_URL = oauth_url or s.oauth_url
        self.APP_ID = s.microsoft_app_id or ""
        password = s.microsoft_app_password
        self.APP_PASSWORD = password.get_secret_value() if password else ""
        self.APP_TYPE = s.microsoft_app_type.value
        self.APP_TENANTID = s.microsoft_app_tenant_id or ""


def create_app(
    config: RuntimeConfig,
    *,
    graph: GraphEndpoint | None = None,
    oauth_url: str | None = None,
    clock: Clock | None = None,
    connector_retry: RetryPolicy | None = None,
) -> web.Application:
    """The bot's web app; `graph` where Graph is (default: from `config`), `oauth_url` where
    the Bot Framework token service is (default: `OAUTH_URL`, else botbuilder's), `clock`
    (default: the system's) drives replies and reminders, `connector_retry` how Bot Connector
    calls are retried (default: `CONNECTOR_RETRY`)."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    retry = connector_retry or CONNECTOR_RETRY
    app.cleanup_ctx.append(
        lambda app: _services(
            app,
            config,
            graph_endpoint=graph,
            oauth_url=oauth_url,
            clock=clock or SystemClock(),
            retry=retry,
        )
    )
    app.router.add_post("/api/messages", routes.messages)
    app.router.add_get("/healthz", routes.healthz)
    return app


def scheduler_config(settings: Settings, *, simulated: bool) -> SchedulerConfig:
    """The reminder scheduler's settings; `RETENTION_DAYS=0` keeps history forever."""
    return SchedulerConfig(
        lease=timedelta(seconds=settings.reminder_lease_seconds),
        poll=timedelta(seconds=settings.reminder_poll_seconds),
        watch_interval=timedelta(minutes=settings.watch_interval_minutes),
        simulated=simulated,
        retention=timedelta(days=settings.retention_days) if settings.retention_days else None,
    )


async def _services(
    app: web.Application,
    config: RuntimeConfig,
    *,
    graph_endpoint: GraphEndpoint | None,
    oauth_url: str | None,
    clock: Clock,
    retry: RetryPolicy,
) -> AsyncIterator[None]:
    settings = config.settings
    async with contextlib.AsyncExitStack() as stack:
        # The store first: a database that does not answer stops start-up before anything
        # else has started (or said anything).
        store = open_store(settings.database_url, timeout=settings.store_timeout_seconds)
        try:
            await store.open()
        except DATABASE_ERRORS as error:
            raise database_problem(settings.database_url, error) from None
        stack.push_async_callback(store.close)
        endpoint = graph_endpoint or _graph_endpoint(config)
        verify: ssl.SSLContext | bool = True
        if endpoint.ca_file is not None:
            verify = trust(endpoint.ca_file, "GRAPH_CA_BUNDLE")
        if endpoint.local:  # said once everything it needs is known to be there
            _announce_local_mode(endpoint.base_url)
        http = await stack.enter_async_context(graph_http(endpoint.base_url, verify=verify))
        tokens = None  # delegated mode: only users' tokens, no app-only Graph identity
        if not config.delegated:
            tokens = MsalTokenProvider(
                client_id=endpoint.client_id,
                client_secret=endpoint.client_secret,
                authority=endpoint.authority,
                verify=str(endpoint.ca_file) if endpoint.ca_file else True,
                # Microsoft's instance discovery knows only Microsoft's hosts, not loopback's.
                local_authority=endpoint.local or is_loopback_url(endpoint.authority),
            )
            stack.callback(tokens.close)
        bot_config = _BotConfig(config, oauth_url)
        authentication = await _bot_authentication(config, bot_config, retry, stack)
        signed_in = await _signed_in_users(config, authentication, bot_config, store)
        graph = GraphClient(http, tokens, user_tokens=signed_in)
        adapter = CloudAdapter(authentication)
        adapter.on_turn_error = on_turn_error
        # Proactive sends go out on the turns' connector clients (token, budget, retries), got
        # as botbuilder's own proactive turn gets them, but with no turn around the send.
        sender = ProactiveSender(
            authentication.create_connector_factory(
                adapter.create_claims_identity(bot_config.APP_ID)
            )
        )
        lease = timedelta(seconds=settings.reminder_lease_seconds)
        reminders = Reminders(
            store,
            default_lead=timedelta(minutes=settings.reminder_minutes),
            clock=clock.now,
            # The scheduler is made below: it reconciles interrupted `meet`s through the flow.
            on_change=lambda due: scheduler.wake(due),  # noqa: PLW0108
            hold=lease,  # a `meet` is reconciled once its turn has had this long
        )
        meetings = MeetingFlow(graph, simulated=endpoint.local, reminders=reminders)
        answering = Answering()  # turns in flight, which reminders give way to
        scheduler = ReminderScheduler(
            answering=answering,
            store=store,
            events=BatchedReads(graph),  # a claim's re-reads go as JSON batches
            sender=sender,
            # Teams' limits per tenant and per conversation, shared by every instance.
            limits=SharedSendLimits(store, app_rate=settings.teams_send_rate),
            clock=clock,
            config=scheduler_config(settings, simulated=endpoint.local),
            pending=PendingCreates(
                store=store,
                finisher=meetings,
                sender=sender,
                clock=clock,
                config=ReconcileConfig(lease=lease),
            ),
        )
        pending = PendingSignIns(store, clock.now)
        bot = MeetBot(
            meetings=meetings,
            calendar=CalendarFlow(graph, simulated=endpoint.local),
            moves=MoveFlow(graph, simulated=endpoint.local, reminders=reminders),
            reminders=ReminderFlow(reminders),
            conversation_state=MeetbotConversationState(store),
            local_mode=config.local_mode,
            clock=clock.now,
            default_zone=ZoneInfo(settings.default_timezone),
            sign_in=None
            if signed_in is None
            else SignInPrompt(
                signed_in, pending, bot_app_id=bot_config.APP_ID, local_mode=config.local_mode
            ),
        )
        # In this order (`bot.teams.middleware`): nothing of a refused tenant's is stored, and
        # the lock and the store are waited on inside the Pacer's window.
        pacer, turns = Pacer(), OneTurnAtATime()
        adapter.use(Answered(answering))
        adapter.use(PlainText())
        tenants = allowed_tenants(settings)
        if tenants is not None:
            adapter.use(AdmitTenants(tenants))
        if signed_in is not None:  # before the lock: a kept command runs as a turn of its own
            adapter.use(
                SignIn(
                    signed_in, pending, store, bot_turn=bot.on_turn, local_mode=config.local_mode
                )
            )
        adapter.use(Paced(pacer))
        adapter.use(turns)
        adapter.use(RememberConversation(reminders))
        # Turns answered early (Teams' 15 s window) finish before the connector and store close.
        stack.push_async_callback(pacer.drain)
        app[SERVICES] = Services(
            adapter=adapter,
            bot=bot,
            mode="local" if endpoint.local else "cloud",
            scheduler=scheduler,
            store=store,
            channel_keys=authentication.channel_keys,
            pacer=pacer,
            turns=turns,
        )
        runner = asyncio.create_task(scheduler.run(), name="reminder-scheduler")
        stack.push_async_callback(_stop, runner)
        yield


async def _bot_authentication(
    config: RuntimeConfig,
    bot_config: _BotConfig,
    retry: RetryPolicy,
    stack: contextlib.AsyncExitStack,
) -> MeetbotAuthentication:
    """Incoming channel tokens checked against the channel's keys, and connector clients that
    carry the bot's token (both only with an app id), over pooled async HTTP clients."""
    settings = config.settings
    connector_http = await stack.enter_async_context(
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=100),
            timeout=aiohttp.ClientTimeout(total=retry.attempt_timeout, sock_connect=3.0),
            cookie_jar=aiohttp.DummyCookieJar(),  # the Bot Connector authenticates by token
        )
    )
    validator: ChannelTokenValidator | None = None
    tokens: BotTokens | None = None
    if config.auth_enabled:
        verify: ssl.SSLContext | bool = True
        if settings.bot_ca_bundle is not None:  # a local channel identity's certificate
            verify = trust(settings.bot_ca_bundle, "BOT_CA_BUNDLE")
        identity_http = await stack.enter_async_context(
            # Two fetches (metadata, keys) must fit in the turn's 15 s with room to spare.
            httpx.AsyncClient(verify=verify, timeout=httpx.Timeout(4.0, connect=2.0))
        )
        metadata_url = settings.bot_openid_metadata_url or CHANNEL_OPENID_METADATA_URL
        validator = ChannelTokenValidator(
            OpenIdKeys(identity_http, metadata_url), bot_config.APP_ID
        )
        tokens = _bot_tokens(config, bot_config)
        stack.callback(tokens.close)
    return MeetbotAuthentication(
        ConfigurationBotFrameworkAuthentication(bot_config),
        validator,
        MeetbotConnectorFactory(connector_http, tokens, retry, bot_config.APP_ID),
    )


async def _signed_in_users(
    config: RuntimeConfig,
    authentication: MeetbotAuthentication,
    bot_config: _BotConfig,
    store: Store,
) -> SignedInUsers | None:
    """Delegated mode: users' own tokens, from the token service as this bot."""
    if not config.delegated:
        return None
    assert config.settings.oauth_connection_name is not None  # resolve() checked
    claims = {
        AuthenticationConstants.AUDIENCE_CLAIM: bot_config.APP_ID,
        AuthenticationConstants.APP_ID_CLAIM: bot_config.APP_ID,
    }
    client = await authentication.create_user_token_client(ClaimsIdentity(claims, True))
    return SignedInUsers(client, store, config.settings.oauth_connection_name)


def _bot_tokens(config: RuntimeConfig, bot_config: _BotConfig) -> BotTokens:
    settings = config.settings
    if settings.microsoft_app_type is AppType.USER_ASSIGNED_MSI:
        return ManagedIdentityBotTokens(bot_config.APP_ID)
    single_tenant = settings.microsoft_app_type is AppType.SINGLE_TENANT
    return msal_bot_tokens(
        app_id=bot_config.APP_ID,
        password=bot_config.APP_PASSWORD,
        authority=login_authority(
            settings.bot_login_url, bot_config.APP_TENANTID if single_tenant else None
        ),
        ca_file=settings.bot_ca_bundle,
    )


async def _stop(task: asyncio.Task[None]) -> None:
    await cancel_and_wait(task)
    if not task.cancelled():
        task.result()  # it ended of its own accord: with its error, if it had one


def _graph_endpoint(config: RuntimeConfig) -> GraphEndpoint:
    settings = config.settings
    if config.graph is not None:
        assert config.graph_base_url is not None
        return GraphEndpoint(
            base_url=config.graph_base_url,
            authority=f"{config.graph.authority_host}/{config.graph.tenant_id}",
            client_id=config.graph.client_id,
            client_secret=config.graph.client_secret,
            ca_file=settings.graph_ca_bundle,
            local=False,
        )
    if config.delegated and config.graph_base_url and not config.local_mode:
        # The real Graph as each signed-in user: their tokens come from the token service.
        return GraphEndpoint(
            base_url=config.graph_base_url,
            authority="",
            client_id="",
            client_secret="",
            ca_file=settings.graph_ca_bundle,
            local=False,
        )
    if not config.graph_base_url:
        raise StartupError(
            "Graph is not configured: set GRAPH_BASE_URL (a Graph emulator) or the Graph app "
            "registration, or start with `meetbot run`, which starts a Graph emulator itself"
        )
    # an emulator the user already runs on this machine
    parts = urlsplit(config.graph_base_url)
    ca_file = settings.graph_ca_bundle or default_cert_path(parts.port or 443)
    if settings.graph_ca_bundle is None and not ca_file.is_file():
        raise StartupError(
            f"GRAPH_BASE_URL: no certificate for a Graph emulator on port {parts.port} "
            f"at {ca_file}: start `meetbot graph-emulator --port {parts.port}` first, or "
            "set GRAPH_CA_BUNDLE to its certificate"
        )
    endpoint = GraphEndpoint.emulator(f"{parts.scheme}://{parts.netloc}", ca_file)
    return dataclasses.replace(endpoint, base_url=config.graph_base_url)


def _announce_local_mode(url: str) -> None:
    log.warning(
        "Local mode: no Graph credentials, so meetings are simulated by the Graph emulator at "
        "%s; no Microsoft 365 tenant is contacted.",
        url,
    )
