"""The background job of a screening run (django-tasks): screen, then load the candidates.

Why a job: a province's registry takes minutes to screen; the page polls the run row for progress
while a worker (`manage.py db_worker`) does the work. Any failure leaves the run `failed` with a
Chinese reason and keeps the uploaded file, so the official can fix the file or simply retry.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.translation import gettext_noop
from django_tasks import task

from portal.assessments import engine
from portal.inbox.message import msg

from . import actions, files

log = logging.getLogger(__name__)

DEFAULT_GAPS = 1000


def gap_limit() -> int:
    return int(getattr(settings, "ZJTX", {}).get("SCREENING_GAPS", DEFAULT_GAPS))


@task()
def run_screening(run_id: int) -> dict:
    run = actions.begin_run(run_id)
    if run is None:
        return {"run": run_id, "state": "skipped"}
    out_dir = files.run_dir(run.pk)
    output = out_dir / f"result.{run.output_format}"
    results = out_dir / "results.parquet"
    errors = out_dir / "errors.csv"
    try:
        summary = engine.screen_file(
            files.absolute(run.upload_path),
            output,
            as_of=run.as_of,
            rules=run.rules,
            errors_path=errors,
            progress=actions.ProgressWriter(run.pk),
            region_prefix=run.region_code,
            gaps=gap_limit(),
            results_path=results,
            rows_path=files.upload_rows(run.pk),
        )
        actions.progress_note(run.pk, "载入候选企业")
        actions.complete_run(
            run,
            summary,
            output=output,
            results=results,
            errors=errors,
            candidates=engine.screen_candidates(results),
        )
    except engine.ScreeningFailed as exc:
        actions.fail_run(run.pk, exc.message)
        return {"run": run_id, "state": "failed"}
    except FileNotFoundError:
        actions.fail_run(run.pk, msg(gettext_noop("找不到上传的文件（可能已被清理）；请重新上传名录文件。")))
        return {"run": run_id, "state": "failed"}
    except Exception as exc:  # noqa: BLE001 - the run must end failed, never stuck in "running"
        log.exception("screening run %s failed", run_id)
        actions.fail_run(
            run.pk,
            msg(
                gettext_noop(
                    "筛查过程中出现内部错误（%(error)s）；上传的文件已保留，请稍后重新发起，或联系平台管理员。"
                ),
                error=type(exc).__name__,
            ),
        )
        return {"run": run_id, "state": "failed"}
    return {"run": run_id, "state": "done", "rows": summary.get("rows", 0)}
