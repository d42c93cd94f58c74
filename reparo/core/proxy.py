"""The client's address behind a reverse proxy, taken from the proxy and only from the proxy.

Lock-out and the audit trail read ``REMOTE_ADDR`` and nothing else. Behind a proxy that is the proxy's address, so
every user would share one. gunicorn does not take the client's address from ``X-Forwarded-For``; this WSGI wrapper
does, for connections from the addresses in ``TRUSTED_PROXIES`` only: it takes the right-most address in
``X-Forwarded-For`` that is not itself a trusted proxy (the one the outermost trusted proxy saw), so a client cannot
choose its own address by sending the header. Without ``TRUSTED_PROXIES`` the application is returned unchanged.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip()]


def _trusted(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(remote_addr: str, forwarded_for: str | None, networks: list[Network]) -> str:
    """The client's address for a request from ``remote_addr`` carrying ``forwarded_for``."""
    if not forwarded_for or not _trusted(remote_addr, networks):
        return remote_addr
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote_addr  # not an address: ignore the header
    return remote_addr


def behind_proxies(application: Callable[..., Any], trusted: Iterable[str]) -> Callable[..., Any]:
    networks = parse_networks(trusted)
    if not networks:
        return application

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ["REMOTE_ADDR"] = client_address(
            environ.get("REMOTE_ADDR", ""), environ.get("HTTP_X_FORWARDED_FOR"), networks
        )
        return application(environ, start_response)

    return wrapped
