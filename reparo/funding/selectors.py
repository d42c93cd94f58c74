"""Reads about funding, limited to what the actor may see: the grants of organisations in which they hold
``VIEW_FUNDING`` (org admins and coordinators); anything else is "not found".

Money is summed in the database over whole minor units (exact) and handed back as :class:`Money`, one currency
at a time: a grant, its allocations and its spending share the grant's currency, and anything over several grants
is a :class:`~reparo.funding.money.Totals`, one sum per currency.

Counts of people and processes (the cost per completed process and per survivor supported) count only cases on
which every survivor agreed to be counted in reports (the consent policy, asked in one query), and pass through the
outcome dashboards' small-count suppression before anyone sees them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db.models import Case as DbCase
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.fields import BigIntegerField
from django.utils import timezone

from reparo.access.actors import organisation_ids_where, user_can
from reparo.access.capabilities import Capability
from reparo.access.lookup import lookup, one_or_404
from reparo.analytics.suppression import Cell, CellState, SafeTable, suppress_table
from reparo.cases.models import Case, CaseParticipant, ParticipantRole
from reparo.consent.models import ConsentPurpose
from reparo.consent.policy import people_who_may
from reparo.funding.models import Allocation, Category, Funder, Grant, ReportingDeadline, SpendLine
from reparo.funding.money import Money, Totals, minor_units
from reparo.organisations.models import Organisation, Program
from reparo.processes.models import Process, ProcessParticipant, ProcessRole, ProcessStage, Session
from reparo.processes.selectors import processes_visible_to
from reparo.training.models import CourseSession

# A month, for burn rates: the average Gregorian month.
DAYS_PER_MONTH = Decimal("365.25") / 12


# --- access -----------------------------------------------------------------------------------------------


def funding_organisation_ids(actor: Any, need: Capability = Capability.VIEW_FUNDING) -> list[int]:
    return organisation_ids_where(actor, need)


def organisations_for(actor: Any, need: Capability) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=funding_organisation_ids(actor, need)).order_by("name")


def manages_funding(actor: Any) -> bool:
    """Whether ``actor`` keeps funders and grants in some organisation."""
    return bool(funding_organisation_ids(actor, Capability.MANAGE_FUNDING))


def may(actor: Any, capability: Capability, organisation: Any) -> bool:
    return user_can(actor, capability, organisation=organisation)


def grants_visible_to(actor: Any, *, need: Capability = Capability.VIEW_FUNDING) -> QuerySet[Grant]:
    return Grant.objects.filter(organisation_id__in=funding_organisation_ids(actor, need)).select_related(
        "funder", "organisation"
    )


@lookup("funding.grant")
def grant_get_for(actor: Any, pk: Any, *, need: Capability = Capability.VIEW_FUNDING) -> Grant:
    """A grant of an organisation in which the actor holds ``need`` (``VIEW_FUNDING`` to read it, ``MANAGE_FUNDING``
    to change it, ``RECORD_SPEND`` to spend from it); else 404."""
    return one_or_404(grants_visible_to(actor, need=need), pk)


def funders_visible_to(actor: Any, *, need: Capability = Capability.VIEW_FUNDING) -> QuerySet[Funder]:
    return Funder.objects.filter(organisation_id__in=funding_organisation_ids(actor, need)).select_related(
        "organisation"
    )


@lookup("funding.funder")
def funder_get_for(actor: Any, pk: Any, *, need: Capability = Capability.MANAGE_FUNDING) -> Funder:
    """A funder kept by an organisation in which the actor holds ``need`` (``MANAGE_FUNDING`` by default); else 404."""
    return one_or_404(funders_visible_to(actor, need=need), pk)


def deadline_in(grant: Grant, pk: Any) -> ReportingDeadline:
    return one_or_404(ReportingDeadline.objects.filter(grant=grant), pk)


# --- lists ------------------------------------------------------------------------------------------------


def grants_listed(actor: Any) -> QuerySet[Grant]:
    return grants_visible_to(actor).order_by("-ends_on", "reference", "pk")


def funders_listed(actor: Any, *, need: Capability = Capability.MANAGE_FUNDING) -> QuerySet[Funder]:
    return funders_visible_to(actor, need=need).order_by("name", "pk")


def active_funders(actor: Any) -> QuerySet[Funder]:
    """Funders a new grant may come from: active funders kept by an organisation the actor manages funding in."""
    return funders_visible_to(actor, need=Capability.MANAGE_FUNDING).filter(is_active=True).order_by("name")


def has_active_funders(actor: Any) -> bool:
    return active_funders(actor).exists()


def programs_of(grant: Grant) -> QuerySet[Program]:
    """Programs a grant's money may go to: the active programs of its organisation."""
    return Program.objects.filter(organisation_id=grant.organisation_id, is_active=True).order_by("name")


