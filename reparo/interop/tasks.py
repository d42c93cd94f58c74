"""Background work: pulling field intake from ODK Central, as a django-tasks task.

With a task backend configured (the database backend of ``django-tasks-db``), a scheduler enqueues
:data:`odk_pull_task` as often as new submissions should be looked for; without one, ``manage.py odk_pull`` runs the
same code. Pulling again brings nothing twice. The task runs as the reviewer whose drafts the submissions become,
and stops if they may no longer open cases in the organisation.
"""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from reparo.interop import selectors, services


@task()
def odk_pull_task(organisation_id: int, program_id: int, user_id: str) -> dict[str, int]:
    """Ids as task arguments must be JSON: the organisation's and the program's numbers, the reviewer's id."""
    organisation, program, user = selectors.pull_scope(organisation_id, program_id, user_id)
    return asdict(services.field_intake_pull(actor=user, organisation=organisation, program=program))
