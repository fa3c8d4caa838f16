"""The outbound proxy is what the environment names, read once per host."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from bot import proxies
from bot.proxies import proxy_for


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    proxies._proxy_for.cache_clear()
    proxies._proxy_for_origin.cache_clear()
    yield
    proxies._proxy_for.cache_clear()
    proxies._proxy_for_origin.cache_clear()


def test_https_urls_go_through_https_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.contoso.com:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert proxy_for("https://graph.microsoft.com/v1.0/users") == "http://proxy.contoso.com:3128"


def test_no_proxy_hosts_connect_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.contoso.com:3128")
    monkeypatch.setenv("NO_PROXY", "smba.trafficmanager.net,localhost")
    assert proxy_for("https://smba.trafficmanager.net/amer/v3/conversations") is None
    assert proxy_for("https://graph.microsoft.com/v1.0/users") == "http://proxy.contoso.com:3128"


def test_without_proxy_variables_everything_is_direct(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert proxy_for("https://graph.microsoft.com/v1.0/users") is None


def test_the_environment_is_read_once_per_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://first.contoso.com:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert proxy_for("https://graph.microsoft.com/a") == "http://first.contoso.com:3128"
    monkeypatch.setenv("HTTPS_PROXY", "http://second.contoso.com:3128")
    assert proxy_for("https://graph.microsoft.com/b") == "http://first.contoso.com:3128"


@pytest.mark.parametrize(
    "url",
    [
        "https://smba.trafficmanager.net/amer/v3/conversations/a%3Ab/activities/1",
        "HTTPS://SMBA.trafficmanager.net/amer/",
        "https://graph.microsoft.com:443/v1.0/users",
        "https://user:secret@proxy-bypassed.contoso.com/path",
        "https://graph.microsoft.com?query=/not/a/path",
        "https://graph.microsoft.com#fragment/x",
        "https://[::1]:8443/v3/conversations",
        "http://localhost:3978/api",
        "https://graph.microsoft.com",
        "not a url at all",
        "",
    ],
)
def test_the_answer_for_a_url_is_its_hosts(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.contoso.com:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://plain.contoso.com:3128")
    monkeypatch.setenv("NO_PROXY", "proxy-bypassed.contoso.com,localhost,::1")
    parts = urlsplit(url)
    assert proxy_for(url) == proxies._proxy_for(parts.scheme.lower(), parts.hostname or "")


def test_urls_of_one_origin_are_split_once() -> None:
    for activity in range(5):
        proxy_for(f"https://smba.trafficmanager.net/amer/v3/conversations/c/activities/{activity}")
    assert proxies._proxy_for_origin.cache_info().misses == 1