def allocations_of(grant: Grant) -> QuerySet[Allocation]:
    return (
        Allocation.objects.filter(grant=grant).select_related("program", "grant").order_by("program__name", "category")
    )


def deadlines_of(grant: Grant) -> QuerySet[ReportingDeadline]:
    return ReportingDeadline.objects.filter(grant=grant).order_by("due_on", "created_at")


def upcoming_deadlines(
    actor: Any, *, today: datetime.date | None = None, days: int = 60
) -> QuerySet[ReportingDeadline]:
    """Reports not yet sent that are overdue or due within ``days``, over the grants the actor sees."""
    today = today or timezone.localdate()
    return (
        ReportingDeadline.objects.filter(
            grant__in=grants_visible_to(actor), submitted_on__isnull=True, due_on__lte=today + datetime.timedelta(days)
        )
        .select_related("grant__funder")
        .order_by("due_on")
    )


def spend_lines_of(grant: Grant) -> QuerySet[SpendLine]:
    return SpendLine.objects.filter(grant=grant).select_related(
        "program", "recorded_by", "overridden_by", "process_session", "course_session__course"
    )


def linkable_process_sessions(actor: Any, grant: Grant, *, today: datetime.date | None = None) -> QuerySet[Session]:
    """Process sessions a spend line may name: sessions of the grant's organisation's processes the actor sees,
    within the grant's period (held, or scheduled up to today)."""
    today = today or timezone.localdate()
    return (
        Session.objects.filter(
            process__in=processes_visible_to(actor),
            process__case__organisation_id=grant.organisation_id,
            starts_at__date__gte=grant.starts_on,
            starts_at__date__lte=min(grant.ends_on, today),
        )
        .select_related("process__case")
        .order_by("-starts_at")
    )


def linkable_course_sessions(grant: Grant, *, today: datetime.date | None = None) -> QuerySet[CourseSession]:
    """Training sessions a spend line may name: the organisation's course sessions within the grant's period."""
    today = today or timezone.localdate()
    return (
        CourseSession.objects.filter(
            course__organisation_id=grant.organisation_id,
            starts_at__date__gte=grant.starts_on,
            starts_at__date__lte=min(grant.ends_on, today),
        )
        .select_related("course")
        .order_by("-starts_at")
    )


CHOICES_LIMIT = 300


def process_session_choices(actor: Any, grant: Grant) -> QuerySet[Session]:
    """The most recent of :func:`linkable_process_sessions`, for a form's list."""
    recent = list(linkable_process_sessions(actor, grant).values_list("pk", flat=True)[:CHOICES_LIMIT])
    return Session.objects.filter(pk__in=recent).select_related("process__case").order_by("-starts_at")


def course_session_choices(grant: Grant) -> QuerySet[CourseSession]:
    """The most recent of :func:`linkable_course_sessions`, for a form's list."""
    recent = list(linkable_course_sessions(grant).values_list("pk", flat=True)[:CHOICES_LIMIT])
    return CourseSession.objects.filter(pk__in=recent).select_related("course").order_by("-starts_at")


def spent_minor(grant: Grant, *, program: Any = None, category: str | None = None) -> int:
    """What has been spent from ``grant`` (on ``program`` and ``category`` when given), in minor units, exactly."""
    lines = SpendLine.objects.filter(grant=grant)
    if program is not None:
        lines = lines.filter(program=program)
    if category is not None:
        lines = lines.filter(category=category)
    return int(lines.aggregate(total=Sum("amount_minor"))["total"] or 0)


def allocated_minor(grant: Grant, *, exclude: tuple[Any, str] | None = None) -> int:
    rows = Allocation.objects.filter(grant=grant)
    if exclude is not None:
        rows = rows.exclude(program=exclude[0], category=exclude[1])
    return int(rows.aggregate(total=Sum("amount_minor"))["total"] or 0)


