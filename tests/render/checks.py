"""Checks on a rendered card. Each returns a list of problems (empty: fine), so a test can
assert both that a real card passes and that a broken copy of it fails."""

from __future__ import annotations

import re
from typing import Any

from bot.i18n import Catalog
from tests.cards.helpers import readable
from tests.render.browser import Rendered
from tests.render.catalogue import DialInExpectation

# Words that mean a missing value leaked into the text, and unfilled catalog placeholders.
_LEAKED = re.compile(r"\b(None|null|undefined|NaN)\b|\{\w*\}")
# A backslash before ASCII punctuation: markdown escaping that was not undone (double escaped).
_STRAY_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")
OVERFLOW_TITLE = "..."  # the renderer's "more actions" button
OVERFLOW_LABEL = "More options"
_SLACK = 0.5  # px of rounding allowed when comparing boxes
MIN_CONTRAST = 4.5  # WCAG 2 AA for normal-size text


def parse_problems(rendered: Rendered) -> list[str]:
    """Everything the renderer logged while parsing and validating: unknown element or action
    types, bad property values, unsupported versions, inputs without labels or error messages."""
    return [
        f"{event['phase']}: {event['event']} on {event['source'] or 'card'}: {event['message']}"
        for event in rendered.events
    ]


def empty_problems(rendered: Rendered) -> list[str]:
    """Empty rows and leaked non-values: facts without a title or value, TextBlocks without
    visible text, "None"/"null" or "{placeholder}" in the text, visible markdown escapes."""
    problems = [
        f"empty TextBlock in the card JSON at {path}"
        for path, node in _text_blocks(rendered.source)
        if not str(node.get("text", "")).strip()
    ]
    for dom in _descriptions(rendered):
        for fact in dom["facts"]:
            if not fact["title"] or not fact["value"]:
                problems.append(f"fact row with an empty part: {fact}")
        for block in dom["texts"]:
            if block["role"] == "text" and block["visible"] and not block["text"]:
                problems.append("a rendered TextBlock shows no text")
        text = " ".join(dom["text"].split())
        problems += [
            f"leaked value {match.group(0)!r} in {text!r}" for match in _LEAKED.finditer(text)
        ]
        problems += [
            f"visible markdown escape {match.group(0)!r} in {text!r}"
            for match in _STRAY_ESCAPE.finditer(text)
        ]
    return problems


def overflow_problems(rendered: Rendered) -> list[str]:
    """Text or buttons cut off: clipped by `overflow: hidden` (the renderer's ellipsis for
    non-wrapping text), sticking out of the card, ending in a renderer-added "...", and the
    "..." overflow-actions button (actions that did not fit)."""
    problems: list[str] = []
    for dom in _descriptions(rendered):
        card = dom["box"]
        for block in dom["texts"]:
            if not block["visible"]:
                continue
            where = f"{block['role']} {block['text']!r}"
            if block["clipped"]:
                problems.append(f"clipped {where} (nowrap={block['nowrap']})")
            if not _inside(block["box"], card):
                problems.append(f"{where} sticks out of the card {block['box']} vs {card}")
            if block["text"].endswith(OVERFLOW_TITLE):
                problems.append(f"{where} ends in a renderer ellipsis")
        for button in dom["buttons"]:
            if button["title"] == OVERFLOW_TITLE or button["label"] == OVERFLOW_LABEL:
                problems.append("actions overflowed into a '...' menu")
                continue
            if not button["visible"]:
                problems.append(f"button {button['title']!r} is not visible")
                continue
            if button["clipped"]:
                problems.append(f"button title {button['title']!r} is clipped")
            if not _inside(button["box"], card):
                problems.append(f"button {button['title']!r} sticks out of the card")
        for field in dom["inputs"]:
            if field["visible"] and not _inside(field["box"], card):
                problems.append(f"input {field['id']!r} sticks out of the card")
    return problems


def fact_title_problems(rendered: Rendered) -> list[str]:
    """Fact titles are short labels: broken over lines ("Meeting / ID", "时 / 间") they read
    badly. The renderer lays a FactSet out as a table and squeezes the title column when the
    values are long."""
    return [
        f"fact title {block['text']!r} takes {block['lines']} lines"
        for dom in _descriptions(rendered)
        for block in dom["texts"]
        if block["role"] == "fact-title" and block["visible"] and block["lines"] > 1
    ]


def contrast_problems(rendered: Rendered, minimum: float = MIN_CONTRAST) -> list[str]:
    """Text whose colour is too close to its background to read (WCAG 2 contrast ratio)."""
    problems = []
    for block in rendered.dom["texts"]:
        if not block["visible"] or not block["text"]:
            continue
        background = _over(block["background"], (255.0, 255.0, 255.0))
        ratio = _contrast(_over(block["color"], background), background)
        if ratio < minimum:
            problems.append(f"{block['text']!r} has contrast {ratio:.1f}:1 (needs {minimum}:1)")
    return problems


