"""Per-request context (request id, client address) that services read for the audit trail."""

from __future__ import annotations

import contextvars
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None
    user_agent: str = ""
    # A GET or HEAD: the request changes nothing, so it may use copies shared between requests
    # (reparo.accounts.access_cache).
    reads_only: bool = False


_EMPTY = RequestContext()
_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("reparo_request", default=None)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def stop_sharing_reads() -> None:
    """For the rest of this request, read afresh rather than from copies shared between requests (after a write
    that changes what they copied, even in a GET)."""
    ctx = _current.get()
    if ctx is not None and ctx.reads_only:
        _current.set(dataclasses.replace(ctx, reads_only=False))


def bind(ctx: RequestContext) -> contextvars.Token[RequestContext | None]:
    return _current.set(ctx)


def reset(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)


_request_cache: contextvars.ContextVar[dict[object, object] | None] = contextvars.ContextVar(
    "reparo_request_cache", default=None
)


def bind_cache() -> contextvars.Token[dict[object, object] | None]:
    return _request_cache.set({})


def reset_cache(token: contextvars.Token[dict[object, object] | None]) -> None:
    _request_cache.reset(token)


def memo(key: object, compute: Callable[[], T]) -> T:
    """Compute once per request (nothing is kept outside a request, so code run elsewhere always reads fresh)."""
    cache = _request_cache.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]  # type: ignore[return-value]


def memo_forget(match: Callable[[object], bool]) -> None:
    """Drop the request's cached values whose key ``match`` accepts (after a write that changes them)."""
    cache = _request_cache.get()
    if cache:
        for key in [k for k in cache if match(k)]:
            del cache[key]
