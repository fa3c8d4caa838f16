"""The message catalogs: locale lookup, completeness and template parity across languages."""

from __future__ import annotations

import dataclasses
import re
import string
from collections.abc import Iterator

import pytest

from bot.i18n import Catalog, catalog_for, en, zh

CATALOGS = [en.CATALOG, zh.CATALOG]
FIELDS = [field.name for field in dataclasses.fields(Catalog)]
_CJK = re.compile(r"[\u4e00-\u9fff]")

# The placeholders code fills in: a locale may reorder them but must use exactly these.
CONTRACT: dict[str, set[str]] = {
    "time_range": {"date", "start", "end", "zone"},
    "time_range_short": {"date", "start", "end"},
    "zone_note": {"zone"},
    "zone_fallback_note": {"zone"},
    "date_format": {"weekday", "month", "day"},
    "time_format": {"hour12", "minute", "period"},
    "date_time_format": {"date", "time"},
    "ask_time": {"subject"},
    "unresolved_mentions": {"names"},
    "form_invalid": {"detail"},
    "duration_minutes": {"minutes"},
    "duration_hours": {"hours"},
    "duration_hours_minutes": {"hours", "minutes"},
    "more_items": {"count"},
    "more_people": {"count"},
    "no_match": {"query"},
    "made_online": {"subject"},
    "not_organizer": {"subject"},
    "cancel_confirm": {"subject", "when"},
    "meeting_cancelled": {"subject"},
    "providers_allowed": {"providers"},
    "providers_default": {"provider"},
    "unknown_command": {"command"},
    "bad_time": {"detail"},
    "ambiguous_time": {"detail"},
    "ambiguous_day": {"detail"},
    "time_in_past": {"detail"},
    "bad_duration": {"detail"},
    "bad_reminder": {"detail"},
    "bad_repeat": {"detail"},
    "bad_place": {"detail"},
    "reminder_before": {"minutes", "time"},
    "reminder_at_start": {"time"},
    "reminder_choice_minutes": {"minutes"},
    "reminder_set": {"subject", "when"},
    "reminder_removed": {"subject"},
    "reminder_starts_in": {"minutes"},
    "reminder_started": {"minutes"},
    "reminder_summary": {"subject"},
    "reminders_due": {"time"},
    "watch_started": {"minutes"},
    "watch_already": {"minutes"},
    "bad_attendee": {"detail"},
    "teams_not_allowed": {"providers"},
    "reference_label": {"request_id"},
    # issue 24: moving a meeting, and a change to one meeting of a series or all of it
    "meeting_moved": {"subject", "when"},
    "series_moved": {"subject", "when"},
    "move_in_past": {"subject", "when"},
    "move_which": {"subject", "when"},
    "cancel_which": {"subject", "when"},
    "cancel_series_confirm": {"subject"},
    "occurrence_cancelled": {"subject"},
    "series_cancelled": {"subject"},
    # issue 24: places, rooms and attendees of a meet
    "room_unresolved": {"room"},
    # issue 24: cards
    "recurrence_daily_interval": {"interval"},
    "recurrence_weekly": {"days"},
    "recurrence_weekly_interval": {"interval", "days"},
    "recurrence_monthly": {"day"},
    "recurrence_monthly_interval": {"interval", "day"},
    "recurrence_monthly_relative": {"index", "days"},
    "recurrence_monthly_relative_interval": {"interval", "index", "days"},
    "recurrence_yearly": {"month", "day"},
    "recurrence_yearly_interval": {"interval", "month", "day"},
    "recurrence_yearly_relative": {"index", "days", "month"},
    "recurrence_yearly_relative_interval": {"interval", "index", "days", "month"},
    "recurrence_until": {"pattern", "date"},
    "recurrence_until_date": {"year", "month", "day"},
    "recurrence_count": {"pattern", "count"},
    "recurrence_count_one": {"pattern"},
    "recurrence_in_zone": {"pattern", "zone"},
    # issue 24: occurrences
    "repeats_every_days": {"count"},
    "repeats_every_weeks": {"count"},
    "repeats_every_months": {"count"},
    "repeats_every_years": {"count"},
    "made_online_series": {"subject"},
    # issue 24: Graph quirks
    "created_without_join_link": {"subject"},
    # issue 24: a move that cannot be read
    "move_bad_time": {"detail"},
    "shift_bad_duration": {"detail"},
    # issue 25: sign-in
    "sign_in_in_private": {"name"},
}


def strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a field, with where it sits ("help_examples[2][0]")."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from strings(item, f"{path}[{index}]")
    else:
        raise AssertionError(f"{path} is a {type(value).__name__}, not text")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def all_strings(catalog: Catalog) -> dict[str, str]:
    return {path: text for name in FIELDS for path, text in strings(getattr(catalog, name), name)}


@pytest.mark.parametrize(
    "locale", ["zh-CN", "zh-cn", "zh-Hans", "zh-SG", "zh_CN", "zh-Hans-CN", "ZH-TW", " zh-HK"]
)
def test_chinese_locales(locale: str) -> None:
    assert catalog_for(locale) is zh.CATALOG


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en", None, "", "fr-FR", "-", "zz"])
def test_other_locales_get_english(locale: str | None) -> None:
    assert catalog_for(locale) is en.CATALOG


def test_locale_codes() -> None:
    assert (en.CATALOG.locale, zh.CATALOG.locale) == ("en", "zh")


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda catalog: catalog.locale)
def test_every_field_is_filled(catalog: Catalog) -> None:
    empty = [path for path, text in all_strings(catalog).items() if not text.strip()]
    assert empty == []
    for name in FIELDS:
        value = getattr(catalog, name)
        if isinstance(value, tuple):
            assert value, name


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda catalog: catalog.locale)
def test_no_text_says_none(catalog: Catalog) -> None:
    # Cards are checked for a stray "None"; catalog text must not trip that check.
    assert [path for path, text in all_strings(catalog).items() if "None" in text] == []


def test_templates_use_the_same_placeholders() -> None:
    english, chinese = (all_strings(catalog) for catalog in CATALOGS)

    assert english.keys() == chinese.keys()  # same shape: same number of examples, names, ...
    mismatched = {
        path: (placeholders(english[path]), placeholders(chinese[path]))
        for path in english
        if placeholders(english[path]) != placeholders(chinese[path])
    }
    assert mismatched == {}


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda catalog: catalog.locale)
def test_placeholder_contract(catalog: Catalog) -> None:
    found = {
        path: names for path, text in all_strings(catalog).items() if (names := placeholders(text))
    }
    assert found == CONTRACT
    for name, names in CONTRACT.items():
        # Formats with exactly the contract's names: no stray braces, no positional fields.
        getattr(catalog, name).format(**dict.fromkeys(names, "x"))


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda catalog: catalog.locale)
def test_calendar_names(catalog: Catalog) -> None:
    assert len(catalog.weekday_names) == 7
    assert len(catalog.month_names) == 12
    assert len(set(catalog.weekday_names)) == 7
    assert len(set(catalog.month_names)) == 12
    assert len(catalog.day_periods) == 2
    assert [key for key, _ in catalog.provider_names] == [
        "teamsForBusiness",
        "skypeForBusiness",
        "skypeForConsumer",
        "unknown",
    ]
    assert dict(catalog.provider_names)["teamsForBusiness"] == "Microsoft Teams"


def test_english_help_covers_every_command() -> None:
    commands = [command for command, _ in en.CATALOG.help_examples]

    assert [command.split()[0] for command in commands] == [
        "meet",
        "meet",
        "meet",
        "meet",
        "schedule",
        "upcoming",
        "online",
        "join",
        "move",
        "push",
        "cancel",
        "providers",
        "meet",
        "reminders",
        "remind",
        "cancel",
        "help",
    ]
    meet, meet_now, *_ = commands
    assert "@Adele" in meet
    assert "alex@contoso.com" in meet
    assert meet_now.startswith("meet now ")
    assert "cancel meeting Design review" in commands
    assert "cancel" in commands  # alone: leaves a dialog
    # issue 24: a series, a room with an optional invitee, a move
    assert "meet Standup every weekday 9am for 15m" in commands
    assert (
        "meet Design review Monday 3pm in Conf Room 3 with @Adele and optional @Megan" in commands
    )
    assert "move Design review to Thursday 4pm" in commands


