"""Bot Connector calls over one pooled async HTTP client, retried as Teams asks.

botbuilder stays the framework: replies, updates and proactive sends go through its
`ConnectorClient` (its models and operations). What is Meetbot's:

- One client per service URL, built once and kept (Teams uses a handful of service URLs), not
  one per activity: msrest builds a costly retry policy into every new client's
  configuration.
- The three calls every turn makes (reply, send to a conversation, update an activity) are sent
  by `Conversations` directly: the activity is written by msrest, its cards as they are
  (`bot.teams.outgoing.activity_json`), and posted over the shared `aiohttp.ClientSession`.
  Any other operation (members, paged members, ...) goes through the client's msrest pipeline

      user agent -> ConnectorRetry -> BearerToken -> RawDeserializer -> AiohttpSender

  instead of msrest's default: `requests` in a thread pool, a new session (and TCP connection)
  per activity, and the token fetched with blocking msal on the event loop.
- Retries, both ways, per `bot.retry` (`CONNECTOR_RETRY`): Teams asks bots to retry 429 (after
  its `Retry-After`), 412, 502 and 504; Meetbot also retries a connection that dropped or timed
  out before an answer came (but not a 429 where the caller paces its own sends:
  `bot.retry.paced_by_caller`). Everything else is final: 403/404 (the bot was removed), 400, 401,
  413, 500 and 503 (the reminder scheduler still retries those later, over minutes). A call that
  finally failed is logged (the log context already names the activity and conversation, or
  the reminder) and raised as `bot.connector_errors`' tree, from one place (`with_retries`),
  for both ways.
- One time budget per turn, or per proactive send: `MeetbotConnectorFactory.create`, which
  botbuilder calls at the start of each turn and `bot.reminders.delivery` before each send,
  opens a new `Budget` in the calling task's context (a `ContextVar`), and every call made
  from that context spends from it. A call made where no budget was opened gets one of its
  own.
- The bot's token (`bot.teams.tokens`, fetched off the loop, cached) goes on every try; without
  an app id there is none, as botbuilder does.
- A connection that fails before an answer becomes `ConnectorUnreachable`.
- An answer is read up to `MAX_ANSWER_BYTES` and no further (`ConnectorAnswerTooLarge`, not
  retried): the connector answers an id, an error or a page of members, and an answer of
  hundreds of megabytes read whole would take the bot's memory with it.

msrest's own retry setting was the alternative: it is urllib3's `Retry` inside `requests`, in a
worker thread, so it cannot bound a whole turn, its sleep cannot be injected, and it needs the
thread-pool transport this module replaces.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

import aiohttp
import orjson
import requests
from botbuilder.schema import Activity, ResourceResponse
from botframework.connector.aio import ConnectorClient
from botframework.connector.aio.operations_async import ConversationsOperations
from botframework.connector.auth import ConnectorFactory
from botframework.connector.bot_framework_sdk_client_async import (
    BotFrameworkConnectorConfiguration,
)
from msrest.authentication import Authentication
from msrest.pipeline import Request, Response
from msrest.pipeline.async_abc import AsyncHTTPPolicy, AsyncHTTPSender, AsyncPipeline
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http import ClientRequest
from msrest.universal_http.async_abc import AsyncClientResponse
from multidict import CIMultiDict, CIMultiDictProxy

from bot.connector_errors import (
    ConnectorAnswerTooLarge,
    ConnectorUnreachable,
    connector_error,
)
from bot.proxies import proxy_for
from bot.retry import Budget, RetryPolicy, retry_after_seconds, throttling_is_paced
from bot.teams.outgoing import activity_json
from bot.teams.tokens import BotTokens

log = logging.getLogger(__name__)

USER_AGENT = "Meetbot (botbuilder-python)"
# Far above any answer the connector gives (an id; a roster page of at most 500 members is a
# few hundred kB), far below what would hurt the bot's memory.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
_MAX_SERVICE_URLS = 64
RETRY_STATUSES = frozenset({412, 429, 502, 504})

# msrest's pipeline types, for the client request and response this transport uses.
_Request = Request[ClientRequest]
_Response = Response[ClientRequest, AsyncClientResponse]
_Policy = AsyncHTTPPolicy[ClientRequest, AsyncClientResponse]
_Sender = AsyncHTTPSender[ClientRequest, AsyncClientResponse]
_T = TypeVar("_T")


class Budgets:
    """The connector time budget of the turn (or proactive send) the caller is in."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self._current: ContextVar[Budget | None] = ContextVar("connector_budget", default=None)

    def open(self) -> None:
        """A new budget for the calling task from here on (and tasks it starts later)."""
        self._current.set(self.policy.new_budget())

    def current(self) -> Budget:
        return self._current.get() or self.policy.new_budget()


