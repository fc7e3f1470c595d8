"""Every state change of screening runs and of the candidate pool (培育库), and who may see what.

Why here: region scope and the audit trail are enforced in one place. An official sees the runs
they started and the runs of officials below them (a narrower region inside theirs); the pool is
shared by region: every official whose area contains a candidate's county sees and tends it.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from portal.accounts.scope import region_in_scope
from portal.actions import InvalidInput, NotAllowed
from portal.assessments import engine
from portal.audit.record import record
from portal.inbox.message import Message, msg, render
from portal.inbox.send import notify_user

from . import files
from .models import Candidate, FileFormat, RunState, ScreeningRun


def region_label(prefix: str) -> str:
    """浙江省杭州市 for '3301'; 全国 for ''."""
    if not prefix:
        return gettext("全国")
    found = engine.region(prefix.ljust(6, "0"))
    return found[0] if found else prefix


# ---------------------------------------------------------------------------
# Visibility


def _require_official(actor) -> str:
    prefix = getattr(actor, "region_prefix", None) if getattr(actor, "is_authenticated", False) else None
    if prefix is None:
        raise NotAllowed(gettext("只有主管部门工作人员可以使用主动发现筛查。"))
    return prefix


def visible_runs(user):
    """Runs `user` may open: their own within their present region, and those of officials whose region lies
    strictly inside theirs. An official moved to another region no longer opens the runs (candidates' names,
    figures and files) of the region they left."""
    prefix = getattr(user, "region_prefix", None) if getattr(user, "is_authenticated", False) else None
    if prefix is None:
        return ScreeningRun.objects.none()
    below = Q(region_code__startswith=prefix) & ~Q(region_code=prefix)
    return ScreeningRun.objects.filter(Q(official=user, region_code__startswith=prefix) | below)


def can_see_run(user, run: ScreeningRun) -> bool:
    return visible_runs(user).filter(pk=run.pk).exists()


def pool_for(user):
    """The candidate pool within `user`'s region, across runs."""
    prefix = getattr(user, "region_prefix", None) if getattr(user, "is_authenticated", False) else None
    if prefix is None:
        return Candidate.objects.none()
    qs = Candidate.objects.filter(in_pool=True)
    return qs.filter(region__startswith=prefix) if prefix else qs


# ---------------------------------------------------------------------------
# Starting a run


def measures_choices() -> list[tuple[str, str]]:
    return [(r["id"], f"{r['zh']}（{r['id']}）") for r in engine.measures_rulesets()]


def _resolve_rules(as_of: dt.date, rules: str) -> str:
    known = {rid for rid, _ in measures_choices()}
    if rules:
        if rules not in known:
            raise InvalidInput(
                gettext("rules: 规则集“%(rules)s”不存在；请从列表中选择") % {"rules": rules},
                [("rules", gettext("规则集不存在"))],
            )
        return rules
    try:
        return engine.rules_in_force(as_of).id
    except engine.UnknownRuleSet:
        raise InvalidInput(
            gettext("as_of: %(day)s 没有现行的梯度培育办法；请改选评估日期或指定规则集")
            % {"day": as_of.isoformat()},
            [("as_of", gettext("该日期没有现行办法"))],
        ) from None


