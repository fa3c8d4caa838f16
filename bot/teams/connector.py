"""Bot Connector calls over one pooled async HTTP client, retried as Teams asks.

botbuilder stays the framework: replies, updates and proactive sends still go through its
`ConnectorClient` (its models, operations and `ErrorResponseException`). Only the transport
under it is Meetbot's. `CloudAdapter` asks the `ConnectorFactory` of each turn (and of each
`continue_conversation`) for a client; ours builds one whose msrest pipeline is

    user agent -> ConnectorRetry -> BearerToken -> RawDeserializer -> HttpxSender

instead of msrest's default: `requests` in a thread pool, a new session (and TCP connection)
per activity, and the token fetched with blocking msal on the event loop.

- `ConnectorRetry` retries per `bot.teams.retry` (429/412/502/504 and dropped connections,
  bounded tries, one time budget per client, i.e. per turn or per proactive send), with the
  injected clock and sleep, and logs a call that finally failed (the log context already
  names the activity and conversation, or the reminder).
- `BearerToken` puts the bot's token (`bot.teams.tokens`, fetched off the loop, cached) on
  every try; without an app id there is none, as botbuilder does.
- `HttpxSender` sends over the app's `httpx.AsyncClient` (pooled keep-alive connections); a
  connection that fails before an answer becomes `ConnectorUnreachable` (an msrest
  `ClientRequestError`, as msrest's own senders raise).

msrest's own retry setting was the alternative: it is urllib3's `Retry` inside `requests`, in a
worker thread, so it cannot bound a whole turn, its sleep cannot be injected, and it needs the
thread-pool transport this module replaces.
"""

from __future__ import annotations

import copy
import logging
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import requests
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import ConnectorFactory
from botframework.connector.bot_framework_sdk_client_async import (
    BotFrameworkConnectorConfiguration,
)
from msrest.authentication import Authentication
from msrest.exceptions import ClientRequestError
from msrest.pipeline import Request, Response
from msrest.pipeline.async_abc import AsyncHTTPPolicy, AsyncHTTPSender, AsyncPipeline
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http import ClientRequest
from msrest.universal_http.async_abc import AsyncClientResponse

from bot.teams.retry import RETRY_STATUSES, Budget, RetryPolicy, retry_after_seconds
from bot.teams.tokens import BotTokens

log = logging.getLogger(__name__)

USER_AGENT = "Meetbot (botbuilder-python)"
_MAX_SERVICE_URLS = 64

# msrest's pipeline types, for the client request and response this transport uses.
_Request = Request[ClientRequest]
_Response = Response[ClientRequest, AsyncClientResponse]
_Policy = AsyncHTTPPolicy[ClientRequest, AsyncClientResponse]
_Sender = AsyncHTTPSender[ClientRequest, AsyncClientResponse]


class ConnectorUnreachable(ClientRequestError):
    """The connection failed, dropped or timed out before the connector answered."""


