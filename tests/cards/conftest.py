"""Shared fixtures for the card tests: the English catalog and a JSON walker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.i18n import Catalog, catalog_for


@pytest.fixture
def catalog() -> Catalog:
    return catalog_for("en-US")


def _leaves(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield f"{path}/{key}", key
            yield from _leaves(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, f"{path}/{index}")
    else:
        yield path, node


@pytest.fixture
def assert_no_empty_values() -> Callable[[dict[str, Any]], None]:
    """Fails when any key or value in a card is None, "", "None" or "null", or a text says None."""

    def check(card: dict[str, Any]) -> None:
        bad = [
            (path, value)
            for path, value in _leaves(card)
            if value is None
            or value in ("", "None", "null")
            or (isinstance(value, str) and "None" in value)
        ]
        assert bad == []

    return check


@pytest.fixture(params=["en-US", "zh-CN"])
def each_catalog(request: pytest.FixtureRequest) -> Catalog:
    """Every shipped catalog, so each card is checked in every language."""
    locale: str = request.param
    return catalog_for(locale)


@pytest.fixture
def zh_catalog() -> Catalog:
    return catalog_for("zh-CN")
