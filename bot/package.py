"""The Teams app package: `manifest/manifest.json` with its ids filled in, zipped with the icons.

The template in `manifest/` (installed with the bot as the `manifest` package's data) holds
Teams-Toolkit-style placeholders:

    ${{TEAMS_APP_ID}}  -> PackageIds.app_id  (the Teams app's own id)
    ${{BOT_ID}}        -> PackageIds.bot_id  (the bot's Microsoft App ID, `MicrosoftAppId`)
    ${{BOT_DOMAIN}}    -> PackageIds.domain  (the host name the bot is reached at)

`render_manifest` returns the filled-in manifest; `build_package` writes the zip to upload
(Developer Portal, "Upload a custom app", Teams admin center). Neither reads settings: the
caller (`meetbot package`) passes `TEAMS_APP_ID` as `app_id`, `MicrosoftAppId` as `bot_id` and
`BOT_DOMAIN` as `domain`, and `NIL_ID`, with a warning, for an id that is not configured yet:
the package is then well-formed but reaches no bot.

The template carries Teams' single sign-on fields in every mode ("Update app manifest for SSO",
https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/authentication/bot-sso-manifest):
`webApplicationInfo` (`id` the bot's Entra app id, `resource` the identifier URI its "Expose an
API" page shows) and `token.botframework.com` in `validDomains`, the host of the Bot Framework
sign-in page an OAuth card opens. In application mode nothing reads them. With
`delegated=True` (`GRAPH_PERMISSIONS=delegated`) users sign in through them, so the package is
refused unless the resource is the `api://<domain>/botid-<bot id>` that docs/deploy.md has the
admin register: a real bot id and a domain, not the nil GUID or the domain-less form.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import manifest

NIL_ID = "00000000-0000-0000-0000-000000000000"
"""A syntactically valid GUID that stands for "not configured yet": the schema accepts it."""

MANIFEST_DIR = resources.files(manifest)
"""The template and icons: the `manifest` package's data, in a clone or any install."""

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")  # the schema's
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_PLACEHOLDER = re.compile(r"\$\{\{([A-Z_]+)\}\}")
_DOMAIN_PLACEHOLDER = "${{BOT_DOMAIN}}"
# Fixed zip metadata, so that the same inputs give a byte-identical package.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can record
_ZIP_UNIX = 3  # "created on Unix", whatever the platform, so that the mode bits below count
_ZIP_MODE = 0o100644 << 16  # a regular file, rw-r--r--


@dataclass(frozen=True)
class PackageIds:
    """What the placeholders of the manifest template become.

    `app_id` and `bot_id` are GUIDs. `domain` is the bare host name the bot is served at
    ("meetbot.contoso.com": no scheme, port or path), or None while there is none: then
    `validDomains` lists no bot domain and the SSO resource in `webApplicationInfo` takes the
    domain-less form `api://botid-<bot id>`, which Teams documents for bots without a tab.
    """

    app_id: str
    bot_id: str
    domain: str | None


def render_manifest(ids: PackageIds, *, delegated: bool = False) -> dict[str, Any]:
    """The manifest template with every placeholder replaced by `ids`.

    Raises `ValueError` naming the offending value when an id is not a GUID or the domain is
    not a bare host name, and, with `delegated`, naming what single sign-on lacks when the
    bot id is the nil GUID or there is no domain.
    """
    _check(ids)
    if delegated:
        _check_sso(ids)
    template = json.loads((MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8"))
    if ids.domain is None:
        template = _without_domain(template)
    values = {"TEAMS_APP_ID": ids.app_id, "BOT_ID": ids.bot_id}
    if ids.domain is not None:
        values["BOT_DOMAIN"] = ids.domain
    rendered: dict[str, Any] = _substitute(template, values)
    return rendered


def sso_resource(ids: PackageIds) -> str:
    """The package's `webApplicationInfo.resource` for `ids`: what the bot's Entra app must have
    as its Application ID URI, and its Azure Bot OAuth connection as Token Exchange URL."""
    resource: str = render_manifest(ids)["webApplicationInfo"]["resource"]
    return resource


def build_package(ids: PackageIds, output: Path, *, delegated: bool = False) -> Path:
    """Write the upload-ready app package to `output` (its folder is created) and return it.

    The zip holds exactly `manifest.json` (from `render_manifest(ids)`) and the two icons it
    names (`color.png`, `outline.png`), all at the root, with fixed timestamps and modes: the
    same ids and template give a byte-identical file. Raises `ValueError` like
    `render_manifest`, before anything is written.
    """
    manifest = render_manifest(ids, delegated=delegated)
    files = {"manifest.json": (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()}
    for icon in (manifest["icons"]["color"], manifest["icons"]["outline"]):
        files[icon] = (MANIFEST_DIR / icon).read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = _ZIP_UNIX
            info.external_attr = _ZIP_MODE
            archive.writestr(info, data)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(buffer.getvalue())
    return output


def _check(ids: PackageIds) -> None:
    for field, value in (("app id", ids.app_id), ("bot id", ids.bot_id)):
        if not _GUID.fullmatch(value):
            raise ValueError(
                f"The {field} {value!r} is not a GUID (like {NIL_ID!r}); "
                "use the id the Teams Developer Portal or Azure Bot registration shows."
            )
    if ids.domain is not None and not _is_host_name(ids.domain):
        raise ValueError(
            f"The domain {ids.domain!r} is not a bare host name: give the host only, "
            "like 'meetbot.contoso.com', without https://, a port or a path."
        )


def _check_sso(ids: PackageIds) -> None:
    # The resource must equal the Entra app's identifier URI, or Teams' token exchange fails.
    if ids.bot_id == NIL_ID:
        raise ValueError(
            "GRAPH_PERMISSIONS=delegated needs the bot's app id for single sign-on "
            "(webApplicationInfo.id): set MicrosoftAppId or pass --bot-id."
        )
    if ids.domain is None:
        raise ValueError(
            "GRAPH_PERMISSIONS=delegated needs the bot's domain for single sign-on "
            f"(the resource api://<domain>/botid-{ids.bot_id}): set BOT_DOMAIN or pass --domain."
        )


def _is_host_name(domain: str) -> bool:
    labels = domain.split(".")
    return len(domain) <= 253 and all(_LABEL.fullmatch(label) for label in labels)


def _without_domain(template: dict[str, Any]) -> dict[str, Any]:
    """The template for a bot without a domain: no domain entry, the domain-less SSO resource."""
    shaped = dict(template)
    shaped["validDomains"] = [d for d in template["validDomains"] if d != _DOMAIN_PLACEHOLDER]
    info = dict(template["webApplicationInfo"])
    info["resource"] = info["resource"].replace(f"//{_DOMAIN_PLACEHOLDER}/", "//")
    shaped["webApplicationInfo"] = info
    return shaped


def _substitute(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: _substitute(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute(item, values) for item in node]
    if isinstance(node, str):
        return _PLACEHOLDER.sub(lambda match: _value(match, values), node)
    return node


def _value(match: re.Match[str], values: dict[str, str]) -> str:
    name = match.group(1)
    if name not in values:
        raise ValueError(f"manifest/manifest.json: no value for the placeholder {match.group(0)}")
    return values[name]