class MeetbotConnectorFactory(ConnectorFactory):  # type: ignore[misc]
    """Connector clients for one bot: its token (None without an app id), the shared HTTP
    client and the retry policy. `create` opens a new time budget for the caller's turn."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        tokens: BotTokens | None,
        retry: RetryPolicy,
        app_id: str,
    ) -> None:
        self._http = http
        self._tokens = tokens
        self._budgets = Budgets(retry)
        self._app_id = app_id
        self._clients: dict[str, ConnectorClient] = {}

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        if self._tokens is not None:
            # Warm the cache here, off the loop, for botbuilder's blocking clients that read
            # `config.credentials` (TeamsInfo's TeamsConnectorClient).
            await self._tokens.token()
        self._budgets.open()
        client = self._clients.pop(service_url, None)
        if client is None:
            client = self._new_client(service_url)
            if len(self._clients) >= _MAX_SERVICE_URLS:  # Teams has a few; forget the oldest
                self._clients.pop(next(iter(self._clients)))
        self._clients[service_url] = client  # most recently used last
        return client

    def _new_client(self, service_url: str) -> ConnectorClient:
        config = BotFrameworkConnectorConfiguration(
            _Credentials(self._app_id, self._tokens), service_url
        )
        config.add_user_agent(USER_AGENT)
        config.custom_pipeline = AsyncPipeline(
            [
                config.user_agent_policy,
                ConnectorRetry(self._budgets),
                BearerToken(self._tokens),
                RawDeserializer(),
            ],
            AiohttpSender(self._http),
        )
        client = ConnectorClient(config.credentials, custom_configuration=config)
        transport = _Transport(self._http, self._tokens, self._budgets, config.user_agent)
        client.conversations = Conversations(
            client._client,  # what ConnectorClient hands its operations
            config,
            client._serialize,
            client._deserialize,
            transport,
        )
        return client


class Conversations(ConversationsOperations):  # type: ignore[misc]
    """botbuilder's conversation operations, with reply, send and update sent directly.

    Same URLs, headers, body and results as the generated operations (`custom_headers`,
    `raw` or per-call options take the generated path): a `ResourceResponse`, or a
    `ConnectorError` for any answer that is not a success.
    """

    def __init__(
        self,
        client: Any,
        config: BotFrameworkConnectorConfiguration,
        serializer: Any,
        deserializer: Any,
        transport: _Transport,
    ) -> None:
        super().__init__(client, config, serializer, deserializer)
        self._transport = transport

    async def reply_to_activity(
        self,
        conversation_id: str,
        activity_id: str,
        activity: Activity,
        custom_headers: dict[str, str] | None = None,
        raw: bool = False,
        **operation_config: Any,
    ) -> Any:
        if custom_headers or raw or operation_config:
            return await super().reply_to_activity(
                conversation_id, activity_id, activity, custom_headers, raw, **operation_config
            )
        template = ConversationsOperations.reply_to_activity.metadata["url"]
        return await self._post(
            "POST", template, conversation_id, activity_id, activity, tagged=True
        )

    async def send_to_conversation(
        self,
        conversation_id: str,
        activity: Activity,
        custom_headers: dict[str, str] | None = None,
        raw: bool = False,
        **operation_config: Any,
    ) -> Any:
        if custom_headers or raw or operation_config:
            return await super().send_to_conversation(
                conversation_id, activity, custom_headers, raw, **operation_config
            )
        template = ConversationsOperations.send_to_conversation.metadata["url"]
        return await self._post("POST", template, conversation_id, None, activity, tagged=False)

    async def update_activity(
        self,
        conversation_id: str,
        activity_id: str,
        activity: Activity,
        custom_headers: dict[str, str] | None = None,
        raw: bool = False,
        **operation_config: Any,
    ) -> Any:
        if custom_headers or raw or operation_config:
            return await super().update_activity(
                conversation_id, activity_id, activity, custom_headers, raw, **operation_config
            )
        template = ConversationsOperations.update_activity.metadata["url"]
        return await self._post(
            "PUT", template, conversation_id, activity_id, activity, tagged=True
        )

    async def _post(
        self,
        method: str,
        template: str,
        conversation_id: str,
        activity_id: str | None,
        activity: Activity,
        *,
        tagged: bool,
    ) -> ResourceResponse | None:
        path = {"conversationId": _segment("conversation_id", conversation_id)}
        if activity_id is not None or tagged:
            path["activityId"] = _segment("activity_id", activity_id)
        url = _format_url(self._client, template, path)
        headers = {"Accept": "application/json", "Content-Type": "application/json; charset=utf-8"}
        if tagged:  # the generated reply and update operations name the conversation
            headers["x-ms-conversation-id"] = conversation_id
        body = orjson.dumps(activity_json(activity))
        answer = await self._transport.send(method, url, headers, body)
        return _resource_response(
            answer,
            lambda: self._deserialize(
                "ResourceResponse", _ConnectorResponse(ClientRequest(method, url), answer)
            ),
        )


def _format_url(client: Any, template: str, path: dict[str, str]) -> str:
    """`client.format_url(template, **path)`, without its three URL parses when joining is
    plain concatenation: a relative template, a base URL without query or fragment, and no
    path segment that `urljoin` would resolve ("." or "..")."""
    relative = template.format(**path)
    base: str = client.config.base_url
    if (
        relative.startswith("/")
        and "{" not in base
        and "?" not in base
        and "#" not in base
        and "://" in base
        and not any(segment in (".", "..") for segment in path.values())
    ):
        return base.rstrip("/") + relative
    return str(client.format_url(template, **path))


def _segment(name: str, value: str | None) -> str:
    """A path parameter as msrest's `Serializer.url` writes a `str`: required, all quoted."""
    if value is None:
        raise ValueError(f"{name} must not be None")
    return quote(str(value), safe="")


