from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Each test starts in English (a Spanish page request leaves Spanish active in the thread)."""
    with translation.override("en"):
        yield
