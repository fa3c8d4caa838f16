"""The tenant's rooms: `GET /v1.0/places/microsoft.graph.room`, and a switch to refuse it.

Graph lists the rooms of the tenant to an app granted Place.Read.All, as `room` resources
(https://learn.microsoft.com/en-us/graph/api/place-list, and the room resource type
https://learn.microsoft.com/en-us/graph/api/resources/room). Without the grant it answers
403 ErrorAccessDenied, which the admin API reaches with

    PUT /_emulator/places        {"readable": false}   (true again to grant it)

The rooms are the emulated tenant's; a reset grants the permission again. The route lives
outside the `/users/{id}` table (`emulators.graph.routes`): a place belongs to the tenant,
not to a mailbox, and counts against no mailbox's concurrency.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from emulators.graph.errors import access_denied, bad_request
from emulators.graph.routes import graph_json

ROOMS_PATH = "/v1.0/places/microsoft.graph.room"
PLACE_READ_ALL = "Place.Read.All"


@dataclass(frozen=True, slots=True)
class Room:
    display_name: str
    alias: str  # the mailbox's local part, at contoso.com
    capacity: int
    building: str
    floor: int

    @property
    def email_address(self) -> str:
        return f"{self.alias}@contoso.com"

    def json(self) -> dict[str, Any]:
        """A `room` as the List places example answers it (the fields Meetbot's tenant has)."""
        return {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:{self.email_address}")),
            "emailAddress": self.email_address,
            "displayName": self.display_name,
            "address": {
                "street": "4567 Main St",
                "city": "Redmond",
                "state": "WA",
                "postalCode": "98052",
                "countryOrRegion": "US",
            },
            "geoCoordinates": None,
            "phone": "",
            "nickname": self.display_name,
            "label": self.display_name,
            "capacity": self.capacity,
            "building": self.building,
            "floorLabel": str(self.floor),
            "floorNumber": self.floor,
            "isWheelChairAccessible": True,
            "bookingType": "standard",
            "tags": [],
            "audioDeviceName": None,
            "videoDeviceName": None,
            "displayDeviceName": "surface hub",
        }


ROOMS = (
    Room("Conf Room 3", "confroom3", 12, "1", 3),
    Room("Conf Room Baker", "baker", 8, "1", 2),
    Room("Conf Room Adams", "adams", 16, "2", 1),
    Room("会议室 3", "room3.beijing", 10, "北京", 3),
)


@dataclass
class Places:
    """Whether the app may read places (Place.Read.All granted)."""

    readable: bool = True

    def reset(self) -> None:
        self.readable = True


Authenticate = Callable[[web.Request], None]


def places_routes(places: Places, authenticate: Authenticate) -> list[web.RouteDef]:
    """The rooms route (register it before the catch-all `/v1.0/{path}` route) and its switch.
    `authenticate` raises the emulator's GraphError for a request without a valid token."""

    async def rooms(request: web.Request) -> web.Response:
        authenticate(request)
        if not places.readable:
            raise access_denied()
        if request.query.get("$filter") or request.query.get("$search"):
            raise bad_request("The local Graph emulator lists rooms without $filter or $search.")
        base = f"{request.scheme}://{request.host}/v1.0/$metadata"
        body = {
            "@odata.context": f"{base}#places/microsoft.graph.room",
            "value": [room.json() for room in ROOMS],
        }
        return graph_json(body)

    async def configure(request: web.Request) -> web.Response:
        try:
            data: Any = json.loads(await request.read())
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("readable"), bool):
            message = 'The body must be {"readable": true} or {"readable": false}.'
            return web.json_response(
                {"error": {"code": "BadRequest", "message": message}}, status=400
            )
        places.readable = data["readable"]
        return web.json_response({"readable": places.readable})

    handlers: list[tuple[str, str, Callable[[web.Request], Awaitable[web.Response]]]] = [
        ("GET", ROOMS_PATH, rooms),
        ("PUT", "/_emulator/places", configure),
    ]
    return [web.route(method, path, handler) for method, path, handler in handlers]