def _resource_response(
    answer: Answer, msrest_way: Callable[[], ResourceResponse | None]
) -> ResourceResponse | None:
    """`{"id": ...}` read directly; anything unusual is left to msrest's deserializer."""
    if not answer.body:
        return None
    try:
        data = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        return msrest_way()
    if isinstance(data, dict) and set(data) <= {"id"} and isinstance(data.get("id"), str | None):
        return ResourceResponse(id=data.get("id"))
    return msrest_way()


class _Transport:
    """One connector call: the token, the user agent and the retries, over the shared client."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        tokens: BotTokens | None,
        budgets: Budgets,
        user_agent: str,
    ) -> None:
        self._http = http
        self._tokens = tokens
        self._budgets = budgets
        self._user_agent = user_agent

    async def send(self, method: str, url: str, headers: dict[str, str], body: bytes) -> Answer:
        headers["User-Agent"] = self._user_agent

        async def attempt(seconds: float) -> Answer:
            if self._tokens is not None:
                headers["Authorization"] = f"Bearer {await self._tokens.token()}"
            return await _request(
                self._http, method, url, headers=headers, content=body, seconds=seconds
            )

        return await with_retries(
            self._budgets.current(),
            method,
            url,
            attempt,
            lambda answer: (answer.status, answer.headers.get("Retry-After")),
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """A connector's answer, read whole (they are small: an id, or an error)."""

    status: int
    reason: str | None
    headers: CIMultiDictProxy[str]
    body: bytes


