"""Pagination where the total is already known (from a maintained tally), so no COUNT query runs."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    """A :class:`~django.core.paginator.Paginator` told its total instead of counting ``object_list``."""

    def __init__(self, object_list: Any, per_page: int, *, count: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"] = count  # Paginator.count is a cached property: this is its cached value
