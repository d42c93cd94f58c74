"""Small-count suppression: no count below 11 is shown, and none can be worked out from the totals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reparo.analytics.suppression import (
    THRESHOLD,
    CellState,
    SafeTable,
    bounds,
    suppress_breakdown,
    suppress_table,
    table_equations,
)


def _audit(table: SafeTable, *, rows_add_up: bool = True) -> list[tuple[float, float] | None]:
    """What a reader can deduce about each hidden value from everything the table shows."""
    cells = [*[c for row in table.cells for c in row], *table.row_totals, *table.column_totals, table.total]
    equations = table_equations(len(table.rows), len(table.columns), rows_add_up=rows_add_up)
    return bounds([c.value for c in cells], [c.state for c in cells], equations, THRESHOLD)


def _assert_safe(table: SafeTable, *, rows_add_up: bool = True) -> None:
    for cell in table.all_cells():
        if cell.value < THRESHOLD:
            assert cell.state != CellState.SHOWN, cell
            assert cell.shown is None
    # What the hidden members of a sum add up to (its shown total minus its shown members) is not a small count.
    cells = table.all_cells()
    for *members, total in table_equations(len(table.rows), len(table.columns), rows_add_up=rows_add_up):
        if cells[total].state == CellState.SHOWN:
            rest = [cells[m].value for m in members if cells[m].state != CellState.SHOWN]
            assert not rest or sum(rest) >= THRESHOLD, f"the hidden part of a sum adds up to {sum(rest)}"
    for b in _audit(table, rows_add_up=rows_add_up):
        if b is not None:
            low, high = b
            assert high - low >= 1 - 1e-7, f"a hidden value can be worked out exactly: {b}"


def test_it_shows_fewer_than_11_for_a_small_count_and_hides_a_second_one_so_it_cannot_be_subtracted() -> None:
    table = suppress_breakdown({"referred": 40, "completed": 3, "withdrawn": 25})
    row = dict(zip(table.columns, table.row("all"), strict=True))
    assert row["completed"].is_small
    assert row["withdrawn"].is_hidden  # the smallest other count of the same sum
    assert row["referred"].shown == 40
    assert table.row_total("all").shown == 68
    _assert_safe(table)


def test_it_hides_zero_too() -> None:
    table = suppress_breakdown({"a": 0, "b": 50, "c": 60})
    assert table.cell("all", "a").is_small
    _assert_safe(table)


def test_it_hides_more_when_the_complement_would_give_the_small_count_away() -> None:
    # 0 + 11 = 11: with "a" below 11 and "b" 11 or more, both are pinned unless a third value is hidden.
    table = suppress_breakdown({"a": 0, "b": 11, "c": 60})
    assert sum(1 for c in table.all_cells() if c.state != CellState.SHOWN) >= 3
    _assert_safe(table)


def test_it_hides_a_small_total() -> None:
    table = suppress_breakdown({"a": 4, "b": 3})
    assert table.total.is_small
    _assert_safe(table)


def test_it_shows_everything_when_nothing_is_small() -> None:
    table = suppress_table([[11, 12], [30, 40]])
    assert all(c.state == CellState.SHOWN for c in table.all_cells())


def test_it_protects_a_two_way_table_across_rows_and_columns() -> None:
    table = suppress_table([[5, 30, 40], [20, 25, 60], [33, 14, 80]], rows=["p1", "p2", "p3"], columns=list("abc"))
    assert table.cell("p1", "a").is_small
    _assert_safe(table)


@pytest.mark.parametrize("counts", [[[-1, 2]], [], [[]]])
def test_it_refuses_impossible_tables(counts: list[list[int]]) -> None:
    with pytest.raises(ValueError):
        suppress_table(counts)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda cols: st.lists(
            st.lists(st.one_of(st.integers(0, 14), st.integers(0, 80)), min_size=cols, max_size=cols),
            min_size=1,
            max_size=4,
        )
    )
)
def test_no_small_count_is_shown_or_derivable_for_any_table(counts: list[list[int]]) -> None:
    _assert_safe(suppress_table(counts))


def test_side_by_side_measures_do_not_hide_each_other() -> None:
    # Different measures per program: a row's sum means nothing, so a measure nobody answered does not force the
    # others to be hidden.
    table = suppress_table([[12, 0], [11, 0]], rows=["a", "b"], columns=["who5", "rses"], rows_add_up=False)
    assert table.cell("a", "who5").shown == 12 and table.cell("b", "who5").shown == 11
    assert table.column_totals[0].shown == 23
    assert all(t.is_hidden for t in table.row_totals)
    _assert_safe(table, rows_add_up=False)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), min_size=3, max_size=3), min_size=1, max_size=4))
def test_no_small_count_is_derivable_in_side_by_side_tables(counts: list[list[int]]) -> None:
    _assert_safe(suppress_table(counts, rows_add_up=False), rows_add_up=False)


def test_it_answers_a_table_asked_again_from_memory_with_the_callers_names(monkeypatch) -> None:
    from reparo.analytics import suppression

    counts = [[3, 40, 50], [60, 5, 70], [80, 90, 100]]  # small cells: the audit solves linear programmes
    first = suppress_table(counts, rows=("a", "b", "c"), columns=("x", "y", "z"))
    solved = []
    real = suppression._Reader.solve
    monkeypatch.setattr(suppression._Reader, "solve", lambda self, cost: solved.append(1) or real(self, cost))
    again = suppress_table([list(r) for r in counts], rows=("p", "q", "r"), columns=("u", "v", "w"))
    assert not solved
    assert again.cells == first.cells and again.total == first.total
    assert again.rows == ("p", "q", "r") and again.cell("q", "v").is_small
    # Anything that changes the answer is part of what is remembered: another threshold, another kind of table,
    # one count more.
    lower = suppress_table(counts, threshold=4)
    assert not lower.cells[1][1].is_small and first.cells[1][1].is_small
    side_by_side = suppress_table(counts, rows_add_up=False)
    assert side_by_side.row_totals[0].is_hidden and not first.row_totals[0].is_hidden
    moved = suppress_table([[4, 40, 50], [60, 5, 70], [80, 90, 100]])
    assert moved.cells[0][0].value == 4 and solved
