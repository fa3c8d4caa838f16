"""Each signed-in user's own Graph token, from the Bot Framework token service
(`GRAPH_PERMISSIONS=delegated`).

Tokens come through botbuilder's `UserTokenClient`, for the Azure Bot's OAuth connection
(`OAUTH_CONNECTION_NAME`). The token service knows a user by their channel account id
(`from.id`); Graph and Meetbot by their Entra object id (`from.aadObjectId`), which is what
`SignedInUsers` is asked for (`bot.graph.auth.UserTokens`), so it keeps which channel account
each object id signed in with, in the store: a reminder may fire on another instance.

A token is used only for the user it was issued to: it is asked for with the sender's own
channel account, and its `oid` claim must be the sender's object id (else it is signed out:
`WrongAccount`). Each turn asks the token service afresh, so a sign-out or revoked consent
counts at once; the token is then held briefly for that turn's Graph calls.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from botbuilder.core import Storage
from botbuilder.schema import Activity
from botframework.connector.auth import UserTokenClient
from botframework.connector.token_api.models import TokenExchangeRequest
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.graph.auth import TokenError
from bot.graph.errors import SignInRequired
from bot.teams.sender import organizer_id

log = logging.getLogger(__name__)

TOKEN_HELD_S = 120.0  # a token asked for in a turn serves that turn's Graph calls
# The token service did not answer (network, TLS) or answered an undocumented error (5xx).
_NO_ANSWER = (ClientRequestError, HttpOperationError)


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


class TokenServiceUnavailable(Exception):
    """The token service did not answer, or answered with an error it does not document."""

    def __init__(self, error: Exception) -> None:
        super().__init__(type(error).__name__)


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
        try:
            response = await self._client.get_user_token(
                user.user_id, self.connection_name, user.channel_id, magic_code
            )
        except _NO_ANSWER as error:
            raise TokenServiceUnavailable(error) from error
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
        except ClientRequestError as error:
            raise TokenServiceUnavailable(error) from error
        if response is None or not getattr(response, "token", None):
            return None
        return await self._accept(user, str(response.token))

    async def sign_out(self, user: ChannelUser) -> None:
        self._held.pop(user.aad_object_id, None)
        try:
            await self._client.sign_out_user(user.user_id, self.connection_name, user.channel_id)
        except _NO_ANSWER as error:
            raise TokenServiceUnavailable(error) from error

    async def sign_in_link(self, state_activity: Activity) -> tuple[str | None, Any]:
        """The sign-in link and token exchange resource for an OAuth card; the activity names
        the conversation and user the sign-in is for."""
        try:
            resource = await self._client.get_sign_in_resource(
                self.connection_name, state_activity, None
            )
        except _NO_ANSWER as error:
            raise TokenServiceUnavailable(error) from error
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
        except TokenServiceUnavailable as down:
            # As the app's own token when Entra ID does not answer: no token, try later.
            raise TokenError(f"token service unreachable: {down}") from down
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
