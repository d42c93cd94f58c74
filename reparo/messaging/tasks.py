"""Background work for messaging (django-tasks).

- :data:`notification_send_task` sends one planned notification at its random moment (enqueued with ``run_after``
  where the backend supports it: the database backend in production).
- :data:`send_due_notifications_task` is the sweep (``manage.py send_notifications``): every notification whose moment
  has passed and that has not gone out yet. Run it every few minutes.
- :data:`erase_expired_messages_task` erases message texts and files past each program's keeping period
  (``manage.py erase_expired_messages``). Run it daily. Both are idempotent.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from reparo.messaging import notifications, services


@task()
def notification_send_task(notification_id: str) -> list[str]:
    return notifications.notification_send(notification_id=notification_id)


@task()
def send_due_notifications_task() -> int:
    return notifications.send_due_notifications()


@task()
def erase_expired_messages_task() -> dict[str, Any]:
    return services.messages_erase_expired().as_dict()
