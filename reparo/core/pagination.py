"""Pagination that avoids counting when the total is already known or can be seen from the first page."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator


class CountedPaginator(Paginator):
    """A :class:`~django.core.paginator.Paginator` told its total instead of counting ``object_list``."""

    def __init__(self, object_list: Any, per_page: int, *, count: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"] = count  # Paginator.count is a cached property: this is its cached value


def page_of(object_list: Any, per_page: int, number: Any, *, count: int | None = None) -> Page:
    """Page ``number`` of ``object_list``, as ``Paginator.get_page`` gives it (the first page for anything that
    is not a page number, the last past the end), counted with ``count`` when given. The first page is fetched
    as it is; when it is not full it is the whole list, and no COUNT query runs."""
    paginator = (
        Paginator(object_list, per_page) if count is None else CountedPaginator(object_list, per_page, count=count)
    )
    if str(number or "1") != "1":
        return paginator.get_page(number)
    rows = list(object_list[:per_page])
    if count is None and len(rows) < per_page:
        paginator.__dict__["count"] = len(rows)
    return Page(rows, 1, paginator)