# --- summaries over many grants ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    amount: Money
    allocated: Money
    spent: Money

    @property
    def remaining(self) -> Money:
        return self.amount - self.spent


def totals_by_currency(grants: QuerySet[Grant]) -> list[CurrencyTotal]:
    """Grant amounts, allocations and spending over ``grants``, one line per currency (never mixed). 3 queries."""
    amounts, allocated, spent = Totals(), Totals(), Totals()
    for row in grants.order_by().values("currency").annotate(total=Sum("amount_minor")):
        amounts.add_minor(row["total"], row["currency"])
    for row in (
        Allocation.objects.filter(grant__in=grants.values("pk"))
        .order_by()
        .values("grant__currency")
        .annotate(total=Sum("amount_minor"))
    ):
        allocated.add_minor(row["total"], row["grant__currency"])
    for row in (
        SpendLine.objects.filter(grant__in=grants.values("pk"))
        .order_by()
        .values("currency")
        .annotate(total=Sum("amount_minor"))
    ):
        spent.add_minor(row["total"], row["currency"])
    currencies = sorted(set(amounts.currencies()) | set(allocated.currencies()) | set(spent.currencies()))
    return [CurrencyTotal(c, amounts[c], allocated[c], spent[c]) for c in currencies]


@dataclass(frozen=True)
class GrantLine:
    grant: Grant
    spent: Money

    @property
    def remaining(self) -> Money:
        return self.grant.amount - self.spent


def grant_lines(grants: list[Grant]) -> list[GrantLine]:
    """Each grant of a page with what has been spent from it (one query for the page)."""
    spent = dict(
        SpendLine.objects.filter(grant__in=grants)
        .order_by()
        .values("grant_id")
        .annotate(total=Sum("amount_minor"))
        .values_list("grant_id", "total")
    )
    return [GrantLine(g, Money.from_minor(spent.get(g.pk, 0), g.currency)) for g in grants]


# --- budget against actual ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The days a figure covers: ``start`` to ``end``, both included."""

    start: datetime.date
    end: datetime.date


def default_window(grant: Grant, *, today: datetime.date | None = None) -> Window:
    """The grant's period so far: from its start to today (or its end, if that came first)."""
    today = today or timezone.localdate()
    end = min(grant.ends_on, max(today, grant.starts_on))
    return Window(grant.starts_on, end)


def percent(part: Money, whole: Money) -> Decimal | None:
    if whole.minor == 0:
        return None
    return (Decimal(part.minor) * 100 / Decimal(whole.minor)).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class BudgetLine:
    """Budget against actual for one program and category (or a subtotal, or the total)."""

    program: Program | None
    category: str | None
    budget: Money
    spent: Money  # within the window
    spent_to_date: Money  # from the grant's start to the window's end

    @property
    def remaining(self) -> Money:
        return self.budget - self.spent_to_date

    @property
    def over(self) -> bool:
        return self.spent_to_date > self.budget

    @property
    def used_percent(self) -> Decimal | None:
        return percent(self.spent_to_date, self.budget)

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label) if self.category else ""


@dataclass(frozen=True)
class Budget:
    grant: Grant
    window: Window
    lines: list[BudgetLine]  # per program and category
    programs: list[BudgetLine]  # per program
    categories: list[BudgetLine]  # per category
    total: BudgetLine  # allocated, and spent, over the whole grant

    @property
    def unallocated(self) -> Money:
        return self.grant.amount - self.total.budget

    @property
    def groups(self) -> list[tuple[BudgetLine, list[BudgetLine]]]:
        """Each program's subtotal with its lines, in order (for a table that shows both)."""
        return [(p, [line for line in self.lines if line.program == p.program]) for p in self.programs]


