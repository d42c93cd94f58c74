"""Background work: the daily reminder about certifications expiring within 90 days, as a django-tasks task.

With a task backend configured (the database backend of ``django-tasks-db``), a scheduler can enqueue
:data:`send_expiry_reminders_task`; without one, ``manage.py send_certification_reminders`` runs the same code.
"""

from __future__ import annotations

import datetime

from django_tasks import task

from reparo.training import services


@task()
def send_expiry_reminders_task(today: str | None = None) -> int:
    """``today`` as an ISO date (task arguments must be JSON); the local date when left out."""
    day = datetime.date.fromisoformat(today) if today else None
    return services.send_expiry_reminders(today=day)