def join_problems(rendered: Rendered, join_url: str, catalog: Catalog) -> list[str]:
    """The card has one visible Join button, an Action.OpenUrl that opened exactly `join_url`
    when clicked."""
    problems: list[str] = []
    joins = [b for b in rendered.dom["buttons"] if b["title"] == catalog.join_button]
    if len(joins) != 1:
        return [f"expected one {catalog.join_button!r} button, found {len(joins)}"]
    if joins[0]["type"] != "Action.OpenUrl":
        problems.append(f"the Join button is {joins[0]['type'] or 'not an action'}")
    opened = [
        action["url"]
        for action in rendered.executed
        if action["type"] == "Action.OpenUrl" and action["title"] == catalog.join_button
    ]
    if opened != [join_url]:
        problems.append(f"clicking Join opened {opened}, expected [{join_url!r}]")
    return problems


def dial_in_problems(
    rendered: Rendered, expected: DialInExpectation | None, catalog: Catalog
) -> list[str]:
    """With `expected`: the "Join by phone" section with one tap-to-dial `tel:` link per number
    (dialling the conference ID too), the conference ID row and the local numbers link.
    Without: no trace of a dial-in section."""
    dom = rendered.dom
    text = " ".join(dom["text"].split())
    tel = [link for link in dom["links"] if link["href"].startswith("tel:")]
    local = [
        link
        for link in dom["links"]
        if link["href"].startswith("https://dialin.teams.microsoft.com/")
    ]
    conference = [
        f["value"] for f in dom["facts"] if readable(f["title"]) == catalog.conference_id_label
    ]
    if expected is None:
        problems = []
        if catalog.dial_in_heading in text:
            problems.append(f"a {catalog.dial_in_heading!r} section without dial-in data")
        if tel or local or conference:
            problems.append(f"dial-in traces: tel={tel} local={local} conference={conference}")
        return problems
    problems = []
    if catalog.dial_in_heading not in text:
        problems.append(f"no {catalog.dial_in_heading!r} heading")
    hrefs = tuple(link["href"] for link in tel)
    if hrefs != expected.tel_targets:
        problems.append(f"tel: links {hrefs}, expected {expected.tel_targets}")
    shown = tuple(link["text"] for link in tel)
    if shown != expected.numbers:
        problems.append(f"numbers shown as {shown}, expected {expected.numbers}")
    if conference != [expected.conference_id]:
        problems.append(f"conference ID row {conference}, expected [{expected.conference_id!r}]")
    if expected.local_numbers_url is not None:
        found = [(link["href"], link["text"]) for link in local]
        wanted = [(expected.local_numbers_url, catalog.local_numbers_link)]
        if found != wanted:
            problems.append(f"local numbers link {found}, expected {wanted}")
    return problems


def show_card_problems(rendered: Rendered) -> list[str]:
    """Every Action.ShowCard opened its card when clicked, and the card shows buttons."""
    shows = [b for b in rendered.dom["buttons"] if b["type"] == "Action.ShowCard"]
    if not shows:
        return []
    after = rendered.after_clicks
    if after is None:
        return ["the card's buttons were not clicked"]
    problems = []
    toggled = [a for a in rendered.executed if a["type"] == "expanded" and a["expanded"]]
    if len(toggled) != len(shows):
        problems.append(f"{len(shows)} ShowCard buttons, {len(toggled)} expanded")
    if after["nestedCards"] <= rendered.dom["nestedCards"]:
        problems.append("no inline card appeared after clicking ShowCard")
    if len(after["buttons"]) <= len(rendered.dom["buttons"]):
        problems.append("the opened card shows no buttons")
    return problems


def _descriptions(rendered: Rendered) -> list[dict[str, Any]]:
    """The card as rendered and, when its buttons were clicked, as it looked afterwards."""
    return [rendered.dom] + ([rendered.after_clicks] if rendered.after_clicks else [])


def _inside(box: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        box["left"] >= outer["left"] - _SLACK
        and box["right"] <= outer["right"] + _SLACK
        and box["top"] >= outer["top"] - _SLACK
        and box["bottom"] <= outer["bottom"] + _SLACK
    )


def _text_blocks(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            found.append((path or "/", node))
        for key, value in node.items():
            found += _text_blocks(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _text_blocks(value, f"{path}/{index}")
    return found


def _over(
    colour: list[float], background: tuple[float, float, float]
) -> tuple[float, float, float]:
    """`colour` (RGBA) painted over an opaque `background`."""
    red, green, blue, alpha = colour
    return (
        red * alpha + background[0] * (1 - alpha),
        green * alpha + background[1] * (1 - alpha),
        blue * alpha + background[2] * (1 - alpha),
    )


def _contrast(one: tuple[float, float, float], other: tuple[float, float, float]) -> float:
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: tuple[float, float, float]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue
