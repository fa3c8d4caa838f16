"""User-facing text, one catalog per locale. Code asks for a catalog; it never builds sentences."""

from bot.i18n import en, zh
from bot.i18n.catalog import Catalog

# By language subtag: "zh-CN", "zh-SG" and "zh-Hans" all get Simplified Chinese. Traditional
# Chinese (zh-TW, zh-HK) gets it too until there is a zh-Hant catalog: closer than English.
_CATALOGS: dict[str, Catalog] = {"en": en.CATALOG, "zh": zh.CATALOG}


def catalog_for(locale: str | None) -> Catalog:
    """The catalog for a Teams `locale` ("en-US", "zh-CN", ...); English when unknown."""
    language = (locale or "en").strip().replace("_", "-").split("-")[0].lower()
    return _CATALOGS.get(language, en.CATALOG)


__all__ = ["Catalog", "catalog_for"]