async def _request(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    content: bytes | str | None,
    seconds: float | None,
    data: dict[str, Any] | None = None,
) -> Answer:
    """One try; `seconds` bounds all of it (None: the session's default timeout)."""
    timeout = aiohttp.ClientTimeout(total=seconds) if seconds is not None else None
    try:
        async with http.request(
            method,
            url,
            headers=headers,
            data=content if content is not None else data,
            timeout=timeout,
            allow_redirects=False,
            proxy=proxy_for(url),
        ) as response:
            body = await _read_capped(response, method, url)
    except (aiohttp.ClientError, TimeoutError) as error:  # connect, drop, protocol, timeouts
        raise ConnectorUnreachable(_describe(method, url), type(error).__name__) from error
    return Answer(response.status, response.reason, response.headers, body)


async def _read_capped(response: aiohttp.ClientResponse, method: str, url: str) -> bytes:
    """The body, or ConnectorAnswerTooLarge as soon as it is known to pass MAX_ANSWER_BYTES:
    from its Content-Length, else while reading (chunked, or compressed: a declared length
    then counts the compressed bytes). Either way the connection is closed, not pooled."""
    declared = response.content_length
    if (
        declared is not None
        and declared <= MAX_ANSWER_BYTES
        and not response.headers.get("Content-Encoding")
    ):
        return await response.read()  # exactly `declared` bytes
    body = bytearray()
    if declared is None or declared <= MAX_ANSWER_BYTES:
        async for chunk in response.content.iter_any():
            body += chunk
            if len(body) > MAX_ANSWER_BYTES:
                break
        if len(body) <= MAX_ANSWER_BYTES:
            return bytes(body)
    response.close()
    call = _describe(method, url)
    log.warning("connector %s answered more than %d bytes: not read", call, MAX_ANSWER_BYTES)
    raise ConnectorAnswerTooLarge(call, response.status, MAX_ANSWER_BYTES)


async def with_retries(
    budget: Budget,
    method: str,
    url: str,
    attempt: Callable[[float], Awaitable[_T]],
    answer: Callable[[_T], tuple[int, str | None]],
) -> _T:
    """Try `attempt(seconds)` (the try's time limit) until an answer that is not retried,
    the tries run out, or the budget cannot fit another wait and try. A success is returned;
    anything else is raised as a `ConnectorError` (the last `ConnectorUnreachable`, or the
    error for the last answer's status). `answer` gives a response's status and
    Retry-After."""
    policy = budget.policy
    tries = 0
    while True:
        tries += 1
        started = policy.clock()
        error: ConnectorUnreachable | None = None
        response: _T | None = None
        try:
            response = await attempt(budget.attempt_timeout())
        except ConnectorUnreachable as unreachable:
            error = unreachable
        finally:
            budget.spend(policy.clock() - started)
        retry_after = None
        if response is not None:
            status, retry_after_header = answer(response)
            retry_after = retry_after_seconds(retry_after_header)
            if status not in RETRY_STATUSES or (status == 429 and throttling_is_paced()):
                if status < 300:
                    return response
                # Final; a read (a roster lookup) is the caller's to judge.
                level = logging.INFO if method == "GET" else logging.WARNING
                call = _describe(method, url)  # only when it is logged
                log.log(level, "connector %s answered %s (not retried)", call, status)
                raise connector_error(call, status, retry_after)
            outcome = f"HTTP {status}"
        else:
            assert error is not None
            outcome = _cause(error)
        delay = policy.backoff(tries, retry_after)
        if tries >= policy.attempts or not budget.fits(delay):
            call = _describe(method, url)
            log.warning("connector %s failed after %d tries (%s); giving up", call, tries, outcome)
            if error is not None:
                raise error
            raise connector_error(call, status, retry_after)
        log.info("connector %s: %s, retrying in %.2f s", _describe(method, url), outcome, delay)
        await budget.wait(delay)


