"""What can go wrong talking to Microsoft Graph, as a small exception tree.

    GraphError                    any failed Graph call; carries status, code and request-id
    ├── GraphBadRequest           400: Graph rejected what we sent
    │   └── InvalidGraphId        an id that cannot be a Graph id ("..", a stray character):
    │                             refused before sending (`bot.graph.ids`); no request-id
    ├── GraphUnauthorized         401: our token was refused
    ├── GraphForbidden            403: a permission or the application access policy is missing
    ├── GraphNotFound             404: the user, event or meeting does not exist
    ├── MailboxNotEnabled         404 MailboxNotEnabledForRESTAPI: the user has no Exchange
    │                             Online mailbox (inactive, soft-deleted or on-premises), so
    │                             no calendar at all; not a GraphNotFound, which says an item
    │                             is gone
    ├── GraphThrottled            429 (and 503 with Retry-After): carries retry_after seconds
    └── GraphUnavailable          5xx
        └── GraphNoAnswer         no response at all: a timeout, a dropped or refused
                                  connection, or no time left in the turn's Graph budget;
                                  status 0 and no request-id (Graph never sent one)

    ├── SignInRequired            delegated mode: the user has no token to call Graph with
    │                             (never signed in, signed out, consent revoked); raised
    │                             before any request, status 401, no request-id
    TeamsNotAllowed               not an HTTP failure: the calendar does not allow Teams meetings

`raise_for_response` is the one place that maps a status code to a class. Every GraphError
also says whether a write it gave up on `maybe_applied`: an attempt timed out, lost its
connection or got a 5xx, so Graph may have done the work without telling us.
"""

from __future__ import annotations

from enum import StrEnum

import httpx

from bot.retry import retry_after_seconds

MAILBOX_NOT_ENABLED = "MailboxNotEnabledForRESTAPI"
_NOT_AUTHORIZED = " is not authorized to "


class MissingGrant(StrEnum):
    """Which admin step a 403 points at, so the user can be told exactly what to ask for."""

    CALENDARS_PERMISSION = "Calendars.ReadWrite"
    MEETINGS_PERMISSION = "OnlineMeetings.ReadWrite.All"
    ACCESS_POLICY = "application access policy"


class GraphError(Exception):
    def __init__(self, status: int, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(f"Graph {status} {code}: {message} (request-id {request_id})")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        # Set by the client: a write whose outcome is unknown (see the module docstring).
        self.maybe_applied = False


class GraphBadRequest(GraphError):
    pass


class InvalidGraphId(GraphBadRequest):
    """An event or user id that Graph never issues, refused before any request was made: as
    a URL path segment it could point the call at another resource (see `bot.graph.ids`)."""

    def __init__(self, kind: str, value: object) -> None:
        shown = repr(value)[:80]
        super().__init__(400, "invalidId", f"{kind} id {shown} refused before sending")
        self.kind = kind


class GraphUnauthorized(GraphError):
    pass


class SignInRequired(GraphError):
    """No token for this user (`bot.graph.auth.UserTokens`): they must sign in first."""

    def __init__(self, user_id: str) -> None:
        super().__init__(401, "SignInRequired", f"no signed-in token for user {user_id}")
        self.user_id = user_id


class GraphForbidden(GraphError):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        request_id: str | None = None,
        missing: MissingGrant | None = None,
    ) -> None:
        super().__init__(status, code, message, request_id)
        self.missing = missing


class GraphNotFound(GraphError):
    pass


class MailboxNotEnabled(GraphError):
    """The user has no Exchange Online mailbox: only their admin can fix it (docs-contrib#6519)."""


class GraphThrottled(GraphError):
    def __init__(
        self, status: int, code: str, message: str, request_id: str | None, retry_after: float
    ) -> None:
        super().__init__(status, code, message, request_id)
        self.retry_after = retry_after


class GraphUnavailable(GraphError):
    pass


class GraphNoAnswer(GraphUnavailable):
    """Graph sent no response: `timed_out` (no answer in time, or no time left to ask) or
    the connection failed (refused, reset, closed before the answer)."""

    def __init__(self, message: str, *, timed_out: bool) -> None:
        super().__init__(0, "timeout" if timed_out else "no_connection", message)
        self.timed_out = timed_out


class TeamsNotAllowed(Exception):
    """The organizer's calendar lists no `teamsForBusiness` among its allowed providers."""

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(f"Teams is not an allowed online meeting provider (allowed: {allowed})")
        self.allowed = allowed


def raise_for_response(response: httpx.Response, *, resource: str) -> None:
    """Raise the matching GraphError for a non-2xx response; `resource` names what was asked
    for ("events", "onlineMeetings", ...) so a 403 can say which grant is missing."""
    status = response.status_code
    if status < 400:
        return
    code, message = _error_body(response)
    request_id = response.headers.get("request-id")
    if status == 400:
        raise GraphBadRequest(status, code, message, request_id)
    if status == 401:
        raise GraphUnauthorized(status, code, message, request_id)
    if status == 403:
        missing = _missing_grant(code, message, resource)
        raise GraphForbidden(status, code, message, request_id, missing)
    if status == 404 and code == MAILBOX_NOT_ENABLED:
        raise MailboxNotEnabled(status, code, message, request_id)
    if status == 404:
        raise GraphNotFound(status, code, message, request_id)
    if status == 429 or (status == 503 and "Retry-After" in response.headers):
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        raise GraphThrottled(
            status, code, message, request_id, 1.0 if retry_after is None else retry_after
        )
    if status >= 500:
        raise GraphUnavailable(status, code, message, request_id)
    raise GraphError(status, code, message, request_id)


def _error_body(response: httpx.Response) -> tuple[str, str]:
    try:
        error = response.json().get("error", {})
        return str(error.get("code", "unknown")), str(error.get("message", ""))
    except ValueError:
        return "unknown", response.text[:200]


def _missing_grant(code: str, message: str, resource: str) -> MissingGrant | None:
    """Which grant a 403 points at. The missing access policy comes in several wordings:
    "No application access policy found for this app." with code `Forbidden`
    (docs-contrib#470) or `General` (msgraph-sdk-dotnet#2350), and the older `Unauthorized`
    "App ... is not authorized to Create meeting on behalf of user ..." (Graph's access-policy
    page before microsoft-graph-docs#21541); a missing permission reads "does not have
    permission"."""
    text = message.lower()
    if "application access policy" in text:
        return MissingGrant.ACCESS_POLICY
    if resource == "onlineMeetings" and code.lower() == "unauthorized" and _NOT_AUTHORIZED in text:
        return MissingGrant.ACCESS_POLICY
    if resource == "onlineMeetings":
        return MissingGrant.MEETINGS_PERMISSION
    if resource in {"events", "calendar"}:
        return MissingGrant.CALENDARS_PERMISSION
    return None
