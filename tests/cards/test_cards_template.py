"""Templates (`cards.template`) and the per-catalog cache (`cards.per_catalog`): a filled
template is what dumping the model with those values gives, every fill is new JSON, and what
is kept per catalog follows the catalog object."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from microsoft_teams.cards import (
    AdaptiveCard,
    Choice,
    ChoiceSetInput,
    Container,
    Fact,
    FactSet,
    OpenUrlAction,
    ShowCardAction,
    SubmitAction,
    TextBlock,
)

from bot.i18n import Catalog, catalog_for
from cards import per_catalog
from cards.per_catalog import CATALOGS_KEPT, PerCatalog
from cards.schema import dump_card, dump_part, new_card
from cards.template import Template, hole, spread

texts = st.text(max_size=40)


def containers(node: Any) -> Iterator[dict[str, Any] | list[Any]]:
    """Every dict and list in a JSON value."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from containers(value)
    elif isinstance(node, list):
        yield node
        for value in node:
            yield from containers(value)


def shares_nothing(first: Any, second: Any) -> bool:
    return not {id(node) for node in containers(first)} & {id(node) for node in containers(second)}


# -- filling ----------------------------------------------------------------------------------


def _block(text: str, url: str) -> Container:
    return Container(
        items=[
            TextBlock(text=text, weight="Bolder", wrap=True),
            TextBlock(text="fixed", is_subtle=True),
        ],
        select_action=OpenUrlAction(url=url),
        separator=True,
    )


@given(text=texts, url=texts)
def test_a_filled_template_is_the_dumped_model(text: str, url: str) -> None:
    template = Template(dump_part(_block(hole("text"), hole("url"))))

    filled = template(text=text, url=url)

    assert filled == dump_part(_block(text, url))
    assert list(filled) == list(dump_part(_block(text, url)))  # same key order
    assert template.holes == {"text", "url"}


@given(reminder_id=texts, for_user=texts)
def test_holes_in_nested_data_and_spread_choices(reminder_id: str, for_user: str) -> None:
    def action(choices: list[Choice], reminder_id: str, for_user: str) -> ShowCardAction:
        form = AdaptiveCard(
            body=[ChoiceSetInput(id="minutes", choices=choices, value="15")],
            actions=[
                SubmitAction(
                    title="Save", data={"meetbot": "x", "reminderId": reminder_id, "for": for_user}
                )
            ],
        )
        return ShowCardAction(title="Reminder", card=form)

    fixed = [Choice(title="None", value="none"), Choice(title="15", value="15")]
    template = Template(
        dump_part(action([*fixed, Choice(title=spread("extra"))], hole("id"), hole("user")))
    )
    extra = [dump_part(Choice(title="7 min", value="7"))]

    assert template(extra=[], id=reminder_id, user=for_user) == dump_part(
        action(fixed, reminder_id, for_user)
    )
    assert template(extra=extra, id=reminder_id, user=for_user) == dump_part(
        action([*fixed, Choice(title="7 min", value="7")], reminder_id, for_user)
    )


def test_a_whole_card_with_spread_body_and_actions() -> None:
    template = Template(
        dump_card(new_card([TextBlock(text=spread("body"))], [OpenUrlAction(title=spread("a"))]))
    )
    body = [dump_part(TextBlock(text="hi")), dump_part(FactSet(facts=[Fact(title="t")]))]
    action = [dump_part(OpenUrlAction(title="Join", url="https://x"))]

    card = template(body=body, a=action)

    assert card == dump_card(
        new_card(
            [TextBlock(text="hi"), FactSet(facts=[Fact(title="t")])],
            [OpenUrlAction(title="Join", url="https://x")],
        )
    )
    assert next(iter(card)) == "$schema"


def test_none_leaves_the_key_out_as_dumping_does() -> None:
    template = Template(dump_part(TextBlock(text=hole("text"), wrap=True)))

    assert template(text=None) == dump_part(TextBlock(wrap=True))


