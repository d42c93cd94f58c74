"""Behind a reverse proxy the client's address comes from the proxy, and only from the proxy."""

from __future__ import annotations

from reparo.core.proxy import behind_proxies, client_address, parse_networks

PROXIES = parse_networks(["127.0.0.1", "10.0.0.0/8"])


def test_it_takes_the_address_the_trusted_proxy_saw():
    assert client_address("127.0.0.1", "203.0.113.7", PROXIES) == "203.0.113.7"
    # A client that sends its own header: the proxy appends what it saw; that, not the client's claim, counts.
    assert client_address("127.0.0.1", "198.51.100.1, 203.0.113.7", PROXIES) == "203.0.113.7"
    # Two proxies of ours in a row.
    assert client_address("10.0.0.5", "203.0.113.7, 10.0.0.9", PROXIES) == "203.0.113.7"


def test_it_ignores_the_header_from_anyone_else_or_when_it_is_not_an_address():
    assert client_address("203.0.113.50", "127.0.0.1", PROXIES) == "203.0.113.50"
    assert client_address("127.0.0.1", "unknown", PROXIES) == "127.0.0.1"
    assert client_address("127.0.0.1", None, PROXIES) == "127.0.0.1"


def test_the_wsgi_wrapper_sets_remote_addr_and_is_absent_without_trusted_proxies():
    seen = {}

    def app(environ, start_response):
        seen["ip"] = environ["REMOTE_ADDR"]
        return [b""]

    assert behind_proxies(app, []) is app
    wrapped = behind_proxies(app, ["127.0.0.1"])
    wrapped({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}, None)
    assert seen["ip"] == "203.0.113.7"
    wrapped({"REMOTE_ADDR": "198.51.100.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}, None)
    assert seen["ip"] == "198.51.100.1"