def _check_columns(path, fmt: str, rule_id: str, prefix: str) -> list[str]:
    try:
        columns = engine.screen_columns(path, fmt)
    except engine.ScreeningFailed as exc:
        raise InvalidInput(exc.message, [("file", exc.message)]) from None
    known, _unknown = engine.screen_known_columns(columns, rule_id)
    facts = [c for c in known if c not in ("id", "name", "credit_code", "region")]
    if not facts:
        shown = "、".join(columns[:5]) + ("……" if len(columns) > 5 else "")
        if any(c.startswith("__UNNAMED__") for c in columns):  # a title or merged cells above the header
            raise InvalidInput(
                gettext(
                    "文件：第一行应是列名（表头），这里像是标题或合并单元格（收到：%(columns)s）；"
                    "请删去表头上方的行、取消合并单元格，或下载模板按模板的列名填写"
                )
                % {"columns": shown},
                [("file", gettext("表头不在第一行"))],
            )
        raise InvalidInput(
            gettext("文件：表头中没有规则可用的列（收到：%(columns)s）；请下载模板，按模板的列名填写")
            % {"columns": shown or gettext("空表头")},
            [("file", gettext("表头不符合名录格式"))],
        )
    if prefix and "region" not in columns:
        raise InvalidInput(
            gettext("文件：缺少 region 列（注册地 6 位行政区划代码）；需要它来判断企业是否属于本辖区"),
            [("file", gettext("缺少 region 列"))],
        )
    return columns


def start_screening(
    actor, upload, *, as_of: dt.date, rules: str = "", output_format: str = ""
) -> ScreeningRun:
    """Check and store the upload, create the run and enqueue the background job (audited)."""
    from .tasks import run_screening

    prefix = _require_official(actor)
    if not isinstance(as_of, dt.date):
        raise InvalidInput(gettext("as_of: 请填写评估日期（YYYY-MM-DD）"), [("as_of", gettext("必填"))])
    rule_id = _resolve_rules(as_of, rules or "")
    if upload is None:
        raise InvalidInput(
            gettext("文件：请选择要上传的名录文件（.xlsx、.csv 或 .parquet）"), [("file", gettext("必填"))]
        )
    path, fmt, size, name = files.store_upload(upload)
    try:
        _check_columns(path, fmt, rule_id, prefix)
        out_fmt = output_format or fmt
        if out_fmt not in FileFormat.values:
            raise InvalidInput(
                gettext("output_format: 结果格式须为 xlsx、csv 或 parquet"),
                [("output_format", gettext("格式无效"))],
            )
        with transaction.atomic():
            run = ScreeningRun.objects.create(
                official=actor,
                region_code=prefix,
                upload_path=files.relative(path),
                original_name=name,
                input_format=fmt,
                output_format=out_fmt,
                upload_size=size,
                as_of=as_of,
                rules=rule_id,
            )
            record(
                actor,
                "screening.start",
                run,
                to_state=RunState.QUEUED,
                region_code=prefix,
                file=name,
                format=fmt,
                size=size,
                as_of=as_of.isoformat(),
                rules=rule_id,
            )
            result = run_screening.enqueue(run.pk)
            # the immediate backend (tests) has already run the job: keep its state, store the id only
            ScreeningRun.objects.filter(pk=run.pk).update(task_id=str(result.id)[:64])
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    run.refresh_from_db()
    return run


# ---------------------------------------------------------------------------
# The background job's steps (actor: the platform)


def begin_run(run_id: int) -> ScreeningRun | None:
    """Move a queued run to running; None when it is not queued (already taken or finished)."""
    with transaction.atomic():
        now = timezone.now()
        claimed = ScreeningRun.objects.filter(pk=run_id, state=RunState.QUEUED).update(
            state=RunState.RUNNING, started_at=now, heartbeat_at=now, phase="准备"
        )
        if not claimed:
            return None
        run = ScreeningRun.objects.get(pk=run_id)
        record(
            None,
            "screening.running",
            run,
            from_state=RunState.QUEUED,
            to_state=RunState.RUNNING,
            region_code=run.region_code,
        )
    return run