class MeetbotConnectorFactory(ConnectorFactory):  # type: ignore[misc]
    """Connector clients for one bot: its token (None without an app id), the shared HTTP
    client and the retry policy. Each client gets its own time budget."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        tokens: BotTokens | None,
        retry: RetryPolicy,
        app_id: str,
    ) -> None:
        self._http = http
        self._tokens = tokens
        self._retry = retry
        self._app_id = app_id
        self._configs: dict[str, BotFrameworkConnectorConfiguration] = {}

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        if self._tokens is not None:
            # Warm the cache here, off the loop, for botbuilder's blocking clients that read
            # `config.credentials` (TeamsInfo's TeamsConnectorClient).
            await self._tokens.token()
        budget = self._retry.new_budget()

        def pipeline(config: Any) -> AsyncPipeline[ClientRequest, AsyncClientResponse]:
            return AsyncPipeline(
                [
                    config.user_agent_policy,
                    ConnectorRetry(budget),
                    BearerToken(self._tokens),
                    RawDeserializer(),
                ],
                HttpxSender(self._http),
            )

        # A shallow copy of the service URL's configuration with this turn's pipeline: msrest
        # builds its (unused) retry policy in the configuration, ~2.8 ms of CPU each time.
        config = copy.copy(self._configuration(service_url))
        config.custom_pipeline = pipeline(config)
        return ConnectorClient(config.credentials, custom_configuration=config)

    def _configuration(self, service_url: str) -> BotFrameworkConnectorConfiguration:
        config = self._configs.pop(service_url, None)
        if config is None:
            config = BotFrameworkConnectorConfiguration(
                _Credentials(self._app_id, self._tokens), service_url
            )
            config.add_user_agent(USER_AGENT)
            if len(self._configs) >= _MAX_SERVICE_URLS:  # Teams has a few; forget the oldest
                self._configs.pop(next(iter(self._configs)))
        self._configs[service_url] = config  # most recently used last
        return config


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
    def __init__(self, budget: Budget) -> None:
        super().__init__()
        self._budget = budget

    async def send(self, request: _Request, **kwargs: Any) -> _Response:
        budget, policy = self._budget, self._budget.policy
        call = _describe(request.http_request)
        attempt = 0
        while True:
            attempt += 1
            started = policy.clock()
            kwargs["timeout"] = budget.attempt_timeout()
            error: ConnectorUnreachable | None = None
            response: _Response | None = None
            try:
                response = await self._next().send(request, **kwargs)
            except ConnectorUnreachable as unreachable:
                error = unreachable
            finally:
                budget.spend(policy.clock() - started)
            if response is not None:
                status = response.http_response.status_code or 0
                if status not in RETRY_STATUSES:
                    if status >= 400:  # final; a read (a roster lookup) is the caller's to judge
                        level = (
                            logging.INFO
                            if request.http_request.method == "GET"
                            else logging.WARNING
                        )
                        log.log(level, "connector %s answered %s (not retried)", call, status)
                    return response
                outcome = f"HTTP {status}"
                retry_after = retry_after_seconds(response.http_response.headers.get("Retry-After"))
            else:
                assert error is not None
                outcome = _cause(error)
                retry_after = None
            delay = policy.backoff(attempt, retry_after)
            if attempt >= policy.attempts or not budget.fits(delay):
                log.warning(
                    "connector %s failed after %d tries (%s); giving up", call, attempt, outcome
                )
                if error is not None:
                    raise error
                assert response is not None
                return response
            log.info("connector %s: %s, retrying in %.2f s", call, outcome, delay)
            await budget.wait(delay)

    def _next(self) -> _Policy | _Sender:
        assert self.next is not None, "a policy is always followed by the sender"
        return self.next


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


class HttpxSender(_Sender):
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def __aenter__(self) -> HttpxSender:
        return self

    async def __aexit__(self, *exc_details: object) -> None:
        pass  # the client is the app's, closed at shutdown

    async def send(self, request: _Request, **config: Any) -> _Response:
        http_request: ClientRequest = request.http_request
        if http_request.files:
            raise NotImplementedError("multipart uploads are not sent to the connector")
        data = http_request.data
        timeout = config.get("timeout")
        try:
            answer = await self._http.request(
                http_request.method,
                http_request.url,
                headers=dict(http_request.headers),
                content=data if isinstance(data, str | bytes) else None,
                data=data if isinstance(data, dict) else None,
                timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
            )
        except httpx.TransportError as error:  # connect, read, write, protocol, timeouts
            raise ConnectorUnreachable(type(error).__name__) from error
        return Response(request, _HttpxResponse(http_request, answer))


class _HttpxResponse(AsyncClientResponse):
    def __init__(self, request: ClientRequest, response: httpx.Response) -> None:
        super().__init__(request, response)
        self.status_code = response.status_code
        self.headers = response.headers
        self.reason = response.reason_phrase
        self._body = response.content

    def body(self) -> bytes:
        return self._body

    def raise_for_status(self) -> None:
        if self.status_code is not None and self.status_code >= 400:
            raise ClientRequestError(f"Received status code {self.status_code}")


def _describe(request: ClientRequest) -> str:
    """`METHOD /path` of a connector call (no host, query or headers: nothing secret)."""
    return f"{request.method} {unquote(urlsplit(request.url).path)}"


def _cause(error: ConnectorUnreachable) -> str:
    cause = error.__cause__
    return type(cause).__name__ if cause is not None else "connection failed"
