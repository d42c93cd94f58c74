"""Background work: the daily referral sweep, as a django-tasks task.

With a task backend configured (the database backend of ``django-tasks-db``), a scheduler enqueues
:data:`sweep_referrals_task` once a day; without one, ``manage.py sweep_referrals`` runs the same code. Running it
twice changes nothing the first run did not.
"""

from __future__ import annotations

import datetime

from django_tasks import task

from reparo.referrals import services


@task()
def sweep_referrals_task(today: str | None = None) -> dict[str, int]:
    """``today`` as an ISO date (task arguments must be JSON); the local date when left out."""
    day = datetime.date.fromisoformat(today) if today else None
    return services.referrals_sweep(today=day)
