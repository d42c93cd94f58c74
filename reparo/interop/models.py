"""Which case and which person of an organisation a record of an HTCDS file is.

A record's reference (``reparo_case_ref`` / ``reparo_person_ref``) is the identity it had where it was first recorded:
a Reparo case reference or person code, an ODK or KoboToolbox submission id, or a digest of the row. Importing a file
links each new case and person to its reference, so that importing the same file again finds them instead of making
them twice, and exporting them again gives the same references back.
"""

from __future__ import annotations

from django.db import models

from reparo.core.models import TimeStampedModel


class LinkKind(models.TextChoices):
    CASE = "case", "case"
    PERSON = "person", "person"


class HtcdsLink(TimeStampedModel):
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=LinkKind.choices)
    ref = models.CharField(max_length=128)
    case = models.OneToOneField(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="htcds_link"
    )
    person = models.OneToOneField(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="htcds_link"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind", "ref"], name="htcds_link_unique_ref"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="case", case__isnull=False, person__isnull=True)
                    | models.Q(kind="person", person__isnull=False, case__isnull=True)
                ),
                name="htcds_link_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}"