class ProgressWriter:
    """The progress callback for zjtx.screen: writes to the run row at most every `every` seconds per phase."""

    def __init__(self, run_id: int, every: float = 0.5):
        self.run_id = run_id
        self.every = every
        self.last_phase = None
        self.last_at = 0.0

    def __call__(self, *args, **kwargs) -> None:
        phase = str(args[0]) if args else str(kwargs.get("phase", ""))
        done = _as_int(args[1] if len(args) > 1 else kwargs.get("done"))
        total = _as_int(args[2] if len(args) > 2 else kwargs.get("total"))
        now = time.monotonic()
        if phase == self.last_phase and (total and done < total) and now - self.last_at < self.every:
            return
        self.last_phase, self.last_at = phase, now
        changes = {
            "phase": phase[:40],
            "phase_done": done,
            "phase_total": total,
            "heartbeat_at": timezone.now(),
        }
        if phase == "筛查":
            changes.update(rows_done=done, rows_total=total)
        ScreeningRun.objects.filter(pk=self.run_id, state=RunState.RUNNING).update(**changes)


def progress_note(run_id: int, phase: str) -> None:
    ScreeningRun.objects.filter(pk=run_id, state=RunState.RUNNING).update(
        phase=phase[:40], phase_done=0, phase_total=0, heartbeat_at=timezone.now()
    )


def _as_int(value) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def _candidate(run: ScreeningRun, row: dict, ladder: list[str]) -> Candidate:
    top = row["highest_tier"] if row["highest_tier"] != "none" else ""
    return Candidate(
        run=run,
        row=row["row"],
        external_id=row["id"][:100],
        credit_code=row["credit_code"][:40],
        name=row["name"][:200],
        region=row["region"][:12],
        industry=row["industry"][:8],
        size=row["size"][:10],
        highest_tier=top,
        tier_rank=(ladder.index(top) + 1) if top in ladder else 0,
        qualified=row["qualified"],
        next_tier=row["next_tier"],
        gap=row["gap"],
        gap_reaches=row["gap_reaches"],
    )


def complete_run(run: ScreeningRun, summary: dict, *, output, results, errors, candidates) -> ScreeningRun:
    """Store the outcome and the candidates (inside the run's region only); notify the official."""
    ladder = engine.tier_ladder(run.rules)
    with transaction.atomic():
        Candidate.objects.filter(run=run).delete()  # a retried job starts from a clean list
        batch, kept, outside = [], 0, 0
        for row in candidates:
            if run.region_code and not row["region"].startswith(run.region_code):
                outside += 1  # screen_file already left such rows out; never trust a file twice
                continue
            batch.append(_candidate(run, row, ladder))
            kept += 1
            if len(batch) >= 1000:
                Candidate.objects.bulk_create(batch)
                batch = []
        if batch:
            Candidate.objects.bulk_create(batch)
        summary = {k: v for k, v in summary.items() if k not in ("input", "output", "errors_file")}
        summary["candidates"] = kept
        rows = int(summary.get("rows") or 0)
        updated = ScreeningRun.objects.filter(pk=run.pk, state=RunState.RUNNING).update(
            state=RunState.DONE,
            summary=summary,
            finished_at=timezone.now(),
            phase="",
            error_message="",
            rows_done=rows,
            rows_total=rows,
            output_path=files.relative(output),
            results_path=files.relative(results),
            errors_path=files.relative(errors),
        )
        if not updated:
            raise NotAllowed(f"{run} 已不在筛查中，结果未保存。")
        run.refresh_from_db()
        record(
            None,
            "screening.done",
            run,
            from_state=RunState.RUNNING,
            to_state=RunState.DONE,
            region_code=run.region_code,
            rows=rows,
            error_rows=summary.get("error_rows", 0),
            candidates=kept,
            outside_region=summary.get("outside_region", 0),
        )
        notify_user(
            run.official,
            msg(gettext_noop("主动发现筛查已完成：%(name)s"), name=run.original_name),
            msg(gettext_noop("共筛查 %(rows)s 行，得到 %(kept)s 家候选企业。"), rows=rows, kept=kept),
            url=reverse("screening:detail", args=[run.pk]),
            topic="screening",
        )
    return run


