"""Background work: the daily reminder about funders' reports that are due soon or overdue, as a django-tasks task.

With the database backend of ``django-tasks-db``, a scheduler can enqueue :data:`send_deadline_reminders_task`;
``manage.py send_funding_reminders`` runs the same code directly. Either is safe to run more than once a day.
"""

from __future__ import annotations

import datetime

from django_tasks import task

from reparo.funding import services


@task()
def send_deadline_reminders_task(today: str | None = None) -> int:
    """``today`` as an ISO date (task arguments must be JSON); the local date when left out."""
    day = datetime.date.fromisoformat(today) if today else None
    return services.send_deadline_reminders(today=day)
