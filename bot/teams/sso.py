"""Teams single sign-on: each user's own Graph token, for `GRAPH_PERMISSIONS=delegated`.

Tokens come from the Bot Framework token service through botbuilder's `UserTokenClient`, for
the Azure Bot's OAuth connection (`OAUTH_CONNECTION_NAME`). The token service knows a user by
their channel account id (`from.id`); Graph and Meetbot by their Entra object id (`from.
aadObjectId`), which is what `SignedInUsers` is asked for, so it keeps which channel account
each object id signed in with (in the store: a reminder may fire on another instance).

Signing in, as Teams does it ("Enable SSO for your bot", learn.microsoft.com/microsoftteams/
platform/bots/how-to/authentication/bot-sso-code):

1. A command that needs the calendar, from a user the token service has no token for, is kept
   (`PendingSignIns`: the activity itself, so nothing the user typed is lost) and answered with
   an OAuth card carrying `tokenExchangeResource`. In a channel, where Teams has no bot SSO,
   the card goes to the user in a 1:1 chat and the thread only hears that it did: nothing in
   the thread lets another member sign in as them.
2. The Teams client answers with a `signin/tokenExchange` invoke (silent SSO), answered 200 when
   the token service exchanged the token and 412 when it could not (Teams then shows its
   consent card); or, after the sign-in button, with `signin/verifyState` carrying a magic code
   (also accepted typed as a message, as clients without the invoke show it).
3. Teams sends the same exchange from every client the user has open: only the first to write
   its id to the store (the store's `NEW` eTag: a second writer of a new key conflicts, on one
   instance or many) goes on; the others are answered 200 and stop. The user's kept commands
   are then taken, once (an eTag-checked write again), and run as the messages they were.

A token is used only for the user it was issued to: the sender of the turn, and its `oid`
claim must be theirs (else it is signed out and the user told).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

import jwt
from botbuilder.core import (
    BotAdapter,
    CardFactory,
    MessageFactory,
    Middleware,
    Storage,
    TurnContext,
)
from botbuilder.core.cloud_adapter_base import CloudAdapterBase
from botbuilder.schema import (
    ActionTypes,
    Activity,
    ActivityTypes,
    CardAction,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    InvokeResponse,
    OAuthCard,
    SignInConstants,
    TokenExchangeInvokeResponse,
)
from botframework.connector.auth import UserTokenClient
from botframework.connector.token_api.models import TokenExchangeRequest
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.graph.errors import SignInRequired
from bot.i18n import Catalog, catalog_for
from bot.store import EtagConflict
from bot.store.serialize import NEW
from bot.teams.mentions import text_without_bot_mention
from bot.teams.outgoing import say
from bot.teams.sender import organizer_id, tenant_ids
from cards import AccountStatus

log = logging.getLogger(__name__)

Logic = Callable[[], Awaitable[Any]]
BotTurn = Callable[[TurnContext], Awaitable[Any]]

PENDING_FOR = timedelta(minutes=15)  # an OAuth card's sign-in, as botbuilder's OAuthPrompt waits
MAX_PENDING = 5  # commands kept per user while they sign in; the oldest go first
TOKEN_HELD_S = 120.0  # a token asked for in a turn serves that turn's Graph calls
_MAGIC_CODE_LENGTH = 6
# What CloudAdapter puts in a turn for the adapter's own use: a command run again after the
# sign-in gets the same connector, identity and token client as the turn that signed in.
_ADAPTER_KEYS = (
    BotAdapter.BOT_IDENTITY_KEY,
    BotAdapter.BOT_OAUTH_SCOPE_KEY,
    BotAdapter.BOT_CONNECTOR_CLIENT_KEY,
    BotAdapter.BOT_CALLBACK_HANDLER_KEY,
    CloudAdapterBase.CONNECTOR_FACTORY_KEY,
    CloudAdapterBase.USER_TOKEN_CLIENT_KEY,
)
# The token service could not be asked (network, TLS, its own 5xx).
TOKEN_SERVICE_ERRORS = (ClientRequestError, HttpOperationError)


@dataclass(frozen=True, slots=True)
class ChannelUser:
    """Who the token service knows (`channel_id`, `user_id` = `from.id`) for an object id."""

    channel_id: str
    user_id: str
    aad_object_id: str


def channel_user(activity: Activity, *, local_mode: bool) -> ChannelUser | None:
    oid = organizer_id(activity, local_mode=local_mode)
    sender = activity.from_property
    if oid is None or sender is None or not sender.id or not activity.channel_id:
        return None
    return ChannelUser(activity.channel_id, str(sender.id), oid)


class WrongAccount(Exception):
    """The token service's token is for another Entra user than the Teams sender."""