def budget(grant: Grant, window: Window | None = None) -> Budget:
    """Budget (allocations) against actual (spending) per program and category, per program, per category and in
    all, in the grant's currency, exact. Spending on a program and category with no allocation shows with a budget
    of 0. 2 queries."""
    window = window or default_window(grant)
    currency = grant.currency
    allocated = {
        (a.program_id, a.category): a.amount_minor
        for a in Allocation.objects.filter(grant=grant).only("program_id", "category", "amount_minor")
    }
    spending: dict[tuple[int, str], tuple[int, int]] = {}
    for row in (
        SpendLine.objects.filter(grant=grant, spent_on__lte=window.end)
        .order_by()
        .values("program_id", "category")
        .annotate(
            to_date=Sum("amount_minor"),
            within=Sum(
                DbCase(
                    When(spent_on__gte=window.start, then="amount_minor"),
                    default=Value(0),
                    output_field=BigIntegerField(),
                )
            ),
        )
    ):
        spending[(row["program_id"], row["category"])] = (int(row["within"] or 0), int(row["to_date"] or 0))
    keys = set(allocated) | set(spending)
    programs = {p.pk: p for p in Program.objects.filter(pk__in={k[0] for k in keys})}
    order = list(Category.values)

    def money(minor: int) -> Money:
        return Money.from_minor(minor, currency)

    def line(program: Program | None, category: str | None, members: list[tuple[int, str]]) -> BudgetLine:
        return BudgetLine(
            program=program,
            category=category,
            budget=money(sum(allocated.get(k, 0) for k in members)),
            spent=money(sum(spending.get(k, (0, 0))[0] for k in members)),
            spent_to_date=money(sum(spending.get(k, (0, 0))[1] for k in members)),
        )

    ordered = sorted(keys, key=lambda k: (programs[k[0]].name, order.index(k[1]) if k[1] in order else 99))
    lines = [line(programs[k[0]], k[1], [k]) for k in ordered]
    program_ids = sorted({k[0] for k in keys}, key=lambda pk: programs[pk].name)
    per_program = [line(programs[pk], None, [k for k in keys if k[0] == pk]) for pk in program_ids]
    per_category = [line(None, c, [k for k in keys if k[1] == c]) for c in order if any(k[1] == c for k in keys)]
    return Budget(grant, window, lines, per_program, per_category, line(None, None, list(keys)))


def allocations_left(grant: Grant) -> list[BudgetLine]:
    """Each allocation with what is spent from it and what is left (for the spend form), to date."""
    return [line for line in budget(grant, Window(grant.starts_on, grant.ends_on)).lines if line.budget.minor > 0]


# --- burn rate ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Burn:
    """How fast a grant is being spent, as of a day."""

    as_of: datetime.date
    spent: Money
    remaining: Money
    monthly: Money | None  # average spending a month since the grant started; None before it started
    months_left: Decimal | None  # how long the remaining money lasts at that rate; None when nothing is spent
    period_months_left: Decimal  # how long the grant period still runs


def _months(days: int) -> Decimal:
    return (Decimal(days) / DAYS_PER_MONTH).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)


def burn(grant: Grant, *, as_of: datetime.date | None = None) -> Burn:
    """The average spending a month from the grant's start to ``as_of`` (at least one month counted), and how many
    months the remaining money lasts at that rate, next to how long the grant period still runs."""
    as_of = as_of or timezone.localdate()
    upto = min(as_of, grant.ends_on)
    spent = Money.from_minor(
        int(SpendLine.objects.filter(grant=grant, spent_on__lte=upto).aggregate(t=Sum("amount_minor"))["t"] or 0),
        grant.currency,
    )
    remaining = grant.amount - spent
    period_left = _months(max(0, (grant.ends_on - as_of).days))
    if upto < grant.starts_on:
        return Burn(as_of, spent, remaining, None, None, period_left)
    elapsed = max(Decimal(1), Decimal((upto - grant.starts_on).days + 1) / DAYS_PER_MONTH)
    exponent = Decimal(1).scaleb(-minor_units(grant.currency))
    monthly = Money((spent.amount / elapsed).quantize(exponent, rounding=ROUND_HALF_EVEN), grant.currency)
    if spent.minor == 0:
        return Burn(as_of, spent, remaining, monthly, None, period_left)
    months_left = max(Decimal(0), remaining.amount * elapsed / spent.amount).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_EVEN
    )
    return Burn(as_of, spent, remaining, monthly, months_left, period_left)


# --- cost per completed process and per survivor supported ------------------------------------------------------


def counted_cases(program_ids: list[int], *, at: datetime.datetime | None = None) -> QuerySet[Case]:
    """Cases of these programs on which every survivor agreed to be counted in reports (the consent policy's
    ``reporting`` purpose, in force at ``at``). Cases with no survivor recorded are left out."""
    consenting = people_who_may(purpose=ConsentPurpose.REPORTING, at=at).values("pk")
    survivors = CaseParticipant.objects.filter(case=OuterRef("pk"), role=ParticipantRole.SURVIVOR)
    return Case.objects.filter(program_id__in=program_ids).filter(
        Exists(survivors.filter(person_id__in=consenting)), ~Exists(survivors.exclude(person_id__in=consenting))
    )


