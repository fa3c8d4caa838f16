"""Teams single sign-on for `GRAPH_PERMISSIONS=delegated`: asking a user to sign in, Teams'
answers, and running what they asked once they have. Their tokens: `bot.teams.user_tokens`.

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
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

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

from bot.i18n import Catalog, catalog_for
from bot.store import EtagConflict
from bot.store.serialize import NEW
from bot.teams.mentions import text_without_bot_mention
from bot.teams.outgoing import say
from bot.teams.sender import tenant_ids
from bot.teams.user_tokens import (
    ChannelUser,
    SignedInUsers,
    TokenServiceUnavailable,
    WrongAccount,
    channel_user,
)
from cards import AccountStatus

log = logging.getLogger(__name__)

Logic = Callable[[], Awaitable[Any]]
BotTurn = Callable[[TurnContext], Awaitable[Any]]

PENDING_FOR = timedelta(minutes=15)  # an OAuth card's sign-in, as botbuilder's OAuthPrompt waits
MAX_PENDING = 5  # commands kept per user while they sign in; the oldest go first
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
    commands through the bot as the messages they were (`bot_turn`), each as a turn of its
    own through every middleware, in the conversation and thread it came from.

    It comes before `OneTurnAtATime` (`bot.app`): the sign-in turn holds no conversation's
    lock, so a kept command of this same conversation can take it.
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
        try:
            if activity.type == ActivityTypes.invoke:
                if activity.name == SignInConstants.token_exchange_operation_name:
                    await self._exchange(context)
                    return
                if activity.name == SignInConstants.verify_state_operation_name:
                    await self._verify_state(context)
                    return
            if activity.type == ActivityTypes.message and await self._typed_code(context):
                return
        except TokenServiceUnavailable as down:
            log.warning("the token service did not answer: %s", down)
            if activity.type == ActivityTypes.invoke:
                await _invoke_answer(context, HTTPStatus.SERVICE_UNAVAILABLE)
            await say(context, catalog_for(activity.locale).sign_in_unavailable)
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
        try:
            return await self._signed_in(context)
        except TokenServiceUnavailable as down:
            await self._unavailable(context, down)
            return False

    async def _signed_in(self, context: TurnContext) -> bool:
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

    async def status(self, context: TurnContext) -> AccountStatus | None:
        """Whether the sender is signed in, for `help` (None: the token service is silent)."""
        user = channel_user(context.activity, local_mode=self._local_mode)
        try:
            signed_in = user is not None and await self.users.token(user) is not None
        except WrongAccount:
            signed_in = False
        except TokenServiceUnavailable:
            return None
        return AccountStatus.SIGNED_IN if signed_in else AccountStatus.NOT_SIGNED_IN

    async def account(self, context: TurnContext, *, signing_in: bool) -> None:
        """`sign in` or `sign out`."""
        try:
            await (self.sign_in(context) if signing_in else self.sign_out(context))
        except TokenServiceUnavailable as down:
            await self._unavailable(context, down)

    async def _unavailable(self, context: TurnContext, down: TokenServiceUnavailable) -> None:
        log.warning("the token service did not answer: %s", down)
        await say(context, catalog_for(context.activity.locale).sign_in_unavailable)

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