def _mark_failed(run: ScreeningRun, message: Message | str, **audit) -> None:
    """Inside the caller's transaction, on a locked active run: failed, audited, the official told
    (the run and the audit keep the Chinese text; the inbox shows `message` in the reader's language)."""
    previous = run.state
    text = render(message, settings.LANGUAGE_CODE)
    run.state, run.error_message, run.finished_at, run.phase = (
        RunState.FAILED,
        text,
        timezone.now(),
        "",
    )
    run.save(update_fields=["state", "error_message", "finished_at", "phase"])
    record(
        None,
        "screening.failed",
        run,
        from_state=previous,
        to_state=RunState.FAILED,
        reason=text,
        region_code=run.region_code,
        **audit,
    )
    notify_user(
        run.official,
        msg(gettext_noop("主动发现筛查未能完成：%(name)s"), name=run.original_name),
        message,
        url=reverse("screening:detail", args=[run.pk]),
        topic="screening",
    )


def fail_run(run_id: int, message: Message | str) -> None:
    """Mark a run failed with a reason (a Message, or Chinese text shown as is); the upload is kept,
    partial outputs are removed."""
    with transaction.atomic():
        run = ScreeningRun.objects.select_for_update().get(pk=run_id)
        if run.state in (RunState.DONE, RunState.FAILED):
            return
        _mark_failed(run, message)
    shutil.rmtree(files.run_dir(run_id), ignore_errors=True)


# ---------------------------------------------------------------------------
# Recovery and retention (actor: the platform; called by the pages and `manage.py screening_maintenance`)

DEFAULT_STALE_MINUTES = 30
DEFAULT_KEEP_DAYS = 90


def stale_minutes() -> int:
    return max(int(getattr(settings, "ZJTX", {}).get("SCREENING_STALE_MINUTES", DEFAULT_STALE_MINUTES)), 1)


def keep_days() -> int:
    return max(int(getattr(settings, "ZJTX", {}).get("SCREENING_KEEP_DAYS", DEFAULT_KEEP_DAYS)), 1)


def _stale(qs, cutoff):
    """Running runs whose last sign of life (heartbeat, else start, else upload) is before `cutoff`."""
    return (
        qs.filter(state=RunState.RUNNING)
        .annotate(last_seen=Coalesce("heartbeat_at", "started_at", "created_at"))
        .filter(last_seen__lt=cutoff)
    )


def fail_stale_runs(runs=None) -> list[int]:
    """Fail running runs with no progress for stale_minutes(); returns their ids.

    Why: a worker that was killed (or whose machine restarted) can no longer end its run, which would
    stay "running" for ever under a progress bar that never moves. `runs` narrows the check (a page
    passes the runs it shows); each run is re-checked under its row lock, so a run that made progress
    meanwhile is left alone. The upload is kept for "重新筛选"; partial outputs are removed.
    """
    minutes = stale_minutes()
    cutoff = timezone.now() - dt.timedelta(minutes=minutes)
    base = runs if runs is not None else ScreeningRun.objects.all()
    failed = []
    for pk in list(_stale(base, cutoff).values_list("pk", flat=True)):
        with transaction.atomic():
            run = _stale(ScreeningRun.objects.select_for_update(), cutoff).filter(pk=pk).first()
            if run is None:
                continue  # it progressed or ended in the meantime
            last_seen = run.last_seen
            message = msg(
                gettext_noop(
                    "后台任务中断（超过 %(minutes)s 分钟无进展），可能是任务进程被停止或服务器重启；"
                    "上传的文件已保留，请点击“重新筛选”重新提交。"
                ),
                minutes=minutes,
            )
            _mark_failed(run, message, stale_minutes=minutes, last_progress=last_seen.isoformat())
            _fail_queue_row(run.task_id, render(message, settings.LANGUAGE_CODE))
        shutil.rmtree(files.run_dir(pk), ignore_errors=True)
        failed.append(pk)
    return failed