def grant_program_ids(grant: Grant) -> list[int]:
    """Programs a grant funds: those with an allocation or spending from it."""
    ids = set(Allocation.objects.filter(grant=grant).values_list("program_id", flat=True))
    ids |= set(SpendLine.objects.filter(grant=grant).values_list("program_id", flat=True))
    return sorted(ids)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass(frozen=True)
class OutputLine:
    """What one program (or all, ``program`` None) achieved in a window, and what each cost."""

    program: Program | None
    completed: Cell  # processes completed in the window
    survivors: Cell  # survivors taking part in a process at some time in the window
    spent: Money  # in the window
    per_process: Money | None  # shown only where the count it rests on is shown
    per_survivor: Money | None


@dataclass(frozen=True)
class Outputs:
    window: Window
    lines: list[OutputLine]
    total: OutputLine
    table: SafeTable


def _per(spent: Money, cell: Cell) -> Money | None:
    if cell.shown is None or cell.shown == 0:
        return None
    exponent = Decimal(1).scaleb(-minor_units(spent.currency))
    return Money((spent.amount / cell.shown).quantize(exponent, rounding=ROUND_HALF_EVEN), spent.currency)


def outputs(grant: Grant, window: Window, *, at: datetime.datetime | None = None) -> Outputs:
    """Processes completed and survivors supported in ``window`` in each program the grant funds, with the cost of
    each from the grant's spending in the window. The counts are one table (programs by the two counts, with the
    column totals), suppressed as the outcome dashboards are: no count below 11 is shown and none can be worked
    out; a cost is shown only where the count it is divided by is shown (else the count could be worked back)."""
    program_ids = grant_program_ids(grant)
    programs = list(Program.objects.filter(pk__in=program_ids).order_by("name", "pk"))
    cases = counted_cases([p.pk for p in programs], at=at)
    start, end = _day_start(window.start), _day_start(window.end + datetime.timedelta(days=1))
    completed = dict(
        Process.objects.filter(case__in=cases, stage=ProcessStage.COMPLETED, ended_at__gte=start, ended_at__lt=end)
        .order_by()
        .values("case__program_id")
        .annotate(n=Count("pk"))
        .values_list("case__program_id", "n")
    )
    in_window = Q(process__created_at__lt=end) & (Q(process__ended_at__isnull=True) | Q(process__ended_at__gte=start))
    present = Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=start)
    survivors = dict(
        ProcessParticipant.objects.filter(process__case__in=cases, role=ProcessRole.SURVIVOR)
        .filter(in_window & present)
        .order_by()
        .values("process__case__program_id")
        .annotate(n=Count("person_id", distinct=True))
        .values_list("process__case__program_id", "n")
    )
    spent = {
        row["program_id"]: int(row["total"] or 0)
        for row in SpendLine.objects.filter(grant=grant, spent_on__gte=window.start, spent_on__lte=window.end)
        .order_by()
        .values("program_id")
        .annotate(total=Sum("amount_minor"))
    }
    counts = [[int(completed.get(p.pk, 0)), int(survivors.get(p.pk, 0))] for p in programs] or [[0, 0]]
    table = suppress_table(
        counts,
        rows=[str(p.pk) for p in programs] or ["none"],
        columns=["completed", "survivors"],
        rows_add_up=False,
    )
    lines = []
    for program in programs:
        cells = table.row(str(program.pk))
        money = Money.from_minor(spent.get(program.pk, 0), grant.currency)
        lines.append(OutputLine(program, cells[0], cells[1], money, _per(money, cells[0]), _per(money, cells[1])))
    all_spent = Money.from_minor(sum(spent.values()), grant.currency)
    completed_all, survivors_all = table.column_totals
    total = OutputLine(
        None, completed_all, survivors_all, all_spent, _per(all_spent, completed_all), _per(all_spent, survivors_all)
    )
    return Outputs(window, lines, total, table)


def shown_counts(result: Outputs) -> list[int]:
    """Every count ``result`` shows (for tests and checks): none is below 11."""
    cells = [c for line in [*result.lines, result.total] for c in (line.completed, line.survivors)]
    return [c.value for c in cells if c.state == CellState.SHOWN]
