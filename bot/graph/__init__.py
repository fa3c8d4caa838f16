"""Microsoft Graph: typed models, the error tree, tokens (the app's, or each signed-in user's) and
the client."""

from bot.graph.auth import MsalTokenProvider, TokenError, TokenProvider, UserTokens
from bot.graph.client import GraphClient, graph_zone_name
from bot.graph.errors import (
    GraphBadRequest,
    GraphError,
    GraphForbidden,
    GraphNoAnswer,
    GraphNotFound,
    GraphThrottled,
    GraphUnauthorized,
    GraphUnavailable,
    InvalidGraphId,
    MailboxNotEnabled,
    MissingGrant,
    SignInRequired,
    TeamsNotAllowed,
)
from bot.graph.http import graph_http
from bot.retry import GRAPH_RETRY, RetryPolicy

__all__ = [
    "GRAPH_RETRY",
    "GraphBadRequest",
    "GraphClient",
    "GraphError",
    "GraphForbidden",
    "GraphNoAnswer",
    "GraphNotFound",
    "GraphThrottled",
    "GraphUnauthorized",
    "GraphUnavailable",
    "InvalidGraphId",
    "MailboxNotEnabled",
    "MissingGrant",
    "MsalTokenProvider",
    "RetryPolicy",
    "SignInRequired",
    "TeamsNotAllowed",
    "TokenError",
    "TokenProvider",
    "UserTokens",
    "graph_http",
    "graph_zone_name",
]
