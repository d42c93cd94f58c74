"""Small-count suppression: no count below 11 is shown, and none can be worked out from what is shown.

A table of counts is a grid of cells with a total for each row, each column and the whole (a one-row table
is a breakdown with its total). Everything shown on a dashboard or in a report passes through
:func:`suppress_table` first.

1. **Primary suppression.** Every count below :data:`THRESHOLD` (11) — zero included — is shown as
   "fewer than 11".
2. **Complementary suppression.** Each row and each column is an equation (its cells add up to its total).
   Where a count is hidden, a reader who knows the other members of the equation could subtract. So, while
   any hidden count can still be pinned down, a further count of one of its equations is hidden too (the
   smallest one, to hide as little as possible); it is shown as "not shown". And where a sum's total is
   shown, its hidden members must add up to 11 or more: their sum (total minus what is shown) is a count too.
3. **Audit.** "Can still be pinned down" is decided exactly: for every hidden count, a linear programme
   (HiGHS, through ``highspy``; decision 0072) finds the smallest and the largest value it could take given everything a
   reader knows — the shown counts, the equations, that a "fewer than 11" cell is 0-10 and a "not shown"
   cell is 11 or more. A hidden count whose smallest and largest possible values are the same is pinned
   down, and the loop above goes on until none is.

The same table is used for an organisation's page and for each program's page (a program's row of it), so
two pages cannot be subtracted from each other either.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

THRESHOLD = 11


class CellState(StrEnum):
    SHOWN = "shown"
    SMALL = "small"  # below the threshold: "fewer than 11"
    HIDDEN = "hidden"  # hidden so that a small count cannot be worked out: "not shown"


@dataclass(frozen=True)
class Cell:
    value: int
    state: CellState

    @property
    def shown(self) -> int | None:
        return self.value if self.state == CellState.SHOWN else None

    @property
    def is_small(self) -> bool:
        return self.state == CellState.SMALL

    @property
    def is_hidden(self) -> bool:
        return self.state == CellState.HIDDEN


@dataclass(frozen=True)
class SafeTable:
    """The cells of a suppressed table, with row, column and grand totals, each a :class:`Cell`."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...]
    column_totals: tuple[Cell, ...]
    total: Cell

    def row(self, name: str) -> tuple[Cell, ...]:
        return self.cells[self.rows.index(name)]

    def row_total(self, name: str) -> Cell:
        return self.row_totals[self.rows.index(name)]

    def cell(self, row: str, column: str) -> Cell:
        return self.cells[self.rows.index(row)][self.columns.index(column)]

    def all_cells(self) -> list[Cell]:
        out = [c for line in self.cells for c in line]
        return [*out, *self.row_totals, *self.column_totals, self.total]


def _grid(counts: Sequence[Sequence[int]]) -> np.ndarray:
    grid = np.asarray([list(r) for r in counts], dtype=np.int64)
    if grid.ndim != 2 or grid.shape[0] == 0 or grid.shape[1] == 0:
        raise ValueError("A table needs at least one row and one column.")
    if np.any(grid < 0):
        raise ValueError("Counts cannot be negative.")
    return grid


def suppress_table(
    counts: Sequence[Sequence[int]],
    *,
    rows: Iterable[str] | None = None,
    columns: Iterable[str] | None = None,
    threshold: int = THRESHOLD,
    rows_add_up: bool = True,
) -> SafeTable:
    """Suppress ``counts`` (a list of rows of non-negative counts) with its totals; see the module notes.

    ``rows_add_up=False`` for a table whose columns are not parts of one whole (different measures side by
    side): then a row's sum means nothing and is never shown, and only the column totals are equations."""
    grid = _grid(counts)
    n_rows, n_cols = grid.shape
    row_names = tuple(rows) if rows is not None else tuple(str(i) for i in range(n_rows))
    col_names = tuple(columns) if columns is not None else tuple(str(j) for j in range(n_cols))
    if len(row_names) != n_rows or len(col_names) != n_cols:
        raise ValueError("Row and column names must match the table's shape.")
    made = _suppressed(tuple(map(tuple, grid.tolist())), int(threshold), bool(rows_add_up))
    n_cells = n_rows * n_cols
    return SafeTable(
        rows=row_names,
        columns=col_names,
        cells=tuple(made[i * n_cols : (i + 1) * n_cols] for i in range(n_rows)),
        row_totals=made[n_cells : n_cells + n_rows],
        column_totals=made[n_cells + n_rows : n_cells + n_rows + n_cols],
        total=made[n_cells + n_rows + n_cols],
    )


