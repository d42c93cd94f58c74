"""Signals the processes app sends, for apps above it (safety posts the team's notices)."""

from django.dispatch import Signal

# A participant stopped taking part and the process ended: ``process`` and ``users``, the team told by a task.
participant_withdrew = Signal()
