"""The production server's settings (reparo/server.py), ``manage.py serve``, and the files that run it under systemd
and in containers (deploy/, Dockerfile, compose.yaml). docker is not available where the tests run: the container
files are checked for what the documentation promises, not built."""

from __future__ import annotations

import configparser
import importlib
import sys
from pathlib import Path

import pytest
import yaml

from tests.core.test_settings import PRODUCTION, run_manage

ROOT = Path(__file__).resolve().parents[2]


def server_settings(monkeypatch, **env):
    for name in ("WEB_BIND", "WEB_WORKERS", "WEB_THREADS", "WEB_TIMEOUT", "WEB_MAX_REQUESTS", "TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop("reparo.server", None)
    return importlib.import_module("reparo.server")


def test_it_serves_with_threads_on_the_loopback_by_default(monkeypatch):
    server = server_settings(monkeypatch)
    assert server.worker_class == "gthread" and server.threads == 4
    assert server.workers == server.default_workers() >= 2
    assert server.bind == ["127.0.0.1:8000"]
    assert server.preload_app is True and server.control_socket_disable is True
    assert server.forwarded_allow_ips == "127.0.0.1,::1"
    assert server.accesslog is None  # paths hold only ids, but nothing is logged unless asked


def test_it_takes_its_size_from_the_environment_and_refuses_nonsense(monkeypatch):
    server = server_settings(monkeypatch, WEB_WORKERS="3", WEB_THREADS="8", TRUSTED_PROXIES="10.0.0.0/8")
    assert (server.workers, server.threads, server.forwarded_allow_ips) == (3, 8, "10.0.0.0/8")
    with pytest.raises(SystemExit, match="WEB_WORKERS must be a whole number"):
        server_settings(monkeypatch, WEB_WORKERS="lots")
    sys.modules.pop("reparo.server", None)


def test_serve_refuses_the_development_settings():
    result = run_manage({"REPARO_ENV": "development"}, "serve")
    assert result.returncode != 0 and "runs the production settings" in result.stderr


def test_serve_stops_before_starting_on_a_deployment_warning():
    result = run_manage({**PRODUCTION, "SECURE_SSL_REDIRECT": "off"}, "serve")
    assert result.returncode != 0 and "security.W008" in result.stderr


def test_the_systemd_units_start_gunicorn_and_the_worker_after_the_checks():
    units = {}
    for name in ("reparo-web.service", "reparo-worker.service"):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(ROOT / "deploy" / "systemd" / name)
        units[name] = parser["Service"]
    web, worker = units["reparo-web.service"], units["reparo-worker.service"]
    assert "gunicorn --config python:reparo.server" in web["ExecStart"]
    assert "check --deploy --database default --fail-level WARNING" in web["ExecStartPre"]
    assert "db_worker" in worker["ExecStart"]
    assert web["User"] == worker["User"] == "reparo"


def test_the_compose_file_runs_postgresql_migrations_the_web_server_and_the_worker():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "web", "worker"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]
    assert "db_worker" in services["worker"]["command"]
    # The static files the proxy serves are those of the image that runs: collected into the volume on every start.
    prepare = " ".join(services["migrate"]["command"])
    assert prepare.index("migrate --no-input") < prepare.index("collectstatic --no-input")
    assert services["migrate"]["volumes"] == services["web"]["volumes"] == ["static:/srv/reparo/static"]
    for name in ("migrate", "web", "worker"):
        environment = services[name]["environment"]
        assert environment["REPARO_ENV"] == "production"
        assert environment["SECRET_KEY_FILE"].startswith("/run/secrets/")
        assert not any(key in environment for key in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"))
    assert set(compose["secrets"]) >= {"secret_key", "field_encryption_keys", "blind_index_key", "database_url"}


def test_the_image_runs_gunicorn_as_an_unprivileged_user_with_pinned_dependencies():
    dockerfile = (ROOT / "Dockerfile").read_text()
    instructions = [
        line.split(None, 1)[0] for line in dockerfile.splitlines() if line and not line.startswith((" ", "#"))
    ]
    assert instructions[0] == "FROM" and "USER" in instructions
    assert "pip install -c requirements/constraints.txt" in dockerfile
    assert 'CMD ["python", "-m", "gunicorn", "--config", "python:reparo.server"]' in dockerfile
    assert dockerfile.index("USER reparo") < dockerfile.index("CMD [")


def test_it_loads_the_statistics_libraries_and_freezes_them_before_forking(monkeypatch):
    """gunicorn's master calls prepare_workers before it forks: the dashboards' libraries are then already imported in
    every worker, and the objects loaded so far are out of the garbage collector's sight (so that a worker's
    collections do not copy the shared pages into it)."""
    import gc

    server = server_settings(monkeypatch)
    try:
        server.prepare_workers()
        assert {"scipy.stats", "lifelines", "statsmodels.stats.contingency_tables"} <= set(sys.modules)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