@functools.lru_cache(maxsize=512)  # a dashboard asks about 15 tables; each kept costs up to tens of KB
def _suppressed(counts: tuple[tuple[int, ...], ...], threshold: int, rows_add_up: bool) -> tuple[Cell, ...]:
    """Every value of the table (cells row by row, row totals, column totals, the grand total) as a :class:`Cell`.
    Depends on nothing but its arguments: kept in memory, a table asked again (a dashboard viewed again, its
    figures unchanged) is not solved again."""
    grid = np.asarray(counts, dtype=np.int64)
    n_rows, n_cols = grid.shape

    # Every value of the table as one vector: cells (row-major), then row totals, column totals, grand total.
    values = np.concatenate([grid.ravel(), grid.sum(axis=1), grid.sum(axis=0), [grid.sum()]]).astype(np.int64)
    n_cells = n_rows * n_cols
    row_total_at = n_cells
    grand_at = n_cells + n_rows + n_cols

    # Each equation: a list of member indexes whose first len-1 members add up to the last.
    equations = table_equations(n_rows, n_cols, rows_add_up=rows_add_up)

    # In a one-row (or one-column) table a column's (row's) total is the cell itself: the two are one value and
    # must be shown or hidden together.
    same: dict[int, set[int]] = {k: {k} for k in range(len(values))}
    for eq in equations:
        if len(eq) == 2:
            group = same[eq[0]] | same[eq[1]]
            for k in group:
                same[k] = group

    state = [CellState.SMALL if v < threshold else CellState.SHOWN for v in values]
    if not rows_add_up:  # row sums and the grand total are not shown at all
        for k in [*range(row_total_at, row_total_at + n_rows), grand_at]:
            state[k] = CellState.HIDDEN

    def hide(k: int) -> None:
        for alias in same[k]:
            state[alias] = CellState.HIDDEN

    def smallest_shown(members: Iterable[int]) -> int | None:
        shown = sorted((m for m in members if state[m] == CellState.SHOWN), key=lambda m: (int(values[m]), m))
        return shown[0] if shown else None

    # Quick pass first, then the exact audit. Two rules for each sum: it never has exactly one hidden member;
    # and where its total is shown, what its hidden members add up to (total minus the shown members) is
    # itself a count, so it must be 11 or more.
    changed = True
    while changed:
        changed = False
        for eq in equations:
            if len(eq) <= 2:
                continue
            *members, total = eq
            hidden_members = [m for m in members if state[m] != CellState.SHOWN]
            lone = sum(1 for m in eq if state[m] != CellState.SHOWN) == 1
            small_rest = (
                state[total] == CellState.SHOWN
                and hidden_members
                and sum(int(values[m]) for m in hidden_members) < threshold
            )
            if lone or small_rest:
                m = smallest_shown(members if small_rest else eq)
                if m is None and small_rest:
                    m = total
                if m is not None and state[m] == CellState.SHOWN:
                    hide(m)
                    changed = True

    # Hiding more only widens what a reader can deduce, so a value found safe stays safe: audit only the
    # values not yet found safe, and those just hidden.
    unsure = {k for k, st_ in enumerate(state) if st_ != CellState.SHOWN}
    for _ in range(len(values) + 1):
        pinned = _pinned(values, state, equations, threshold, unsure)
        if not pinned:
            break
        unsure = set(pinned)
        progressed = False
        for target in pinned:
            around = {m for eq in equations if target in eq for m in eq}
            choice = smallest_shown(sorted(around, key=lambda m: (m >= n_cells, m)))
            if choice is not None:
                hide(choice)
                unsure |= same[choice]
                progressed = True
        if not progressed:  # nothing around it is still shown: hide everything rather than risk it
            state = [CellState.HIDDEN if st_ == CellState.SHOWN else st_ for st_ in state]
            break

    return tuple(Cell(int(values[k]), state[k]) for k in range(len(values)))


