"""The tables a release can hold, what each person contributes to each, and how a stored table reads.

Every table is a histogram of people, not of cases, in which each person is in at most one cell (or, for mean score
changes, one value per person and instrument), and whether and where a person counts depends on that person alone:
their own consent, and one of their own cases or processes chosen by a fixed rule (the most recent). So adding or
removing one person, or changing one person's consent, moves the true histogram by at most 1 in L1 distance — what
:func:`reparo.analytics.privacy.noisy_counts` needs to make it ε-differentially private with the ε the table was
given. A case with two survivors is seen through each of them; a survivor who did not agree to be counted is left
out without moving anyone else. ``unit`` says the rule of each table in plain words, on the page and in the files.
The true numbers come from :mod:`reparo.releases.selectors`; nothing here queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reparo.analytics.privacy import shown
from reparo.cases.models import CaseStatus
from reparo.core.htcds import ExploitationType, Gender
from reparo.evaluation.catalogue import instrument as get_instrument
from reparo.processes.models import ProcessType

# Means and proportions are shown only when the published count they rest on is at least this (post-processing).
SHOW_FROM = 11

NOT_RECORDED = "not_recorded"
MULTIPLE = "multiple"
PROCESS_OUTCOMES = (
    ("open", gettext_lazy("Still going on")),
    ("completed", gettext_lazy("Completed")),
    ("ended_early", gettext_lazy("Ended early")),
)
AGREEMENT_CELLS = (
    ("completed", gettext_lazy("Agreed, and everything in it done")),
    ("in_progress", gettext_lazy("Agreed, still being carried out")),
    ("not_reached", gettext_lazy("No agreement (yet)")),
)
REOFFENDING_CELLS = (
    ("reoffended", gettext_lazy("Offended again")),
    ("not_reoffended", gettext_lazy("No new offence recorded")),
)
SCORE_INSTRUMENTS = ("who5", "rses", "mspss", "pcl5")
SCORE_SCALE = 100  # changes are released in hundredths of a point, as whole numbers


@dataclass(frozen=True)
class TableSpec:
    key: str
    title: Any
    unit: Any  # who or what one person contributes, in plain words
    kind: str  # "counts" or "means"
    parts: int = 1  # how many separate noisy statistics the table's ε is split over


def _exploitation_keys() -> list[str]:
    return [*ExploitationType.values, MULTIPLE, NOT_RECORDED]


def _gender_keys() -> list[str]:
    return [*Gender.values, NOT_RECORDED]


TABLES: dict[str, TableSpec] = {
    spec.key: spec
    for spec in (
        TableSpec(
            "cases_by_status",
            gettext_lazy("Cases by stage"),
            gettext_lazy(
                "Each survivor counts once, by the stage of their most recent case. A case with two survivors is "
                "counted through each of them."
            ),
            "counts",
        ),
        TableSpec(
            "processes_by_type",
            gettext_lazy("Restorative processes by type and how they ended"),
            gettext_lazy("Each survivor counts once, with the most recent process on their cases."),
            "counts",
        ),
        TableSpec(
            "survivors_by_exploitation",
            gettext_lazy("Survivors by type of exploitation and gender"),
            gettext_lazy(
                "Each survivor counts once. Someone who lived through more than one type counts under "
                "“More than one type”."
            ),
            "counts",
        ),
        TableSpec(
            "agreements",
            gettext_lazy("Agreements"),
            gettext_lazy(
                "Each survivor counts once, with the most recent process on their cases that reached an "
                "agreement (or, if none did, the most recent process)."
            ),
            "counts",
        ),
        TableSpec(
            "reoffending",
            gettext_lazy("Re-offending after a process"),
            gettext_lazy(
                "Each responsible person whose process has ended counts once: whether a new offence has "
                "been recorded since."
            ),
            "counts",
        ),
        TableSpec(
            "score_changes",
            gettext_lazy("Change in well-being, self-esteem, social support and trauma symptoms"),
            gettext_lazy(
                "Each person with a score at the start and at the end of a process counts once per "
                "questionnaire: the number of people and the total change are each released with noise."
            ),
            "means",
            parts=2 * len(SCORE_INSTRUMENTS),
        ),
    )
}


def cell_keys(key: str) -> list[str]:
    """Every cell of a counts table, in order: all are released, zeros included (leaving one out would say it
    was zero)."""
    if key == "cases_by_status":
        return list(CaseStatus.values)
    if key == "processes_by_type":
        return [f"{t}:{o}" for t in ProcessType.values for o, _label in PROCESS_OUTCOMES]
    if key == "survivors_by_exploitation":
        return [f"{e}:{g}" for e in _exploitation_keys() for g in _gender_keys()]
    if key == "agreements":
        return [k for k, _label in AGREEMENT_CELLS]
    if key == "reoffending":
        return [k for k, _label in REOFFENDING_CELLS]
    raise ValueError(f"{key!r} is not a counts table.")


def score_bound(code: str) -> int:
    """The largest change one person's score can make, in hundredths of a point (the instrument's range)."""
    low, high = get_instrument(code).spec["scoring"]["range"]
    return round((Decimal(str(high)) - Decimal(str(low))) * SCORE_SCALE)


# --- how a stored table reads -----------------------------------------------------------------------------------


def _exploitation_label(key: str) -> str:
    if key == MULTIPLE:
        return _("More than one type")
    if key == NOT_RECORDED:
        return _("Not recorded")
    return str(ExploitationType(key).label)


def _gender_label(key: str) -> str:
    return _("Not recorded") if key == NOT_RECORDED else str(Gender(key).label)


def accuracy_words(margin: int) -> str:
    if margin == 0:
        return _("With this much privacy spent, the noise is almost always zero: 19 times out of 20 each number is "
                 "exact.")  # fmt: skip
    return _(
        "Each number is within %(margin)s of the true count 19 times out of 20 (a 95%% interval): noise was added "
        "so that no one can be picked out."
    ) % {"margin": f"±{margin}"}


@dataclass(frozen=True)
class ShownTable:
    """A stored table as people read it: header and rows of plain strings, with its ε and accuracy in words."""

    key: str
    title: str
    unit: str
    epsilon: str
    accuracy: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


def _counts_rows(key: str, cells: dict[str, int]) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...], str]:
    if key == "cases_by_status":
        return (
            (_("Stage"), _("Survivors")),
            tuple((str(CaseStatus(k).label), str(shown(cells[k]))) for k in cell_keys(key)),
            "",
        )
    if key == "processes_by_type":
        header = (_("Process"), *[str(label) for _o, label in PROCESS_OUTCOMES])
        rows = tuple(
            (str(ProcessType(t).label), *[str(shown(cells[f"{t}:{o}"])) for o, _label in PROCESS_OUTCOMES])
            for t in ProcessType.values
        )
        return header, rows, ""
    if key == "survivors_by_exploitation":
        header = (_("Type of exploitation"), *[_gender_label(g) for g in _gender_keys()])
        rows = tuple(
            (_exploitation_label(e), *[str(shown(cells[f"{e}:{g}"])) for g in _gender_keys()])
            for e in _exploitation_keys()
        )
        return header, rows, ""
    if key == "agreements":
        return (
            (_("Agreement"), _("Survivors")),
            tuple((str(label), str(shown(cells[k]))) for k, label in AGREEMENT_CELLS),
            "",
        )
    if key == "reoffending":
        again, clean = shown(cells["reoffended"]), shown(cells["not_reoffended"])
        total = again + clean
        note = (
            _("About %(share)s%% of those counted offended again.") % {"share": round(100 * again / total)}
            if total >= SHOW_FROM
            else _("Too few people to give a share.")
        )
        return (
            (_("Since the process ended"), _("Responsible persons")),
            tuple((str(label), str(shown(cells[k]))) for k, label in REOFFENDING_CELLS),
            note,
        )
    raise ValueError(f"Unknown table {key!r}.")


def _means_rows(table: dict[str, Any]) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...], str, str]:
    rows = []
    margins = []
    for item in table["instruments"]:
        n = shown(item["n"])
        spec = get_instrument(item["code"])
        if n >= SHOW_FROM:
            mean = item["sum"] / n / SCORE_SCALE
            about = item["margin_sum"] / n / SCORE_SCALE
            change, accuracy = f"{mean:+.2f}", f"±{about:.2f}"
        else:
            change, accuracy = _("too few to say"), "—"
        rows.append((spec.name(), str(n), change, accuracy))
        margins.append((item["margin_n"], item["margin_sum"]))
    header = (_("Questionnaire"), _("People"), _("Mean change"), _("Within, 19 times out of 20"))
    margin_n = margins[0][0] if margins else 0
    accuracy = _(
        "The number of people is within ±%(n)s of the true number 19 times out of 20; the mean change is within "
        "the margin shown next to it (noise on the total change, divided by the number of people)."
    ) % {"n": margin_n}
    note = _("For trauma symptoms (PCL-5) a fall is an improvement. A mean is shown only when at least 11 people "
             "are counted.")  # fmt: skip
    return header, tuple(rows), accuracy, note


def present(stored: list[dict[str, Any]]) -> list[ShownTable]:
    """Each stored table of a release as people read it (the page, the CSV and the PDF show the same)."""
    out = []
    for table in stored:
        spec = TABLES[table["key"]]
        if spec.kind == "means":
            header, rows, accuracy, note = _means_rows(table)
        else:
            header, rows, note = _counts_rows(spec.key, table["cells"])
            accuracy = accuracy_words(table["margin"])
        out.append(
            ShownTable(
                key=spec.key,
                title=str(spec.title),
                unit=str(spec.unit),
                epsilon=f"{float(table['epsilon']):.3g}",
                accuracy=accuracy,
                header=header,
                rows=rows,
                note=note,
            )
        )
    return out


def check_split(epsilon: float, chosen: list[str]) -> None:
    """Refuse (``ValidationError`` on ``epsilon``, in plain words) an ε that, shared between the chosen tables and
    each table's separate statistics, leaves one of them less than the smallest ε a statistic may be made with."""
    from reparo.analytics.privacy import MIN_EPSILON

    keys = [key for key in TABLES if key in set(chosen)]
    if keys and epsilon / len(keys) / max(TABLES[key].parts for key in keys) < MIN_EPSILON:
        raise ValidationError({"epsilon": _("That ε is too small to split over the chosen tables.")})


def preview(epsilon: float, chosen: list[str]) -> list[tuple[str, str]]:
    """What ``epsilon`` buys for each chosen table, in plain words, before anything is computed (it depends on ε
    alone, so showing it costs no privacy). Refused as :func:`check_split` refuses."""
    from reparo.analytics.privacy import noise_margin

    keys = [key for key in TABLES if key in set(chosen)]
    if not keys:
        return []
    check_split(epsilon, keys)
    share = epsilon / len(keys)
    out = []
    for key in keys:
        spec = TABLES[key]
        if spec.kind == "counts":
            out.append((str(spec.title), accuracy_words(noise_margin(share))))
            continue
        part = share / spec.parts
        out.append(
            (
                str(spec.title),
                _("Each number of people is within ±%(n)s of the true number 19 times out of 20. Each mean change "
                  "gets its own margin, shown next to it: the fewer the people, the wider it is.")
                % {"n": noise_margin(part)},
            )
        )  # fmt: skip
    return out
