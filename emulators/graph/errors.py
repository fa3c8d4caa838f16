"""Graph's error responses: one exception that handlers raise and the shape Graph answers with.

Graph wraps every failure in `{"error": {"code", "message", "innerError": {...}}}` and carries
`request-id` both as a header and inside `innerError`, so clients can quote it to support.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class RequestIds:
    """The ids Graph puts on every response: its own, and the caller's (echoed, or the same)."""

    request_id: str
    client_request_id: str


class GraphError(Exception):
    """A Graph failure; the emulator's middleware turns it into Graph's JSON error response."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def error_body(error: GraphError, ids: RequestIds, now: datetime) -> dict[str, Any]:
    return {
        "error": {
            "code": error.code,
            "message": error.message,
            "innerError": {
                "date": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": ids.request_id,
                "client-request-id": ids.client_request_id,
            },
        }
    }


def bad_request(message: str, code: str = "BadRequest") -> GraphError:
    return GraphError(400, code, message)


def invalid_token(message: str) -> GraphError:
    challenge = (
        'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/'
        'authorize", client_id="00000003-0000-0000-c000-000000000000"'
    )
    return GraphError(401, "InvalidAuthenticationToken", message, {"WWW-Authenticate": challenge})


def access_denied() -> GraphError:
    return GraphError(
        403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
    )


def item_not_found() -> GraphError:
    return GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def invalid_json() -> GraphError:
    return bad_request(
        "Unable to read JSON request payload. Please ensure Content-Type header is set and "
        "payload is of valid JSON format."
    )


def zone_not_supported(name: str) -> GraphError:
    return bad_request(
        "A valid TimeZone value must be specified. The following TimeZone value is not "
        f"supported: '{name}'.",
        code="TimeZoneNotSupportedException",
    )


def property_validation(detail: str) -> GraphError:
    # Exchange answers "At least one property failed validation." without saying which one;
    # the emulator keeps the code and adds the detail so a developer sees the cause at once.
    return bad_request(
        f"At least one property failed validation. {detail}", code="ErrorPropertyValidationFailure"
    )
