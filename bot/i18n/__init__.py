"""User-facing text, one catalog per locale. Code asks for a catalog; it never builds sentences."""

from bot.i18n import en
from bot.i18n.catalog import Catalog

_CATALOGS: dict[str, Catalog] = {"en": en.CATALOG}


def catalog_for(locale: str | None) -> Catalog:
    """The catalog for a Teams `locale` ("en-US", "zh-CN", ...); English when unknown."""
    language = (locale or "en").split("-")[0].lower()
    return _CATALOGS.get(language, en.CATALOG)


__all__ = ["Catalog", "catalog_for"]
