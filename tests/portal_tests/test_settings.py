"""Production settings: pass Django's deployment checklist, and refuse to start without their secrets.

Each case starts a fresh `manage.py` process with a clean environment, as gunicorn or systemd would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k3J9-prod-test-" + "x7Qm2vP8sL4wZ1nR6tY0uB5cE9hG3jK8aD2fV7" * 2


def run_manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "ZJTX_DATA_DIR": str(tmp_path / "data"),
        **env,
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def prod_env(tmp_path):
    return {
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "zjtx.example.gov.cn,localhost",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }


def test_deploy_check_passes_without_warnings(tmp_path, prod_env):
    done = run_manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **prod_env)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_deploy_check_with_postgres_url(tmp_path, prod_env):
    """The DATABASE_URL form the deployer guide shows is understood (no connection is needed for checks)."""
    prod_env["DATABASE_URL"] = "postgres://zjtx:secret@127.0.0.1:5432/zjtx"
    done = run_manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **prod_env)
    assert done.returncode == 0, done.stderr + done.stdout


def test_prod_refuses_to_start_without_secret_key(tmp_path, prod_env):
    del prod_env["SECRET_KEY"]
    done = run_manage(tmp_path, "check", **prod_env)
    assert done.returncode != 0
    assert "ImproperlyConfigured: Set the SECRET_KEY environment variable" in done.stderr


def test_prod_refuses_to_start_without_allowed_hosts(tmp_path, prod_env):
    del prod_env["ALLOWED_HOSTS"]
    done = run_manage(tmp_path, "check", **prod_env)
    assert done.returncode != 0
    assert "Set the ALLOWED_HOSTS environment variable" in done.stderr


def test_wsgi_entry_point_uses_prod_settings(tmp_path, prod_env):
    """gunicorn imports config.wsgi: without a secret it must stop there, not serve with a default one."""
    env = {k: v for k, v in prod_env.items() if k != "SECRET_KEY"}
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "ZJTX_DATA_DIR": str(tmp_path / "d"),
        "PYTHONPATH": str(ROOT / "src"),
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "Set the SECRET_KEY environment variable" in done.stderr
    with_secret = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.wsgi; from django.conf import settings; "
            "print(settings.DEBUG, settings.SETTINGS_MODULE)",
        ],
        cwd=tmp_path,
        env={**clean, "SECRET_KEY": SECRET},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert with_secret.returncode == 0, with_secret.stderr
    assert with_secret.stdout.split() == ["False", "config.settings.prod"]


def test_prod_refuses_a_short_secret_key(tmp_path, prod_env):
    """A placeholder such as SECRET_KEY=changeme must not reach production."""
    done = run_manage(tmp_path, "check", "--deploy", **{**prod_env, "SECRET_KEY": "changeme"})
    assert done.returncode != 0
    assert "SECRET_KEY is too short or too simple" in done.stderr


def test_prod_sessions_end_after_two_idle_hours(tmp_path, prod_env):
    """Before, a session lived two weeks from its last change: a browser left signed in on a shared office
    computer gave the next person the official's access for days."""
    done = run_manage(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_AGE, s.SESSION_SAVE_EVERY_REQUEST)",
        **prod_env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["7200", "True"]
