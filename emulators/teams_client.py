"""The Teams client's side of bot sign-in, played by the connector emulator.

When the bot sends an activity carrying an OAuth card (`application/vnd.microsoft.card.oauth`,
as botbuilder's `OAuthPrompt` writes it: `connectionName`, `buttons[0].value` the sign-in link,
`tokenExchangeResource {id, uri, providerId}`) and the emulator was told how the client answers
(`TeamsClient.configure`, or `POST /_emulator/teams-client`), it answers as Teams does, by
POSTing an invoke to the bot's messaging endpoint
(https://learn.microsoft.com/microsoftteams/platform/bots/how-to/authentication/bot-sso-code):

- `"sso"`: the client gets an SSO token for the card's resource for the user and sends
  `signin/tokenExchange {id, connectionName, token}`, once per open client of the user
  (`clients`, all at once with the same `id`: Teams sends one from each), spread over the
  bot's `replicas` when there are several behind one endpoint.
- `"magic-code"`: the user opens the sign-in link (a GET on the token service, which signs the
  user in and shows a six-digit code) and the client sends `signin/verifyState {state: code}`.
- `"sso-then-magic-code"`: "sso", and when the bot answers 412 to every exchange (Teams then
  shows its consent and sign-in card,
  https://learn.microsoft.com/microsoftteams/platform/bots/how-to/authentication/bot-sso-overview),
  the user opens the link: "magic-code".

The SSO token comes from the token service stand-in: `TokenService.sso_token` when it is in this
process, else `POST {token service}/_emulator/sso-token` (by default the service that issued the
sign-in link). The invoke is shaped like the activities Teams posts: `channelId` msteams,
`serviceUrl` this emulator, `from` the card's recipient (its `aadObjectId` from the roster the
emulator knows, `add_member`), `recipient` the bot, `conversation` where the card was sent,
`channelData.tenant`. Every invoke made is recorded with the bot's HTTP status (`invokes`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, get_args
from urllib.parse import urlsplit

import httpx

from emulators.channel_identity import ChannelIdentity

if TYPE_CHECKING:
    from emulators.token_service import TokenService

OAUTH_CARD = "application/vnd.microsoft.card.oauth"
Answer = Literal["sso", "magic-code", "sso-then-magic-code"]
ANSWERS: tuple[str, ...] = get_args(Answer)

log = logging.getLogger("emulators.teams_client")


@dataclass(frozen=True)
class ClientSettings:
    """How the client answers an OAuth card, and where the bot listens."""

    bot_url: str  # the messaging endpoint, e.g. http://127.0.0.1:3978/api/messages
    answer: Answer = "sso"
    clients: int = 1  # the user's open Teams clients: one exchange each
    # Other replicas behind the same endpoint: the exchanges are spread over
    # (bot_url, *replicas) in turn, as a load balancer spreads Teams' requests.
    replicas: tuple[str, ...] = ()
    token_service: TokenService | None = None  # in this process: its `sso_token`
    token_service_url: str | None = None  # else over HTTP (default: the sign-in link's host)

    def __post_init__(self) -> None:
        if self.answer not in ANSWERS:
            raise ValueError(f"unknown answer {self.answer!r}; one of {list(ANSWERS)}")
        if self.clients < 1:
            raise ValueError("a user has at least one client")
        for url in (self.bot_url, *self.replicas):
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"the bot's URL must be http(s), not {url!r}")

    def endpoint(self, turn: int) -> str:
        """Where the `turn`-th request of an answer goes."""
        urls = (self.bot_url, *self.replicas)
        return urls[turn % len(urls)]


@dataclass(frozen=True)
class ClientInvoke:
    """One invoke the client posted, and what the bot answered (`status` None: no answer)."""

    name: str
    conversation_id: str
    user_id: str
    value: dict[str, Any]
    status: int | None
    body: str = ""
    error: str | None = None

    def json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "conversationId": self.conversation_id,
            "userId": self.user_id,
            "value": self.value,
            "status": self.status,
            "body": self.body,
            "error": self.error,
        }


@dataclass(frozen=True)
class _Card:
    """What the client reads off an OAuth card, and where it was sent."""

    connection_name: str
    sign_in_link: str | None
    exchange_id: str | None
    service_url: str
    conversation: dict[str, Any]
    user: dict[str, Any]
    bot: dict[str, Any]
    tenant_id: str | None


@dataclass
class TeamsClient:
    """Answers the bot's OAuth cards once configured; `notify` is called after each invoke."""

    identity: ChannelIdentity | None = None
    notify: Callable[[], None] = lambda: None
    settings: ClientSettings | None = None
    invokes: list[ClientInvoke] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, init=False, repr=False)

    def configure(self, settings: ClientSettings | None) -> None:
        """Answer OAuth cards from now on as `settings` say (None: leave them unanswered)."""
        self.settings = settings

    def reset(self) -> None:
        self.settings = None
        self.invokes.clear()

    async def idle(self) -> None:
        """Return once every answer under way has been posted and recorded."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def saw(
        self,
        activity: dict[str, Any],
        *,
        conversation_id: str,
        service_url: str,
        roster: dict[str, dict[str, Any]],
    ) -> None:
        """The bot sent `activity` to `conversation_id`: answer its OAuth card, if it has one
        and the client is configured (in the background: Teams answers after the send)."""
        settings = self.settings
        if settings is None:
            return
        card = _oauth_card(activity, conversation_id, service_url, roster)
        if card is None:
            return
        task = asyncio.get_running_loop().create_task(self._answer(settings, card))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- answering ------------------------------------------------------------------------------

    async def _answer(self, settings: ClientSettings, card: _Card) -> None:
        async with httpx.AsyncClient(timeout=30) as http:
            if settings.answer == "magic-code":
                await self._verify_state(http, settings, card)
                return
            statuses = await self._exchange(http, settings, card)
            if settings.answer == "sso-then-magic-code" and 200 not in statuses and 412 in statuses:
                await self._verify_state(http, settings, card)

    async def _exchange(
        self, http: httpx.AsyncClient, settings: ClientSettings, card: _Card
    ) -> list[int | None]:
        user_id = str(card.user.get("id", ""))
        try:
            token = await self._sso_token(http, settings, card)
        except (httpx.HTTPError, ValueError) as error:
            self._record("signin/tokenExchange", card, {}, None, error=f"no SSO token: {error}")
            return []
        value = {
            "id": card.exchange_id or str(uuid.uuid4()),
            "connectionName": card.connection_name,
            "token": token,
        }
        log.debug("client answers %s's OAuth card with %d exchanges", user_id, settings.clients)
        return list(
            await asyncio.gather(
                *(
                    self._post(http, settings, card, "signin/tokenExchange", value, turn=turn)
                    for turn in range(settings.clients)
                )
            )
        )

    async def _verify_state(
        self, http: httpx.AsyncClient, settings: ClientSettings, card: _Card
    ) -> None:
        if not card.sign_in_link:
            self._record("signin/verifyState", card, {}, None, error="the card has no link")
            return
        try:
            opened = await http.get(card.sign_in_link)
            opened.raise_for_status()
            code = opened.headers["X-Magic-Code"]
        except (httpx.HTTPError, KeyError) as error:
            self._record("signin/verifyState", card, {}, None, error=f"sign-in failed: {error!r}")
            return
        await self._post(http, settings, card, "signin/verifyState", {"state": code})

    async def _sso_token(
        self, http: httpx.AsyncClient, settings: ClientSettings, card: _Card
    ) -> str:
        user_id = str(card.user.get("id", ""))
        aad_object_id = str(card.user.get("aadObjectId", ""))
        if not aad_object_id:
            raise ValueError(f"the emulator knows no aadObjectId for {user_id!r}")
        if settings.token_service is not None:
            return settings.token_service.sso_token(user_id, aad_object_id)
        base = settings.token_service_url or _origin(card.sign_in_link)
        if base is None:
            raise ValueError("no token service to ask (configure tokenServiceUrl)")
        answer = await http.post(
            f"{base.rstrip('/')}/_emulator/sso-token",
            json={"userId": user_id, "aadObjectId": aad_object_id},
        )
        answer.raise_for_status()
        token = answer.json().get("token")
        if not isinstance(token, str):
            raise ValueError("the token service answered no token")
        return token

    async def _post(
        self,
        http: httpx.AsyncClient,
        settings: ClientSettings,
        card: _Card,
        name: str,
        value: dict[str, Any],
        *,
        turn: int = 0,
    ) -> int | None:
        activity = _invoke(card, name, value)
        headers = {}
        if self.identity is not None:  # signed as the channel signs what it posts
            headers = self.identity.authorization(card.service_url)
        try:
            answer = await http.post(settings.endpoint(turn), json=activity, headers=headers)
        except httpx.HTTPError as error:
            self._record(name, card, value, None, error=repr(error))
            return None
        self._record(name, card, value, answer.status_code, body=answer.text)
        return answer.status_code

    def _record(
        self,
        name: str,
        card: _Card,
        value: dict[str, Any],
        status: int | None,
        *,
        body: str = "",
        error: str | None = None,
    ) -> None:
        if error is not None:
            log.warning("the Teams client could not answer an OAuth card: %s", error)
        conversation_id = str(card.conversation.get("id", ""))
        user_id = str(card.user.get("id", ""))
        self.invokes.append(
            ClientInvoke(name, conversation_id, user_id, value, status, body, error)
        )
        self.notify()


def _oauth_card(
    activity: dict[str, Any],
    conversation_id: str,
    service_url: str,
    roster: dict[str, dict[str, Any]],
) -> _Card | None:
    """The OAuth card `activity` carries, with who it is for, or None."""
    attachments = activity.get("attachments")
    if not isinstance(attachments, list):
        return None
    for attachment in attachments:
        if not isinstance(attachment, dict) or attachment.get("contentType") != OAUTH_CARD:
            continue
        content = attachment.get("content")
        if not isinstance(content, dict):
            return None
        buttons = content.get("buttons") or [{}]
        link = buttons[0].get("value") if isinstance(buttons[0], dict) else None
        resource = content.get("tokenExchangeResource")
        exchange_id = resource.get("id") if isinstance(resource, dict) else None
        recipient = _dict(activity.get("recipient"))
        # The roster knows the user's Entra object id when the activity does not carry it.
        known = roster.get(str(recipient.get("id", "")), {})
        user = {
            key: value
            for key in ("id", "name", "aadObjectId")
            if (value := known.get(key) or recipient.get(key)) is not None
        }
        conversation = _dict(activity.get("conversation")) | {"id": conversation_id}
        tenant = conversation.get("tenantId") or _dict(
            _dict(activity.get("channelData")).get("tenant")
        ).get("id")
        return _Card(
            connection_name=str(content.get("connectionName", "")),
            sign_in_link=link if isinstance(link, str) and link else None,
            exchange_id=str(exchange_id) if exchange_id else None,
            service_url=service_url,
            conversation=conversation,
            user=user,
            bot=_dict(activity.get("from")),
            tenant_id=str(tenant) if tenant else None,
        )
    return None


def _invoke(card: _Card, name: str, value: dict[str, Any]) -> dict[str, Any]:
    """The invoke activity Teams posts for `name`."""
    activity: dict[str, Any] = {
        "type": "invoke",
        "name": name,
        "id": f"f:{uuid.uuid4().hex}",
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "serviceUrl": card.service_url,
        "channelId": "msteams",
        "from": card.user,
        "conversation": card.conversation,
        "recipient": card.bot,
        "locale": "en-US",
        "value": value,
        "channelData": {"tenant": {"id": card.tenant_id}} if card.tenant_id else {},
    }
    return activity


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def settings_from_json(body: dict[str, Any]) -> ClientSettings:
    """The admin API's `{"botUrl", "answer", "clients", "replicas", "tokenServiceUrl"}`, or
    ValueError."""
    bot_url = body.get("botUrl")
    if not isinstance(bot_url, str):
        raise ValueError("botUrl, the bot's messaging endpoint, is required")
    clients = body.get("clients", 1)
    if not isinstance(clients, int) or isinstance(clients, bool):
        raise ValueError("clients must be an integer")
    token_service_url = body.get("tokenServiceUrl")
    if token_service_url is not None and not isinstance(token_service_url, str):
        raise ValueError("tokenServiceUrl must be a URL")
    replicas = body.get("replicas", [])
    if not isinstance(replicas, list) or not all(isinstance(url, str) for url in replicas):
        raise ValueError("replicas must be a list of the other replicas' URLs")
    return ClientSettings(
        bot_url=bot_url,
        answer=body.get("answer", "sso"),
        clients=clients,
        replicas=tuple(replicas),
        token_service_url=token_service_url,
    )
