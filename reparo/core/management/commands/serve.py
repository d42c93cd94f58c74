"""``manage.py serve`` (``make serve``): the production web server and the task worker, together.

Checks the configuration first (``check --deploy --database default``: a missing secret, a missing database trigger
or any deployment warning stops it), then runs gunicorn with reparo/server.py's settings and ``manage.py db_worker``
as two child processes, and stops both when either stops or when it is told to (SIGTERM, SIGINT). The systemd units
and the container run the two as separate services instead (docs/deployment.md); this command is for one machine
and for trying the production setup.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

ROOT = Path(__file__).resolve().parents[4]


class Command(BaseCommand):
    help = "Run the production web server (gunicorn) and the task worker (db_worker) until stopped."
    requires_system_checks: list[str] = []  # run below, with --deploy and the database

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-worker", action="store_true", help="Run the web server only.")
        parser.add_argument(
            "--fail-level",
            default="WARNING",
            choices=["ERROR", "WARNING"],
            help="Stop before starting on check messages of this level or above (default: WARNING).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DEBUG or settings.REPARO_ENV == "development":
            raise CommandError("manage.py serve runs the production settings: set REPARO_ENV=production.")
        call_command("check", deploy=True, databases=["default"], fail_level=options["fail_level"])
        commands = {"web": [sys.executable, "-m", "gunicorn", "--config", "python:reparo.server"]}
        if not options["no_worker"]:
            commands["worker"] = [sys.executable, "manage.py", "db_worker", "--queue-name", "*"]
        self.stdout.write(f"Starting {' and '.join(commands)} (stop with Ctrl-C or SIGTERM).")
        children = {name: subprocess.Popen(command, cwd=ROOT) for name, command in commands.items()}  # noqa: S603
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping and all(child.poll() is None for child in children.values()):
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 40
            for child in children.values():
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [name for name, child in children.items() if child.returncode not in (0, -signal.SIGTERM)]
        if failed and not stopping:
            raise CommandError(f"Stopped because {' and '.join(failed)} exited.")
