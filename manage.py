#!/usr/bin/env python
import os
import sys

# Commands that only ever run on a developer's checkout and need no secrets: they default to the development
# environment. Every other command (runserver, migrate, ...) keeps failing closed without REPARO_ENV and secrets.
DEVELOPER_COMMANDS = {"makemigrations", "makemessages", "squashmigrations"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reparo.settings")
    if len(sys.argv) > 1 and sys.argv[1] in DEVELOPER_COMMANDS:
        os.environ.setdefault("REPARO_ENV", "development")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