def test_every_fill_is_new_json() -> None:
    template = Template(dump_part(_block(hole("text"), "https://fixed")))

    first, second = template(text="a"), template(text="a")
    first["items"][1]["text"] = "changed"
    first["selectAction"]["url"] = "changed"
    first["items"].append({})

    assert shares_nothing(first, second)
    assert second == template(text="a") == dump_part(_block("a", "https://fixed"))


def test_spread_items_are_copied_into_a_new_list() -> None:
    template = Template(dump_part(FactSet(facts=[Fact(title=spread("facts"))])))
    facts = [{"title": "a", "value": "b"}]

    filled = template(facts=facts)

    assert filled["facts"] == facts
    assert filled["facts"] is not facts


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({}, TypeError),  # missing
        ({"text": "a", "other": "b"}, TypeError),  # unknown
        ({"txt": "a"}, KeyError),  # misspelt
        ({"text": 1}, TypeError),  # not a string: the model would have refused it
    ],
)
def test_wrong_values_are_refused(values: dict[str, Any], error: type[Exception]) -> None:
    template = Template(dump_part(TextBlock(text=hole("text"))))

    with pytest.raises(error):
        template(**values)


def test_a_spread_needs_a_list() -> None:
    template = Template(dump_part(FactSet(facts=[Fact(title=spread("facts"))])))

    with pytest.raises(TypeError, match="list"):
        template(facts="not a list")


@pytest.mark.parametrize(
    "model",
    [
        TextBlock(text=f"Hello {hole('name')}"),  # a hole inside other text
        TextBlock(text=spread("items")),  # a spread that is not a list item
        FactSet(facts=[Fact(title=spread("a"), value=spread("b"))]),  # two spreads in one item
    ],
)
def test_placeholders_out_of_place_are_refused(model: TextBlock | FactSet) -> None:
    with pytest.raises(ValueError, match=r"spread|placeholder"):
        Template(dump_part(model))


# -- the per-catalog cache --------------------------------------------------------------------


def test_per_catalog_builds_once_per_catalog_object() -> None:
    built: list[Catalog] = []

    def build(catalog: Catalog) -> str:
        built.append(catalog)
        return catalog.join_button

    cached = PerCatalog(build)
    en, zh = catalog_for("en-US"), catalog_for("zh-CN")
    variant = dataclasses.replace(en, join_button="Beitreten")

    assert [cached(c) for c in (en, zh, en, variant, zh, variant)] == [
        en.join_button,
        zh.join_button,
        en.join_button,
        "Beitreten",
        zh.join_button,
        "Beitreten",
    ]
    assert [catalog.join_button for catalog in built] == [
        en.join_button,
        zh.join_button,
        "Beitreten",
    ]


def test_per_catalog_keeps_few_catalogs() -> None:
    cached = PerCatalog(lambda catalog: catalog.join_button)
    variants = [
        dataclasses.replace(catalog_for("en-US"), join_button=f"Join {index}")
        for index in range(CATALOGS_KEPT * 3)
    ]

    for catalog in variants:
        assert cached(catalog) == catalog.join_button
        assert len(cached) <= CATALOGS_KEPT

    assert len(cached) == CATALOGS_KEPT
    assert [cached(catalog) for catalog in reversed(variants)] == [
        catalog.join_button for catalog in reversed(variants)
    ]


def test_per_catalog_is_not_fooled_by_a_reused_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry holds its catalog; even were an id reused, the entry's catalog is checked."""
    cached = PerCatalog(lambda catalog: catalog.join_button)
    en = catalog_for("en-US")
    cached(en)
    monkeypatch.setattr(per_catalog, "id", lambda obj: id(en), raising=False)
    variant = dataclasses.replace(en, join_button="Beitreten")

    assert cached(variant) == "Beitreten"


def test_a_hole_given_a_str_subclass_holds_a_plain_str() -> None:
    """Cards are sent unwalked as plain JSON (`CardAttachment.__json_plain__`)."""

    class Colour(StrEnum):
        GOOD = "Good"

    part = Template(dump_part(TextBlock(text=hole("text"), color="Good")))
    filled = part(text=Colour.GOOD)
    assert type(filled["text"]) is str
    assert filled["text"] == "Good"