def _fail_queue_row(task_id: str, message: str) -> None:
    """The database queue's own row of a dead run's job, failed as well (it was left "RUNNING": the task list
    of the admin site would show it running for ever). Other queue backends keep no such row."""
    from django.apps import apps

    if not apps.is_installed("django_tasks_db"):
        return
    try:
        key = uuid.UUID(task_id)
    except ValueError:  # no id, or one of another backend
        return
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=key, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path="portal.screening.actions.StaleRun",
        traceback=message,
    )


def rerun(actor, run: ScreeningRun) -> ScreeningRun:
    """Screen the stored upload of a failed run again, as a new run of the same uploader and region (audited).

    Why a new run: the failed one keeps its reason and trail. It stays the uploader's run, scoped to the
    original region, so whoever could see the failed run sees its re-run (an official above may start it).
    """
    from .tasks import run_screening

    _require_official(actor)
    if not can_see_run(actor, run):
        raise NotAllowed(gettext("%(run)s 不在您的管辖范围内。") % {"run": run})
    with transaction.atomic():
        run = ScreeningRun.objects.select_for_update().get(pk=run.pk)
        if run.state != RunState.FAILED:
            raise NotAllowed(gettext("%(run)s 没有失败，不需要重新筛选。") % {"run": run})
        if run.files_expired:
            raise NotAllowed(
                gettext("%(run)s 的上传文件已按保留期限删除（%(days)s 天）；请重新上传名录文件。")
                % {"run": run, "days": run.files_kept_days}
            )
        later = run.retries.order_by("-pk").first()
        if later is not None:
            raise NotAllowed(
                gettext("%(run)s 已重新筛选为 #%(pk)s；请打开该筛查查看。") % {"run": run, "pk": later.pk}
            )
        try:
            present = files.absolute(run.upload_path).is_file()
        except FileNotFoundError:
            present = False
        if not present:
            raise NotAllowed(gettext("%(run)s 的上传文件已不存在；请重新上传名录文件。") % {"run": run})
        new = ScreeningRun.objects.create(
            official=run.official,
            region_code=run.region_code,
            upload_path=run.upload_path,
            original_name=run.original_name,
            input_format=run.input_format,
            output_format=run.output_format,
            upload_size=run.upload_size,
            as_of=run.as_of,
            rules=run.rules,
            retry_of=run,
        )
        record(
            actor,
            "screening.rerun",
            new,
            to_state=RunState.QUEUED,
            region_code=new.region_code,
            retry_of=run.pk,
            file=run.original_name,
            as_of=run.as_of.isoformat(),
            rules=run.rules,
        )
        result = run_screening.enqueue(new.pk)
        ScreeningRun.objects.filter(pk=new.pk).update(task_id=str(result.id)[:64])
    new.refresh_from_db()
    return new


def _files_of(run: ScreeningRun, *, with_upload: bool) -> list:
    paths = []
    for stored in (run.output_path, run.results_path, run.errors_path) + (
        (run.upload_path,) if with_upload else ()
    ):
        try:
            paths.append(files.absolute(stored))
        except FileNotFoundError:
            continue  # empty, or outside the screening folder: never ours to delete
    return paths


def expire_old_files() -> list[int]:
    """Delete the files of finished runs uploaded more than keep_days() ago; returns their ids (audited).

    Why: registry extracts name every enterprise of a region and are large; they are kept only for the
    retention period. The run row and its candidates (and so the pool) stay; the page then says the
    files were deleted. Queued and running runs are never touched, and an upload still used by a
    younger run (a re-run of the same file) stays until that run expires too.
    """
    days = keep_days()
    now = timezone.now()
    cutoff = now - dt.timedelta(days=days)
    due = ScreeningRun.objects.filter(
        created_at__lt=cutoff,
        files_expired_at__isnull=True,
        state__in=(RunState.DONE, RunState.FAILED),
    )
    expired = []
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            run = due.select_for_update().filter(pk=pk).first()
            if run is None:
                continue
            shared = (
                ScreeningRun.objects.filter(upload_path=run.upload_path, files_expired_at__isnull=True)
                .exclude(pk=run.pk)
                .exists()
            )
            doomed = _files_of(run, with_upload=not shared)
            run.files_expired_at, run.files_kept_days = now, days
            run.save(update_fields=["files_expired_at", "files_kept_days"])
            record(
                None,
                "screening.files_expired",
                run,
                region_code=run.region_code,
                keep_days=days,
                files=[files.relative(p) for p in doomed if p.exists()],
                upload_kept_for_rerun=shared,
            )
        for path in doomed:
            path.unlink(missing_ok=True)
        shutil.rmtree(files.run_dir(pk), ignore_errors=True)
        expired.append(pk)
    return expired


