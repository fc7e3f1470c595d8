"""The production path: the upload enqueues a job in the database, the real `db_worker` runs it.

A transactional test (the worker commits its own work, as it does in production), with the
django-tasks-db DatabaseBackend instead of the test settings' immediate backend.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from portal.inbox.models import Notification
from portal.screening.models import Candidate, RunState, ScreeningRun

from .factories import officials
from .test_screening import AS_OF, as_bytes, outside_rows, registry


@pytest.fixture
def database_tasks(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.ZJTX = {**settings.ZJTX, "SCREENING_GAPS": 40}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    return tmp_path


@pytest.mark.django_db(transaction=True)
def test_the_db_worker_screens_an_uploaded_registry(client, database_tasks):
    gov = officials()
    client.force_login(gov["hz_city"])
    frame = registry()
    response = client.post(
        reverse("screening:new"),
        {
            "file": SimpleUploadedFile("杭州名录.parquet", as_bytes(frame, "parquet")),
            "as_of": AS_OF.isoformat(),
            "rules": "",
            "output_format": "xlsx",
        },
    )
    assert response.status_code == 302
    run = ScreeningRun.objects.get()
    assert run.state == RunState.QUEUED
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    html = client.get(reverse("screening:detail", args=[run.pk])).content.decode()
    assert "排队中，等待后台任务开始……" in html and 'hx-trigger="every 1s"' in html

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    run.refresh_from_db()
    assert run.state == RunState.DONE, run.error_message
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    inside = frame.height - outside_rows(frame)
    assert run.rows_done == run.rows_total == inside == run.summary["rows"]
    assert Candidate.objects.filter(run=run).count() == run.summary["candidates"] > 0
    response = client.get(reverse("screening:progress", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    html = client.get(reverse("screening:detail", args=[run.pk])).content.decode()
    assert f"已处理 {inside} / {inside} 行" in html and "下载筛查结果（Excel（.xlsx））" in html
    note = Notification.objects.get(user=gov["hz_city"])
    assert note.title == "主动发现筛查已完成：杭州名录.parquet"
    assert note.url == reverse("screening:detail", args=[run.pk])