def table_equations(n_rows: int, n_cols: int, *, rows_add_up: bool = True) -> list[list[int]]:
    """The sums a reader knows hold in a table laid out as :func:`suppress_table` lays it out (cells row by row,
    then row totals, column totals, grand total): each a list of members, the last being their sum."""
    n_cells = n_rows * n_cols
    row_total_at, col_total_at, grand_at = n_cells, n_cells + n_rows, n_cells + n_rows + n_cols
    equations: list[list[int]] = []
    for j in range(n_cols):
        equations.append([i * n_cols + j for i in range(n_rows)] + [col_total_at + j])
    if rows_add_up:
        for i in range(n_rows):
            equations.append([i * n_cols + j for j in range(n_cols)] + [row_total_at + i])
        equations.append([row_total_at + i for i in range(n_rows)] + [grand_at])
        equations.append([col_total_at + j for j in range(n_cols)] + [grand_at])
    return equations


def suppress_breakdown(counts: dict[str, int], *, threshold: int = THRESHOLD) -> SafeTable:
    """A one-row table: categories and their total."""
    return suppress_table([list(counts.values())], rows=["all"], columns=list(counts), threshold=threshold)


def _problem(
    values: Sequence[int], state: Sequence[CellState], equations: Sequence[Sequence[int]], threshold: int
) -> tuple[dict[int, int], list[tuple[float, float | None]], list[list[float]], list[float]]:
    """The linear constraints a reader knows: hidden values as unknowns, shown ones as numbers."""
    hidden = [k for k, s in enumerate(state) if s != CellState.SHOWN]
    position = {k: p for p, k in enumerate(hidden)}
    # A "not shown" value is 11 or more, with no upper limit a reader could know.
    limits: list[tuple[float, float | None]] = [
        (0.0, threshold - 1.0) if state[k] == CellState.SMALL else (float(threshold), None) for k in hidden
    ]
    a_eq: list[list[float]] = []
    b_eq: list[float] = []
    for eq in equations:
        *members, total = eq
        row = [0.0] * len(hidden)
        rhs = 0.0
        for m in members:
            if m in position:
                row[position[m]] += 1.0
            else:
                rhs -= float(values[m])
        if total in position:
            row[position[total]] -= 1.0
        else:
            rhs += float(values[total])
        if any(row):
            a_eq.append(row)
            b_eq.append(rhs)
    return position, limits, a_eq, b_eq


