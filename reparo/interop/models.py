"""Which case and which person of an organisation a record of an HTCDS file is.

A record's reference (``reparo_case_ref`` / ``reparo_person_ref``) is the identity it had where it was first recorded:
a Reparo case reference or person code followed by ``@`` and the code of the installation that recorded it
(``RJ-2026-00042@3f9a0c1d2e4b``: references are unique only within one installation, so the code keeps two
installations' ``RJ-2026-00042`` apart), an ODK or KoboToolbox submission id, or a digest of the row. Importing a file
links each new case and person to its reference, so that importing the same file again finds them instead of making
them twice, and exporting them again gives the same references back. Only a reference carrying this installation's
own code is looked up among the organisation's own cases and people; any other is found through a link or not at all.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from reparo.core.fields import EncryptedJSONField
from reparo.core.models import TimeStampedModel, UUIDModel


class Installation(models.Model):
    """This installation of Reparo (one row): the code that marks the references of its own cases and people in the
    files it writes. Made, at random, the first time it is needed."""

    code = models.CharField(max_length=16, unique=True, editable=False)

    def __str__(self) -> str:
        return self.code

    @classmethod
    def code_here(cls) -> str:
        return cls.objects.get_or_create(pk=1, defaults={"code": secrets.token_hex(6)})[0].code


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


class FieldSubmission(UUIDModel, TimeStampedModel):
    """A submission of the HTCDS form pulled from ODK Central (``manage.py odk_pull``), once per organisation: it
    became an intake draft for the reviewer who pulled it (or who took it over), and, once reviewed, a case.

    The submission's answers are in the draft (and then in the case), not here: this row keeps only where it came
    from, what could not be read from it (encrypted: a reason may quote the answer), and what became of it."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("organisations.Program", on_delete=models.CASCADE, related_name="+")
    instance_id = models.CharField(max_length=128)  # ODK Central's submission id (``__id``, "uuid:...")
    project_id = models.PositiveIntegerField()
    form_id = models.CharField(max_length=128)
    submitted_at = models.DateTimeField(null=True, blank=True)
    review_state = models.CharField(max_length=32, blank=True, default="")  # Central's, when it was pulled
    problems = EncryptedJSONField(null=True, blank=True)  # [[column, reason], ...]
    pulled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    intake_draft = models.ForeignKey(
        "cases.IntakeDraft", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "instance_id"], name="field_submission_once"),
        ]
        indexes = [models.Index(fields=["organisation", "-created_at"], name="field_submission_newest")]

    def __str__(self) -> str:
        return self.instance_id

    @property
    def state(self) -> str:
        """What became of it: "opened" (a case was opened from it), "waiting" (its draft waits for review) or
        "set_aside" (its draft is gone and no case was opened: it is not brought in again)."""
        if self.case_id is not None:
            return "opened"
        return "waiting" if self.intake_draft_id is not None else "set_aside"