# ---------------------------------------------------------------------------
# A plan for a candidate the screening did not plan


def _why_not_plannable(candidate: Candidate) -> str:
    if not candidate.next_tier:
        return gettext("“%(candidate)s”已达最高层次，没有下一层次需要规划。") % {"candidate": candidate}
    if candidate.gap_reaches is not None:
        return gettext("“%(candidate)s”已有调整方案，见“下一层次与差距”一栏。") % {"candidate": candidate}
    return gettext(
        "“%(candidate)s”的下一层次尚待补充数据才能判定：请在名录中补齐“差距”一栏所列的数据后重新筛查。"
    ) % {"candidate": candidate}


def plan_candidate(actor, candidate: Candidate) -> Candidate:
    """Compute the gap plan of a candidate outside the rows the run planned, from the stored upload (audited).

    A screening plans the rows closest to their next tier (ZJTX["SCREENING_GAPS"], 1,000 by default); the other
    candidates show what stands in their way (`gap_missing`) but not how much to change. An official who looks at
    such a candidate asks for its plan here: the same computation, for that row alone. Who may: whoever may open
    the run, and whoever has the candidate in their region's pool (a county's pool holds rows of a city's runs).
    """
    prefix = _require_official(actor)
    run = candidate.run
    pooled_here = candidate.in_pool and region_in_scope(
        actor, candidate.region
    )  # e.g. a county's pool, a city's run
    if not (pooled_here or (can_see_run(actor, run) and region_in_scope(actor, candidate.region))):
        raise NotAllowed(gettext("“%(candidate)s”不在您的管辖范围内。") % {"candidate": candidate})
    if not candidate.plannable:
        raise NotAllowed(_why_not_plannable(candidate))
    if run.state != RunState.DONE or run.files_expired or not run.upload_path:
        raise NotAllowed(
            gettext("%(run)s 的上传文件已按保留期删除，无法计算调整方案；请重新上传名录筛查。") % {"run": run}
        )
    kept = files.upload_rows(run.pk)
    try:
        source = kept if kept.is_file() else files.absolute(run.upload_path)
        gap, reaches = engine.plan_screened_row(source, candidate.row, as_of=run.as_of, rules=run.rules)
    except FileNotFoundError:
        raise NotAllowed(gettext("%(run)s 的上传文件已不存在；请重新上传名录文件。") % {"run": run}) from None
    except engine.ScreeningFailed as exc:
        raise InvalidInput(exc.message, [("candidate", exc.message)]) from None
    if reaches is None:
        raise InvalidInput(
            gettext("第 %(row)s 行按上传文件重新计算后没有可规划的下一层次；请重新筛查")
            % {"row": candidate.row},
            [("candidate", gettext("无法规划"))],
        )
    with transaction.atomic():
        candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
        if candidate.gap_reaches is not None:  # a colleague's click got there first: the same plan
            return candidate
        before = candidate.gap
        candidate.gap, candidate.gap_reaches = gap, reaches
        candidate.save(update_fields=["gap", "gap_reaches"])
        record(
            actor,
            "screening.plan",
            candidate,
            region_code=prefix,
            run=run.pk,
            row=candidate.row,
            before=before,
            after=gap,
            reaches=reaches,
        )
    return candidate


