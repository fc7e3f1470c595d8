"""主动发现 recovery and retention: a run whose worker died is failed and can be re-run; old files are deleted.

The worker's death is staged the way it happens: the job is queued in the database (no worker runs it),
its first step (`begin_run`, what the worker does) marks it running, then nothing more happens and the
clock moves on (the heartbeat is set back). Re-runs execute inline (ImmediateBackend). Files are real
files under a temporary DATA_DIR; the daily command is `manage.py screening_maintenance`.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portal.audit.models import AuditEntry
from portal.inbox.models import Notification
from portal.screening import actions, files
from portal.screening.models import Candidate, RunState, ScreeningRun

from .factories import make_user
from .test_screening import as_bytes, page, registry, upload

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
BAD_CSV = b"id,region,revenue_2025,employees_2025\nA,330106,100,5\nB,330106,1,2,3,4\n"


@pytest.fixture(autouse=True)
def screening_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.ZJTX = {**settings.ZJTX, "SCREENING_GAPS": 40}
    settings.TASKS = IMMEDIATE
    return tmp_path


def started_then_silent(client, settings, official, *, silent_minutes: float) -> ScreeningRun:
    """An upload whose worker took the job and then died `silent_minutes` ago."""
    settings.TASKS = DATABASE  # queued in the database; no worker runs here
    client.force_login(official)
    assert upload(client, as_bytes(registry(), "parquet"), "杭州名录.parquet").status_code == 302
    settings.TASKS = IMMEDIATE
    run = ScreeningRun.objects.get(state=RunState.QUEUED)
    assert actions.begin_run(run.pk) is not None  # the worker's first step
    then = timezone.now() - dt.timedelta(minutes=silent_minutes)
    ScreeningRun.objects.filter(pk=run.pk).update(heartbeat_at=then, started_at=then)
    return run


def ago(run: ScreeningRun, days: int) -> None:
    ScreeningRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(days=days))


def maintenance() -> str:
    out = io.StringIO()
    call_command("screening_maintenance", stdout=out)
    return out.getvalue()


def audit(action: str, run: ScreeningRun):
    return AuditEntry.objects.filter(action=action, target_id=str(run.pk))


# ---------------------------------------------------------------------------------------- stale runs


def test_a_run_whose_worker_died_is_shown_failed_and_can_be_run_again(
    client, settings, gov, django_capture_on_commit_callbacks
):
    official = gov["hz_city"]
    run = started_then_silent(client, settings, official, silent_minutes=31)

    # the page the official keeps open polls the progress fragment: the next poll ends it
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("screening:progress", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    html = response.content.decode()
    assert "筛查失败：" in html and "后台任务中断（超过 30 分钟无进展）" in html and "hx-trigger" not in html
    run.refresh_from_db()
    assert run.state == RunState.FAILED and run.finished_at is not None
    assert files.absolute(run.upload_path).is_file()
    entry = audit("screening.failed", run).get()
    assert entry.actor is None and entry.from_state == RunState.RUNNING and entry.data["stale_minutes"] == 30
    assert Notification.objects.get(user=official).title == "主动发现筛查未能完成：杭州名录.parquet"

    html = page(client, reverse("screening:detail", args=[run.pk]))
    assert "后台任务中断（超过 30 分钟无进展）" in html and "请点击“重新筛选”重新提交" in html
    assert reverse("screening:rerun", args=[run.pk]) in html

    response = client.post(reverse("screening:rerun", args=[run.pk]), follow=True)
    new = ScreeningRun.objects.exclude(pk=run.pk).get()
    assert response.redirect_chain[-1][0] == reverse("screening:detail", args=[new.pk])
    html = response.content.decode()
    assert f"已用同一份上传文件重新发起筛查（原筛查 #{run.pk}）。" in html
    assert new.state == RunState.DONE, new.error_message
    assert "筛查已完成" in html and "下载筛查结果" in html
    assert (new.official, new.region_code, new.upload_path, new.retry_of) == (
        official,
        "3301",
        run.upload_path,
        run,
    )
    assert new.as_of == run.as_of and new.rules == run.rules and new.candidates.exists()
    assert new.heartbeat_at is not None and new.heartbeat_at >= new.started_at  # progress is recorded
    assert audit("screening.rerun", new).get().actor == official

    # the failed run now points to its re-run; a second click does not start a third run
    html = page(client, reverse("screening:detail", args=[run.pk]))
    assert f"已用同一份文件重新筛选为 #{new.pk}。" in html
    assert reverse("screening:rerun", args=[run.pk]) not in html
    response = client.post(reverse("screening:rerun", args=[run.pk]), follow=True)
    assert f"已重新筛选为 #{new.pk}" in response.content.decode()
    assert ScreeningRun.objects.count() == 2


def test_the_queue_row_of_a_dead_worker_s_job_is_failed_too(client, settings, gov):
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    run = started_then_silent(client, settings, gov["hz_city"], silent_minutes=31)
    row = DBTaskResult.objects.get(pk=run.task_id)
    row.claim("worker-that-died")  # what the worker did before it was killed
    other = started_then_silent(client, settings, gov["hz_city"], silent_minutes=1)
    DBTaskResult.objects.get(pk=other.task_id).claim("worker-still-alive")

    assert f"stale runs failed (no progress for 30 min): 1 [{run.pk}]" in maintenance()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED and row.finished_at is not None
    assert "后台任务中断（超过 30 分钟无进展）" in row.traceback
    assert DBTaskResult.objects.get(pk=other.task_id).status == TaskResultStatus.RUNNING


def test_a_running_run_with_recent_progress_is_left_alone(client, settings, gov):
    run = started_then_silent(client, settings, gov["hz_city"], silent_minutes=29)
    html = page(client, reverse("screening:detail", args=[run.pk]))
    assert "筛查中" in html and 'hx-trigger="every 1s"' in html and "筛查失败" not in html
    assert "stale runs failed (no progress for 30 min): 0" in maintenance()
    run.refresh_from_db()
    assert run.state == RunState.RUNNING
    assert not audit("screening.failed", run).exists()

    # a queued run only waits for a free worker (it may sit behind a long run): never failed for waiting
    settings.TASKS = DATABASE
    assert upload(client, as_bytes(registry(), "parquet"), "排队.parquet").status_code == 302
    queued = ScreeningRun.objects.get(state=RunState.QUEUED)
    ScreeningRun.objects.filter(pk=queued.pk).update(created_at=timezone.now() - dt.timedelta(hours=5))

    # a shorter limit from the settings (ZJTX_SCREENING_STALE_MINUTES) takes the running one, from the command
    settings.ZJTX = {**settings.ZJTX, "SCREENING_STALE_MINUTES": 10}
    assert f"stale runs failed (no progress for 10 min): 1 [{run.pk}]" in maintenance()
    run.refresh_from_db()
    queued.refresh_from_db()
    assert run.state == RunState.FAILED and "超过 10 分钟无进展" in run.error_message
    assert queued.state == RunState.QUEUED


# ---------------------------------------------------------------------------------------- retention


def test_old_files_are_deleted_but_recent_and_running_ones_are_kept(client, settings, gov):
    official = gov["hz_city"]
    client.force_login(official)
    assert upload(client, as_bytes(registry(), "csv"), "去年名录.csv").status_code == 302
    old = ScreeningRun.objects.get()
    assert upload(client, as_bytes(registry(), "csv"), "本月名录.csv").status_code == 302
    recent = ScreeningRun.objects.exclude(pk=old.pk).get()
    assert old.state == recent.state == RunState.DONE
    kept = old.candidates.order_by("row").first()
    client.post(reverse("screening:pool_add", args=[old.pk]), {"candidate": [kept.pk]})
    running = started_then_silent(client, settings, official, silent_minutes=1)
    for run in (old, running):
        ago(run, 91)
    old_files = [
        files.absolute(p) for p in (old.upload_path, old.output_path, old.results_path, old.errors_path)
    ]
    assert all(p.is_file() for p in old_files)

    out = maintenance()
    assert f"runs whose files were deleted (older than 90 days): 1 [{old.pk}]" in out
    assert not any(p.exists() for p in old_files) and not files.run_dir(old.pk).exists()
    for run in (recent, running):
        run.refresh_from_db()
        assert files.absolute(run.upload_path).is_file() and run.files_expired_at is None
    assert files.absolute(recent.output_path).is_file()
    assert running.state == RunState.RUNNING

    # the page keeps the summary and the candidates; the links give way to the retention message
    html = page(client, reverse("screening:detail", args=[old.pk]))
    assert "文件已按保留期限删除（90 天）。" in html
    assert "下载筛查结果" not in html and reverse("screening:download", args=[old.pk, "result"]) not in html
    assert f"候选企业（{old.candidates.count()} 家）" in html and old.candidates.count() > 0
    assert client.get(reverse("screening:download", args=[old.pk, "result"])).status_code == 404
    assert Candidate.objects.get(pk=kept.pk).in_pool
    assert kept.name in page(client, reverse("screening:pool"))
    assert client.get(reverse("screening:download", args=[recent.pk, "result"])).status_code == 200

    entry = audit("screening.files_expired", old).get()
    assert entry.actor is None and entry.data["keep_days"] == 90 and len(entry.data["files"]) == 4
    assert AuditEntry.objects.filter(action="screening.files_expired").count() == 1
    assert "runs whose files were deleted (older than 90 days): 0" in maintenance()  # idempotent


def test_an_upload_still_used_by_a_re_run_is_kept_until_that_run_expires(client, settings, gov):
    settings.ZJTX = {**settings.ZJTX, "SCREENING_KEEP_DAYS": 60}
    client.force_login(gov["hz_city"])
    assert upload(client, BAD_CSV, "坏文件.csv").status_code == 302
    first = ScreeningRun.objects.get()
    assert first.state == RunState.FAILED
    client.post(reverse("screening:rerun", args=[first.pk]))
    second = ScreeningRun.objects.get(retry_of=first)
    assert second.state == RunState.FAILED  # the same broken file fails again
    stored = files.absolute(first.upload_path)

    ago(first, 61)
    assert f"(older than 60 days): 1 [{first.pk}]" in maintenance()
    assert stored.is_file()  # the younger re-run still reads it
    assert audit("screening.files_expired", first).get().data["upload_kept_for_rerun"] is True
    html = page(client, reverse("screening:detail", args=[first.pk]))
    assert "文件已按保留期限删除（60 天）。" in html and "上传的文件已保留" not in html

    ago(second, 61)
    assert f"(older than 60 days): 1 [{second.pk}]" in maintenance()
    assert not stored.exists()
    html = page(client, reverse("screening:detail", args=[second.pk]))
    assert (
        "文件已按保留期限删除（60 天）。" in html and reverse("screening:rerun", args=[second.pk]) not in html
    )
    response = client.post(reverse("screening:rerun", args=[second.pk]), follow=True)
    assert "的上传文件已按保留期限删除（60 天）；请重新上传名录文件。" in response.content.decode()
    assert ScreeningRun.objects.count() == 2


# ---------------------------------------------------------------------------------------- permission


def test_only_the_uploader_and_officials_above_may_re_run(client, gov):
    client.force_login(gov["hz_city"])
    assert upload(client, BAD_CSV, "坏文件.csv").status_code == 302
    failed = ScreeningRun.objects.get()
    url = reverse("screening:rerun", args=[failed.pk])
    colleague = make_user("gov-hz-2", "city", "330100")
    for who in (gov["cd_city"], gov["sc_province"], gov["xh_county"], gov["yh_county"], colleague):
        client.force_login(who)
        assert client.post(url).status_code == 404, who
    client.force_login(make_user("ent-user", "enterprise"))
    assert client.post(url).status_code == 403
    client.logout()
    assert client.post(url).status_code == 302 and ScreeningRun.objects.count() == 1
    assert not AuditEntry.objects.filter(action="screening.rerun").exists()

    # the province official re-runs the city's run: it stays the city official's run in the city's region
    client.force_login(gov["zj_province"])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    second = ScreeningRun.objects.get(retry_of=failed)
    assert (second.official, second.region_code) == (gov["hz_city"], "3301")
    assert audit("screening.rerun", second).get().actor == gov["zj_province"]
    client.force_login(gov["hz_city"])
    assert f"#{second.pk}" in page(client, reverse("screening:index"))
    assert client.post(reverse("screening:rerun", args=[second.pk])).status_code == 302
    assert ScreeningRun.objects.filter(retry_of=second).exists()

    # a finished run is not re-run
    assert upload(client, as_bytes(registry(), "parquet"), "名录.parquet").status_code == 302
    done = ScreeningRun.objects.get(state=RunState.DONE)
    response = client.post(reverse("screening:rerun", args=[done.pk]), follow=True)
    assert "没有失败，不需要重新筛选。" in response.content.decode()
    assert not ScreeningRun.objects.filter(retry_of=done).exists()
