"""Background work: the daily survey sweep, as a django-tasks task.

With a task backend configured, a scheduler can enqueue :data:`assign_due_surveys_task` once a day; without
one, ``manage.py assign_due_surveys`` runs the same code.
"""

from __future__ import annotations

import datetime

from django_tasks import task

from reparo.evaluation import services


@task()
def assign_due_surveys_task(today: str | None = None) -> int:
    """``today`` as an ISO date (task arguments must be JSON); the local date when left out."""
    day = datetime.date.fromisoformat(today) if today else None
    return services.surveys_assign_due(today=day)
