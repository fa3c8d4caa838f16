"""Microsoft Graph: typed models, the error tree, app-only tokens and the client."""

from bot.graph.auth import MsalTokenProvider, TokenError, TokenProvider
from bot.graph.client import GraphClient, RetryPolicy, graph_zone_name
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
    MissingGrant,
    TeamsNotAllowed,
)

__all__ = [
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
    "MissingGrant",
    "MsalTokenProvider",
    "RetryPolicy",
    "TeamsNotAllowed",
    "TokenError",
    "TokenProvider",
    "graph_zone_name",
]