class _Reader:
    """The linear programme of what a reader knows (:func:`_problem`), built once and solved for one objective after
    another with HiGHS (``highspy``, the solver ``scipy.optimize.linprog(method="highs")`` wraps): each solve
    starts from the last one's basis, so a table's audit costs a fraction of a millisecond per programme instead of
    ``linprog``'s few milliseconds of setting up. Same programmes, same optimal values."""

    def __init__(self, problem: tuple[Any, ...]) -> None:
        import highspy

        position, limits, a_eq, b_eq = problem
        self.position = position
        self.size = len(limits)
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        lp = highspy.HighsLp()
        lp.num_col_ = self.size
        lp.num_row_ = len(a_eq)
        lp.col_cost_ = np.zeros(self.size)
        lp.col_lower_ = np.array([low for low, _high in limits], dtype=float)
        lp.col_upper_ = np.array([highspy.kHighsInf if high is None else high for _low, high in limits], dtype=float)
        rhs = np.array(b_eq, dtype=float)
        lp.row_lower_ = rhs
        lp.row_upper_ = rhs
        matrix = np.array(a_eq, dtype=float).reshape(len(a_eq), self.size)
        starts: list[int] = [0]
        indexes: list[int] = []
        entries: list[float] = []
        for column in matrix.T:
            rows = np.nonzero(column)[0]
            indexes.extend(int(r) for r in rows)
            entries.extend(float(column[r]) for r in rows)
            starts.append(len(indexes))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_ = self.size
        lp.a_matrix_.num_row_ = len(a_eq)
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(indexes, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(entries, dtype=np.float64)
        self.highs.passModel(lp)
        self.columns = np.arange(self.size, dtype=np.int32)
        self.status = highspy.HighsModelStatus

    def solve(self, cost: np.ndarray) -> tuple[str, float, np.ndarray | None]:
        """("optimal", value, solution), ("unbounded", -inf, None) or ("other", nan, None) for min ``cost @ x``."""
        self.highs.changeColsCost(self.size, self.columns, np.asarray(cost, dtype=float))
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == self.status.kOptimal:
            value = float(self.highs.getInfo().objective_function_value)
            return "optimal", value, np.array(self.highs.getSolution().col_value)
        if status in (self.status.kUnbounded, self.status.kUnboundedOrInfeasible):
            return "unbounded", -math.inf, None
        return "other", math.nan, None

    def extreme(self, k: int, *, largest: bool) -> float:
        cost = np.zeros(self.size)
        cost[self.position[k]] = -1.0 if largest else 1.0
        kind, value, _x = self.solve(cost)
        if kind == "unbounded":  # no largest value
            return math.inf
        return -value if largest else value


def _extreme(k: int, problem: tuple[Any, ...], *, largest: bool) -> float:
    return _Reader(problem).extreme(k, largest=largest)


def bounds(
    values: Sequence[int], state: Sequence[CellState], equations: Sequence[Sequence[int]], threshold: int
) -> list[tuple[float, float] | None]:
    """For each hidden value, the smallest and largest value a reader could deduce it to have (``None`` for
    shown ones). Public so that tests can audit a table the same way."""
    problem = _problem(values, state, equations, threshold)
    out: list[tuple[float, float] | None] = [None] * len(values)
    if not problem[0]:
        return out
    reader = _Reader(problem)
    for k in problem[0]:
        out[k] = (reader.extreme(k, largest=False), reader.extreme(k, largest=True))
    return out


def _pinned(
    values: np.ndarray, state: list[CellState], equations: list[list[int]], threshold: int, among: set[int]
) -> list[int]:
    """Hidden values (of ``among``) that a reader could work out exactly, smallest first.

    The constraints of a table with its totals are totally unimodular, so the LP's bounds are the integer ones.
    A value is pinned when it is both the smallest and the largest possible; most are not, and one LP
    (the smallest possible value is already below the true one) settles it."""
    problem = _problem([int(v) for v in values], state, equations, threshold)
    candidates = sorted(among & set(problem[0]))
    if not candidates:
        return []
    reader = _Reader(problem)
    # A few programmes in spread-out directions first: a solution that gives a value other than the true one
    # proves that value cannot be pinned down. Only the values not proven so are checked one by one.
    proven: set[int] = set()
    if len(candidates) > 4:
        position = problem[0]
        rng = np.random.default_rng(len(candidates))
        directions = [np.ones(reader.size), -np.ones(reader.size)]
        directions += [rng.choice([-1.0, 1.0], size=reader.size) for _ in range(4)]
        for c in directions:
            kind, _value, x = reader.solve(c)
            if kind != "optimal" or x is None:
                continue
            for k in candidates:
                if abs(float(x[position[k]]) - float(values[k])) > 0.5:
                    proven.add(k)
    found = []
    for k in candidates:
        if k in proven:
            continue
        true = float(values[k])
        if reader.extreme(k, largest=False) < true - 0.5:
            continue
        if reader.extreme(k, largest=True) > true + 0.5:
            continue
        found.append(k)
    return sorted(found, key=lambda k: (int(values[k]), k))