# ---------------------------------------------------------------------------
# The candidate pool (培育库)


def add_to_pool(actor, run: ScreeningRun, candidate_ids, *, note: str = "") -> tuple[int, int, int]:
    """Put candidates of a finished run into the pool; returns (added, replaced older entries of the same enterprise,
    chosen but not added: already in the pool or outside the official's region).

    An enterprise already in the official's region's pool from an earlier run is replaced by this run's row (newer
    data), keeping its note; another region's pool entry of the same enterprise is left alone.
    """
    prefix = _require_official(actor)
    if not can_see_run(actor, run):
        raise NotAllowed(gettext("%(run)s 不在您的管辖范围内。") % {"run": run})
    if run.state != RunState.DONE:
        raise NotAllowed(gettext("%(run)s 尚未完成，完成后才能加入培育库。") % {"run": run})
    ids = {int(i) for i in candidate_ids if str(i).isdigit()}
    if not ids:
        raise InvalidInput(gettext("请先勾选要加入培育库的企业。"), [("candidate", gettext("未选择企业"))])
    added = replaced = 0
    with transaction.atomic():
        chosen = list(
            Candidate.objects.select_for_update()
            .filter(run=run, pk__in=ids, in_pool=False)
            .filter(region__startswith=prefix)
        )
        now = timezone.now()
        for cand in chosen:
            older = (
                list(
                    Candidate.objects.select_for_update()
                    # only this region's pool: another region's entry of the enterprise (it moved, or a registry
                    # disagrees) and its officials' notes are theirs
                    .filter(in_pool=True, credit_code=cand.credit_code, region__startswith=prefix)
                    .exclude(credit_code="")
                    .exclude(pk=cand.pk)
                )
                if cand.credit_code
                else []
            )
            notes = [o.pool_note for o in older if o.pool_note]
            for o in older:
                o.in_pool = False
                o.save(update_fields=["in_pool"])
                replaced += 1
            cand.in_pool, cand.pooled_by, cand.pooled_at = True, actor, now
            cand.pool_note = note.strip() or "\n".join(notes)
            cand.save(update_fields=["in_pool", "pooled_by", "pooled_at", "pool_note"])
            added += 1
        if added:
            record(
                actor,
                "screening.pool_add",
                run,
                region_code=prefix,
                added=added,
                replaced=replaced,
                candidates=[c.pk for c in chosen][:500],
            )
    return added, replaced, len(ids) - added


def _pool_candidate(actor, candidate: Candidate) -> str:
    prefix = _require_official(actor)
    if not candidate.in_pool or not region_in_scope(actor, candidate.region):
        raise NotAllowed(gettext("“%(candidate)s”不在您辖区的培育库中。") % {"candidate": candidate})
    return prefix


def remove_from_pool(actor, candidate: Candidate, *, reason: str = "") -> None:
    with transaction.atomic():
        candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
        prefix = _pool_candidate(actor, candidate)
        candidate.in_pool = False
        candidate.save(update_fields=["in_pool"])
        record(
            actor,
            "screening.pool_remove",
            candidate,
            from_state="in_pool",
            to_state="removed",
            reason=reason.strip(),
            region_code=prefix,
            run=candidate.run_id,
        )


def set_pool_note(actor, candidate: Candidate, note: str) -> Candidate:
    note = (note or "").strip()
    if len(note) > 2000:
        raise InvalidInput(gettext("备注：最多 2000 字"), [("note", gettext("过长"))])
    with transaction.atomic():
        candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
        prefix = _pool_candidate(actor, candidate)
        before = candidate.pool_note
        candidate.pool_note = note
        candidate.save(update_fields=["pool_note"])
        record(actor, "screening.pool_note", candidate, region_code=prefix, before=before, after=note)
    return candidate