def test_chinese_help_uses_chinese_commands() -> None:
    assert [command for command, _ in zh.CATALOG.help_examples] == [
        "会议 设计评审 明天下午3点 45分钟 和 adele@contoso.com",
        "立即开会 快速同步",
        "会议 站会 每个工作日 上午9点 15分钟",
        "会议 设计评审 周一下午3点 会议室 3号会议室 和 adele@contoso.com 可选 megan@contoso.com",
        "安排会议",
        "日程",
        "联机",
        "加入 设计评审",
        "把 设计评审 改到 周四下午4点",
        "推迟 站会 30分钟",
        "取消会议 设计评审",
        "提供商",
        "会议 站会 明天上午9点 提前5分钟提醒",
        "我的提醒",
        "提醒我所有会议",
        "取消",
        "帮助",
    ]


def test_chinese_is_translated() -> None:
    english, chinese = (all_strings(catalog) for catalog in CATALOGS)
    same = {path for path in english if english[path] == chinese[path]}

    # Names and technical strings that read the same in both languages.
    assert same == {
        "help_title",
        "provider_names[0][0]",
        "provider_names[0][1]",
        "provider_names[1][0]",
        "provider_names[1][1]",
        "provider_names[2][0]",
        "provider_names[2][1]",
        "provider_names[3][0]",
    }
    untranslated = [
        path
        for path, text in chinese.items()
        if path not in same
        and not path.startswith(("locale", "time_", "date_"))
        and not _CJK.search(text)
    ]
    assert untranslated == []


def test_chinese_dates_and_times_read_the_chinese_way() -> None:
    catalog = zh.CATALOG
    date = catalog.date_format.format(
        weekday=catalog.weekday_names[6], month=catalog.month_names[10], day="22", year="2020"
    )
    time = catalog.time_format.format(
        hour12="3", hour24="15", minute="00", period=catalog.day_periods[1]
    )

    assert (date, time) == ("11月22日 周日", "下午3:00")


def test_english_dialog_wording() -> None:
    catalog = en.CATALOG

    assert catalog.ask_subject == "What is the meeting about?"
    assert catalog.ask_time.format(subject="Retro") == (
        "When should \u201cRetro\u201d be? For example: tomorrow 3pm, Friday 2-3pm or in 2 hours."
    )
    assert catalog.dialog_cancelled == "OK, I stopped. Nothing was created."
    assert catalog.unresolved_mentions.format(names="Adele") == (
        "I couldn't find an email address for Adele, so they were not invited."
    )
    assert "Microsoft Graph doesn't allow it" in catalog.offline_not_possible
    assert catalog.mention_me_hint == (
        "Mention me to use a command, for example: @Meetbot meet Sprint planning tomorrow 10am"
    )


# --- issue 25: sign-in ------------------------------------------------------------------------


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda catalog: catalog.locale)
def test_the_channel_sign_in_post_carries_no_link(catalog: Catalog) -> None:
    # Posted in a channel where every member reads it: nothing in it may lead to a sign-in.
    post = catalog.sign_in_in_private.format(name="Adele Vance")
    assert post.startswith("Adele Vance")
    assert not re.search(r"https?:|www\.|\]\(|<[a-z]", post, re.IGNORECASE), post


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda catalog: catalog.locale)
def test_the_sign_in_help_lists_sign_in_then_sign_out(catalog: Catalog) -> None:
    commands = [command for command, _ in catalog.help_sign_in_examples]
    assert commands == {"en": ["sign in", "sign out"], "zh": ["登录", "退出登录"]}[catalog.locale]