class _Credentials(Authentication):
    """What botbuilder code that builds its own (blocking) clients reads from
    `config.credentials`: the app id, and a session signed with the cached token."""

    def __init__(self, app_id: str, tokens: BotTokens | None) -> None:
        self.microsoft_app_id = app_id
        self._tokens = tokens

    def signed_session(self, session: requests.Session | None = None) -> requests.Session:
        session = session or requests.Session()
        token = self._tokens.cached() if self._tokens is not None else None
        if token:
            session.headers["Authorization"] = f"Bearer {token}"
        else:
            session.headers.pop("Authorization", None)
        return session


class ConnectorRetry(_Policy):
    """`with_retries` for the calls that go through the msrest pipeline."""

    def __init__(self, budgets: Budgets) -> None:
        super().__init__()
        self._budgets = budgets

    async def send(self, request: _Request, **kwargs: Any) -> _Response:
        assert self.next is not None, "a policy is always followed by the sender"
        following = self.next

        async def attempt(seconds: float) -> _Response:
            return await following.send(request, **(kwargs | {"timeout": seconds}))

        return await with_retries(
            self._budgets.current(),
            request.http_request.method,
            request.http_request.url,
            attempt,
            lambda response: (
                response.http_response.status_code or 0,
                response.http_response.headers.get("Retry-After"),
            ),
        )


class BearerToken(_Policy):
    def __init__(self, tokens: BotTokens | None) -> None:
        super().__init__()
        self._tokens = tokens

    async def send(self, request: _Request, **kwargs: Any) -> _Response:
        if self._tokens is not None:
            token = await self._tokens.token()
            request.http_request.headers["Authorization"] = f"Bearer {token}"
        assert self.next is not None
        return await self.next.send(request, **kwargs)


class AiohttpSender(_Sender):
    def __init__(self, http: aiohttp.ClientSession) -> None:
        self._http = http

    async def __aenter__(self) -> AiohttpSender:
        return self

    async def __aexit__(self, *exc_details: object) -> None:
        pass  # the session is the app's, closed at shutdown

    async def send(self, request: _Request, **config: Any) -> _Response:
        http_request: ClientRequest = request.http_request
        if http_request.files:
            raise NotImplementedError("multipart uploads are not sent to the connector")
        data = http_request.data
        answer = await _request(
            self._http,
            http_request.method,
            http_request.url,
            headers=dict(http_request.headers),
            content=data if isinstance(data, str | bytes) else None,
            seconds=config.get("timeout"),
            data=data if isinstance(data, dict) else None,
        )
        return Response(request, _ConnectorResponse(http_request, answer))


class _ConnectorResponse(AsyncClientResponse):
    """An `Answer` as msrest's operations read a response."""

    def __init__(self, request: ClientRequest, answer: Answer) -> None:
        super().__init__(request, answer)
        self.status_code = answer.status
        self.headers = CIMultiDict(answer.headers)
        self.reason = answer.reason
        self._body = answer.body

    def body(self) -> bytes:
        return self._body

    def raise_for_status(self) -> None:
        """Never reached: `with_retries` raises for a failed answer before msrest reads it."""


def _describe(method: str, url: str) -> str:
    """`METHOD /path` of a connector call (no host, query or headers: nothing secret)."""
    return f"{method} {unquote(urlsplit(url).path)}"


def _cause(error: ConnectorUnreachable) -> str:
    cause = error.__cause__
    return type(cause).__name__ if cause is not None else "connection failed"