class SignedInUsers:
    """`UserTokens` from the token service (see the module docstring)."""

    def __init__(
        self,
        client: UserTokenClient,
        storage: Storage,
        connection_name: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._storage = storage
        self.connection_name = connection_name
        self._clock = clock
        self._held: dict[str, tuple[float, str]] = {}  # object id -> (until, token)
        self._known: dict[str, ChannelUser] = {}  # object id -> the account it signed in with

    async def token(self, user: ChannelUser, *, magic_code: str | None = None) -> str | None:
        """The user's token now, asking the token service (with a magic code: redeeming it);
        None when there is none. `WrongAccount` when it is another user's."""
        response = await self._client.get_user_token(
            user.user_id, self.connection_name, user.channel_id, magic_code
        )
        if response is None or not response.token:
            self._held.pop(user.aad_object_id, None)
            return None
        return await self._accept(user, str(response.token))

    async def exchange(self, user: ChannelUser, sso_token: str) -> str | None:
        """Exchange the Teams client's SSO token; None when the token service could not."""
        try:
            response = await self._client.exchange_token(
                user.user_id,
                self.connection_name,
                user.channel_id,
                TokenExchangeRequest(token=sso_token),
            )
        except HttpOperationError as refused:  # consent needed, an expired or foreign token
            log.info("token exchange refused: %s", refused)
            return None
        if response is None or not getattr(response, "token", None):
            return None
        return await self._accept(user, str(response.token))

    async def sign_out(self, user: ChannelUser) -> None:
        self._held.pop(user.aad_object_id, None)
        await self._client.sign_out_user(user.user_id, self.connection_name, user.channel_id)

    async def sign_in_link(self, state_activity: Activity) -> tuple[str | None, Any]:
        """The sign-in link and token exchange resource for an OAuth card; the activity names
        the conversation and user the sign-in is for."""
        resource = await self._client.get_sign_in_resource(
            self.connection_name, state_activity, None
        )
        return resource.sign_in_link, resource.token_exchange_resource

    # --- UserTokens ---------------------------------------------------------------------------

    async def user_token(self, user_id: str) -> str:
        held = self._held.get(user_id)
        if held is not None and self._clock() < held[0]:
            return held[1]
        user = self._known.get(user_id) or await self._stored_user(user_id)
        if user is None:
            raise SignInRequired(user_id)
        try:
            token = await self.token(user)
        except WrongAccount:
            token = None
        if token is None:
            raise SignInRequired(user_id)
        return token

    def forget(self, user_id: str) -> None:
        self._held.pop(user_id, None)

    # --- inside -------------------------------------------------------------------------------

    async def _accept(self, user: ChannelUser, token: str) -> str:
        claimed = _claimed_oid(token)
        if claimed is not None and claimed.lower() != user.aad_object_id.lower():
            log.warning("a token for another Entra user than the sender: signed out")
            await self.sign_out(user)
            raise WrongAccount
        self._held[user.aad_object_id] = (self._clock() + TOKEN_HELD_S, token)
        if self._known.get(user.aad_object_id) != user:
            key = _user_key(user.aad_object_id)
            await self._storage.write(
                {key: {"channel_id": user.channel_id, "user_id": user.user_id, "e_tag": "*"}}
            )
            self._known[user.aad_object_id] = user
        return token

    async def _stored_user(self, user_id: str) -> ChannelUser | None:
        key = _user_key(user_id)
        found = (await self._storage.read([key])).get(key)
        if not isinstance(found, dict):
            return None
        user = ChannelUser(str(found["channel_id"]), str(found["user_id"]), user_id)
        self._known[user_id] = user
        return user


def _claimed_oid(token: str) -> str | None:
    """The token's `oid` claim, read without checking the signature (the token service, over
    TLS, is who handed it over; Graph checks it); None when it is not a readable JWT."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    oid = claims.get("oid")
    return str(oid) if oid else None


def _user_key(aad_object_id: str) -> str:
    return f"meetbot.signed-in/{aad_object_id.lower()}"


@dataclass(frozen=True, slots=True)
class Taken:
    """What a finished sign-in takes over: the kept commands (oldest first), and whether the
    user asked to sign in themselves (`sign in`), which gets its own answer."""

    activities: list[Activity]
    asked: bool
    expired: int


class PendingSignIns:
    """Commands kept while their sender signs in, one stored list per user."""

    def __init__(self, storage: Storage, clock: Callable[[], datetime]) -> None:
        self._storage = storage
        self._clock = clock

    async def keep(self, user: ChannelUser, activity: Activity | None) -> None:
        """Keep `activity` (None: the user typed `sign in`) until they have signed in."""
        key = _pending_key(user)
        for _ in range(3):  # another turn of the same user wrote between our read and write
            item = (await self._storage.read([key])).get(key) or {"e_tag": NEW}
            kept = list(item.get("activities", []))
            if activity is not None:
                kept = [*kept, {"at": self._clock().isoformat(), "activity": _kept(activity)}]
            item = {
                "activities": kept[-MAX_PENDING:],
                "asked": bool(item.get("asked")) or activity is None,
                "e_tag": item["e_tag"],
            }
            try:
                await self._storage.write({key: item})
                return
            except EtagConflict:
                continue
        raise EtagConflict(key)

    async def waiting(self, user: ChannelUser) -> bool:
        key = _pending_key(user)
        item = (await self._storage.read([key])).get(key)
        return bool(item and (item.get("activities") or item.get("asked")))

    async def take(self, user: ChannelUser) -> Taken | None:
        """The kept commands, now no longer kept; None when another turn took them first."""
        key = _pending_key(user)
        item = (await self._storage.read([key])).get(key)
        if not item or not (item.get("activities") or item.get("asked")):
            return Taken([], asked=False, expired=0)
        try:
            await self._storage.write({key: {"activities": [], "e_tag": item["e_tag"]}})
        except EtagConflict:
            return None  # another exchange (another client, another instance) has them
        fresh: list[Activity] = []
        expired = 0
        oldest = self._clock() - PENDING_FOR
        for kept in item.get("activities", []):
            if datetime.fromisoformat(kept["at"]) < oldest:
                expired += 1
            else:
                fresh.append(Activity().deserialize(kept["activity"]))
        return Taken(fresh, asked=bool(item.get("asked")), expired=expired)


def _kept(activity: Activity) -> dict[str, Any]:
    """The activity as JSON to run again: msrest's, plus what msrest reads into
    `additional_properties` but does not write back (a mention's `mentioned` and `text`, the
    conversation's `tenantId`), without which the message would no longer address the bot."""
    data: dict[str, Any] = activity.serialize()
    if activity.entities:
        data["entities"] = [
            {**(entity.additional_properties or {}), **entity.serialize()}
            for entity in activity.entities
        ]
    if activity.conversation is not None and activity.conversation.additional_properties:
        data["conversation"] = {
            **activity.conversation.additional_properties,
            **data.get("conversation", {}),
        }
    return data


def _pending_key(user: ChannelUser) -> str:
    return f"meetbot.sign-in/{user.channel_id}/{user.user_id}"


class SignIn(Middleware):  # type: ignore[misc]
    """Answers Teams' sign-in invokes and a typed magic code, then runs the user's kept
    commands through the bot as the messages they were (`bot_turn`), after this turn.

    It comes before `OneTurnAtATime` (`bot.app`): a kept command runs as a turn of its own
    conversation, which may be this one.
    """

    def __init__(
        self,
        users: SignedInUsers,
        pending: PendingSignIns,
        storage: Storage,
        *,
        bot_turn: BotTurn,
        local_mode: bool,
    ) -> None:
        """`storage`: where each exchange's id is written once (the bot's store)."""
        self._users = users
        self._pending = pending
        self._storage = storage
        self._bot_turn = bot_turn
        self._local_mode = local_mode

    async def on_turn(self, context: TurnContext, logic: Logic) -> None:
        activity = context.activity
        if activity.type == ActivityTypes.invoke:
            if activity.name == SignInConstants.token_exchange_operation_name:
                await self._exchange(context)
                return
            if activity.name == SignInConstants.verify_state_operation_name:
                await self._verify_state(context)
                return
        if activity.type == ActivityTypes.message and await self._typed_code(context):
            return
        await logic()

    async def _exchange(self, context: TurnContext) -> None:
        activity = context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        exchange_id, token = value.get("id"), value.get("token")
        user = channel_user(activity, local_mode=self._local_mode)
        connection = self._users.connection_name
        if user is None or not isinstance(token, str) or value.get("connectionName") != connection:
            await _invoke_answer(context, HTTPStatus.BAD_REQUEST, connection, exchange_id)
            return
        try:
            signed_in = await self._users.exchange(user, token)
        except WrongAccount:
            await _invoke_answer(context, HTTPStatus.OK, connection, exchange_id)
            await say(context, catalog_for(activity.locale).sign_in_wrong_account)
            return
        if signed_in is None:
            # Every client gets this: Teams shows its consent or sign-in card on a 412.
            await _invoke_answer(
                context,
                HTTPStatus.PRECONDITION_FAILED,
                connection,
                exchange_id,
                "The bot is unable to exchange token. Proceed with regular login.",
            )
            return
        await _invoke_answer(context, HTTPStatus.OK, connection, exchange_id)
        if not await self._first(activity, user, str(exchange_id)):
            return  # another client's copy of this exchange is (or was) at work
        await self._signed_in(context, user)

    async def _verify_state(self, context: TurnContext) -> None:
        activity = context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        code = value.get("state")
        user = channel_user(activity, local_mode=self._local_mode)
        if user is None or not isinstance(code, str):
            await _invoke_answer(context, HTTPStatus.BAD_REQUEST)
            return
        try:
            token = await self._users.token(user, magic_code=code)
        except WrongAccount:
            await _invoke_answer(context, HTTPStatus.OK)
            await say(context, catalog_for(activity.locale).sign_in_wrong_account)
            return
        if token is None:
            await _invoke_answer(context, HTTPStatus.NOT_FOUND)  # as botbuilder's OAuthPrompt
            await say(context, catalog_for(activity.locale).sign_in_incomplete)
            return
        await _invoke_answer(context, HTTPStatus.OK)
        await self._signed_in(context, user)

    async def _typed_code(self, context: TurnContext) -> bool:
        """A six-digit message from a user who is signing in: the sign-in page's code."""
        activity = context.activity
        text = text_without_bot_mention(activity).strip()
        if len(text) != _MAGIC_CODE_LENGTH or not text.isascii() or not text.isdigit():
            return False
        user = channel_user(activity, local_mode=self._local_mode)
        if user is None or not await self._pending.waiting(user):
            return False
        try:
            token = await self._users.token(user, magic_code=text)
        except WrongAccount:
            await say(context, catalog_for(activity.locale).sign_in_wrong_account)
            return True
        if token is None:
            await say(context, catalog_for(activity.locale).sign_in_incomplete)
            return True
        await self._signed_in(context, user)
        return True

    async def _first(self, activity: Activity, user: ChannelUser, exchange_id: str) -> bool:
        """Whether this is the first copy of the user's exchange to get here, on any instance.
        The user is part of it: in a group chat every member's client answers the same card
        (botbuilder's `TeamsSSOTokenExchangeMiddleware` keys by conversation and id only)."""
        conversation = activity.conversation.id if activity.conversation else ""
        key = f"meetbot.sso-exchange/{user.channel_id}/{conversation}/{user.user_id}/{exchange_id}"
        try:
            await self._storage.write({key: {"e_tag": NEW}})
        except EtagConflict:
            log.info("a duplicate token exchange %s: answered, not run again", exchange_id)
            return False
        return True

    async def _signed_in(self, context: TurnContext, user: ChannelUser) -> None:
        taken = await self._pending.take(user)
        if taken is None:
            return
        log.info(
            "signed in: %d kept command(s) to run, %d expired",
            len(taken.activities),
            taken.expired,
        )
        catalog = catalog_for(context.activity.locale)
        if taken.expired and not taken.activities:
            await say(context, catalog.sign_in_expired)
        elif taken.asked and not taken.activities:
            await say(context, catalog.signed_in)
        for original in taken.activities:
            await self._run_again(context, original)

    async def _run_again(self, context: TurnContext, original: Activity) -> None:
        """The kept message as a turn of its own, through every middleware, in the
        conversation (and thread) it came from."""
        replay = TurnContext(context.adapter, original)
        for key in _ADAPTER_KEYS:
            if key in context.turn_state:
                replay.turn_state[key] = context.turn_state[key]
        await context.adapter.run_pipeline(replay, self._bot_turn)


class SignInPrompt:
    """What the bot's router asks of sign-in (delegated mode only)."""

    def __init__(
        self,
        users: SignedInUsers,
        pending: PendingSignIns,
        *,
        bot_app_id: str,
        local_mode: bool,
    ) -> None:
        self.users = users
        self._pending = pending
        self._bot_app_id = bot_app_id
        self._local_mode = local_mode

    async def signed_in(self, context: TurnContext) -> bool:
        """Whether the sender has a token now; if not, their message is kept and they are
        asked to sign in (`False`: the turn is answered)."""
        activity = context.activity
        user = channel_user(activity, local_mode=self._local_mode)
        if user is None:
            return True  # no calendar to act on: the router answers that itself
        catalog = catalog_for(activity.locale)
        try:
            if await self.users.token(user) is not None:
                return True
        except WrongAccount:
            await say(context, catalog.sign_in_wrong_account)
        await self._pending.keep(user, activity)
        await self._ask(context, user, catalog)
        return False

    async def status(self, context: TurnContext) -> AccountStatus:
        """Whether the sender is signed in, for `help`."""
        user = channel_user(context.activity, local_mode=self._local_mode)
        try:
            signed_in = user is not None and await self.users.token(user) is not None
        except WrongAccount:
            signed_in = False
        return AccountStatus.SIGNED_IN if signed_in else AccountStatus.NOT_SIGNED_IN

    async def account(self, context: TurnContext, *, signing_in: bool) -> None:
        """`sign in` or `sign out`."""
        await (self.sign_in(context) if signing_in else self.sign_out(context))

    async def sign_in(self, context: TurnContext) -> None:
        """`sign in`: asked, or told they already are."""
        activity = context.activity
        catalog = catalog_for(activity.locale)
        user = channel_user(activity, local_mode=self._local_mode)
        if user is None:
            await say(context, catalog.unknown_sender)
            return
        try:
            if await self.users.token(user) is not None:
                await say(context, catalog.already_signed_in)
                return
        except WrongAccount:
            await say(context, catalog.sign_in_wrong_account)
        await self._pending.keep(user, None)
        await self._ask(context, user, catalog)

    async def sign_out(self, context: TurnContext) -> None:
        activity = context.activity
        catalog = catalog_for(activity.locale)
        user = channel_user(activity, local_mode=self._local_mode)
        if user is None:
            await say(context, catalog.unknown_sender)
            return
        try:
            had = await self.users.token(user) is not None
        except WrongAccount:
            had = False  # signed out already, by the check
        if had:
            await self.users.sign_out(user)
        await say(context, catalog.signed_out if had else catalog.not_signed_in)

    async def _ask(self, context: TurnContext, user: ChannelUser, catalog: Catalog) -> None:
        activity = context.activity
        if (activity.conversation.conversation_type or "") != "channel":
            await context.send_activity(await self._oauth_card(activity, catalog))
            return
        # No bot SSO in channels, and a card there could be used by any member: a 1:1 chat.
        await context.adapter.create_conversation(
            self._bot_app_id,
            lambda private: self._ask_in_private(private, activity, catalog),
            _one_to_one(activity, user),
            activity.channel_id,
            activity.service_url,
            None,
        )
        name = activity.from_property.name or ""
        await say(context, catalog.sign_in_in_private.format(name=name).strip(" ,"))

    async def _ask_in_private(
        self, private: TurnContext, original: Activity, catalog: Catalog
    ) -> None:
        state = Activity(
            type=ActivityTypes.message,
            channel_id=original.channel_id,
            service_url=original.service_url,
            from_property=original.from_property,
            recipient=original.recipient,
            conversation=ConversationAccount(
                id=private.activity.conversation.id,
                conversation_type="personal",
                tenant_id=private.activity.conversation.tenant_id,
            ),
            locale=original.locale,
        )
        card = await self._oauth_card(state, catalog)
        card.recipient = original.from_property
        await private.send_activity(card)

    async def _oauth_card(self, state: Activity, catalog: Catalog) -> Activity:
        """The OAuth card as botbuilder's OAuthPrompt writes it for Teams."""
        link, exchange = await self.users.sign_in_link(state)
        card = OAuthCard(
            text=catalog.sign_in_card_text,
            connection_name=self.users.connection_name,
            buttons=[
                CardAction(
                    type=ActionTypes.signin,
                    title=catalog.sign_in_button,
                    text=catalog.sign_in_button,
                    value=link,
                )
            ],
            # JSON keys (`providerId`), as Teams reads them; OAuthPrompt's `as_dict()` would
            # write the attribute names.
            token_exchange_resource=exchange.serialize() if exchange is not None else None,
        )
        return MessageFactory.attachment(CardFactory.oauth_card(card))


def _one_to_one(activity: Activity, user: ChannelUser) -> ConversationParameters:
    tenant = next(iter(sorted(tenant_ids(activity))), None)
    return ConversationParameters(
        is_group=False,
        bot=activity.recipient,
        members=[ChannelAccount(id=user.user_id, aad_object_id=user.aad_object_id)],
        tenant_id=tenant,
        channel_data={"tenant": {"id": tenant}} if tenant else None,
    )


async def _invoke_answer(
    context: TurnContext,
    status: HTTPStatus,
    connection_name: str | None = None,
    exchange_id: object = None,
    failure: str | None = None,
) -> None:
    body = None
    if connection_name is not None:
        body = TokenExchangeInvokeResponse(
            id=exchange_id if isinstance(exchange_id, str) else None,
            connection_name=connection_name,
            failure_detail=failure,
        )
    await context.send_activity(
        Activity(
            type=ActivityTypes.invoke_response,
            value=InvokeResponse(status=int(status), body=body),
        )
    )
