"""What a deployer meets on a production server (docs/guide-deployer.md): the health check a load balancer
probes, and the first administrator made with `createsuperuser`."""

from __future__ import annotations

import io
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

from portal.accounts.models import User
from portal.accounts.roles import Role

ROOT = Path(__file__).resolve().parents[2]

# Requests made inside a process running config.settings.prod, as gunicorn would serve them.
PROBE = """
import json, django
django.setup()
from django.test import Client
client = Client()
out = []
for path, host, secure in (
    ("/healthz", "127.0.0.1:8000", False),
    ("/healthz", "10.0.0.5", False),
    ("/healthz", "zjtx.example.gov.cn", True),
    ("/", "127.0.0.1:8000", False),
    ("/", "zjtx.example.gov.cn", False),
):
    r = client.get(path, HTTP_HOST=host, secure=secure)
    out.append([path, host, r.status_code, r.get("Location", ""), r.content.decode()[:200]])
print("RESULT " + json.dumps(out))
"""


def _probe_production(tmp_path) -> dict[tuple[str, str], tuple[int, str, str]]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    env = {
        **keep,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "zjtx.example.gov.cn",
        "CSRF_TRUSTED_ORIGINS": "https://zjtx.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'zjtx.sqlite3'}",
        "ZJTX_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src"),
    }
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return {(p, h): (status, loc, body) for p, h, status, loc, body in json.loads(line[len("RESULT ") :])}


def test_healthz_answers_a_probe_on_the_local_port_under_the_production_settings(tmp_path):
    answers = _probe_production(tmp_path)
    # `curl http://127.0.0.1:8000/healthz` on the server, and a load balancer probing by address: plain HTTP,
    # a Host that is not the site's. Before, the first was a 400 (ALLOWED_HOSTS), the site's name a 301.
    for host in ("127.0.0.1:8000", "10.0.0.5", "zjtx.example.gov.cn"):
        status, location, body = answers[("/healthz", host)]
        assert (status, location) == (200, ""), (host, answers)
        assert json.loads(body) == {"status": "ok"}
    # every other page still refuses an unknown Host and still sends plain HTTP to HTTPS
    assert answers[("/", "127.0.0.1:8000")][0] == 400
    assert answers[("/", "zjtx.example.gov.cn")][:2] == (301, "https://zjtx.example.gov.cn/")


def test_createsuperuser_makes_a_platform_administrator_with_the_administrators_menu(db, client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-passphrase-for-chief-2026")
    call_command(
        "createsuperuser",
        interactive=False,
        username="chief",
        email="chief@example.gov.cn",
        stdout=io.StringIO(),
    )
    chief = User.objects.get(username="chief")
    # before: role 企业用户 (the model's default), the enterprise's menu and 403s on the officials' pages
    assert chief.role == Role.ADMIN
    assert client.login(username="chief", password="a-long-passphrase-for-chief-2026")
    page = client.get("/")
    assert page.status_code == 200
    assert [url for _label, url in page.context["nav"]] == ["/admin/"]
    assert client.get("/enterprise/directory/").status_code == 200
    assert client.get("/admin/accounts/user/add/").status_code == 200
