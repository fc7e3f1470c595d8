"""Province-scale screening (主动发现): an uploaded registry extract, its background run, and its candidates.

Why a model per run: screening a large registry takes minutes, so the upload, the progress, the
summary and the result files live in a row the page can poll; the candidates are copied into
rows so that officials can filter them and keep the promising ones in the candidate pool (培育库).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class RunState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("筛查中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class FileFormat(models.TextChoices):
    PARQUET = "parquet", "Parquet"
    CSV = "csv", "CSV"
    XLSX = "xlsx", _("Excel（.xlsx）")


class ScreeningRun(models.Model):
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="screening_runs",
    )
    # The official's region prefix at upload time ('' = national): rows outside it are not screened.
    region_code = models.CharField(_("辖区代码前缀"), max_length=6, blank=True, default="", db_index=True)
    upload_path = models.CharField(_("上传文件（相对 media 目录）"), max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=255)
    input_format = models.CharField(_("上传格式"), max_length=8, choices=FileFormat.choices)
    output_format = models.CharField(_("结果格式"), max_length=8, choices=FileFormat.choices)
    upload_size = models.PositiveBigIntegerField(_("文件大小（字节）"), default=0)
    as_of = models.DateField(_("评估日期"))
    rules = models.CharField(_("规则集"), max_length=40)
    state = models.CharField(
        _("状态"), max_length=10, choices=RunState.choices, default=RunState.QUEUED, db_index=True
    )
    phase = models.CharField(_("当前步骤"), max_length=40, blank=True, default="")
    phase_done = models.PositiveBigIntegerField(_("当前步骤已完成"), default=0)
    phase_total = models.PositiveBigIntegerField(_("当前步骤总数"), default=0)
    rows_done = models.PositiveBigIntegerField(_("已处理行数"), default=0)
    rows_total = models.PositiveBigIntegerField(_("总行数"), default=0)
    summary = models.JSONField(_("摘要"), default=dict, blank=True)
    error_message = models.TextField(_("失败原因"), blank=True, default="")
    output_path = models.CharField(_("结果文件"), max_length=300, blank=True, default="")
    results_path = models.CharField(_("结果表（Parquet）"), max_length=300, blank=True, default="")
    errors_path = models.CharField(_("错误清单"), max_length=300, blank=True, default="")
    task_id = models.CharField(_("后台任务编号"), max_length=64, blank=True, default="")
    # The job's last sign of life (start, each progress step): a running run silent for longer than
    # ZJTX_SCREENING_STALE_MINUTES lost its worker and is failed by actions.fail_stale_runs.
    heartbeat_at = models.DateTimeField(_("最近进展时间"), null=True, blank=True)
    retry_of = models.ForeignKey(
        "self",
        verbose_name=_("重新筛选自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retries",
    )
    # Set when the retention period (ZJTX_SCREENING_KEEP_DAYS) removed the upload and the result files;
    # the row and its candidates stay.
    files_expired_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True)
    files_kept_days = models.PositiveIntegerField(_("文件保留天数"), default=0)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("筛查批次")
        verbose_name_plural = _("筛查批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return gettext("筛查 #%(pk)s（%(name)s）") % {"pk": self.pk, "name": self.original_name}

    @property
    def is_active(self) -> bool:
        return self.state in (RunState.QUEUED, RunState.RUNNING)

    @property
    def files_expired(self) -> bool:
        return self.files_expired_at is not None


class Candidate(models.Model):
    run = models.ForeignKey(
        ScreeningRun, verbose_name=_("筛查批次"), on_delete=models.CASCADE, related_name="candidates"
    )
    row = models.PositiveBigIntegerField(_("行号"))
    external_id = models.CharField(_("名录编号"), max_length=100, blank=True, default="")
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=40, blank=True, default="", db_index=True
    )
    name = models.CharField(_("企业名称"), max_length=200, blank=True, default="")
    region = models.CharField(_("注册地代码"), max_length=12, blank=True, default="", db_index=True)
    industry = models.CharField(_("行业代码"), max_length=8, blank=True, default="")
    size = models.CharField(_("企业规模"), max_length=10, blank=True, default="")
    highest_tier = models.CharField(_("最高层次"), max_length=40, blank=True, default="")
    tier_rank = models.PositiveSmallIntegerField(_("层次序号"), default=0)  # 0 none, 1.. the ladder upwards
    qualified = models.JSONField(_("各层次是否符合"), default=dict, blank=True)
    next_tier = models.CharField(_("下一层次"), max_length=40, blank=True, default="")
    gap = models.TextField(_("差距清单"), blank=True, default="")
    gap_reaches = models.BooleanField(_("差距清单可达"), null=True)
    in_pool = models.BooleanField(_("在培育库中"), default=False, db_index=True)
    pool_note = models.TextField(_("备注"), blank=True, default="")
    pooled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("加入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pooled_at = models.DateTimeField(_("加入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("候选企业")
        verbose_name_plural = _("候选企业")
        ordering = ["run", "row"]
        constraints = [models.UniqueConstraint(fields=["run", "row"], name="screening_candidate_run_row")]
        indexes = [models.Index(fields=["in_pool", "region"], name="screening_pool_region")]

    def __str__(self) -> str:
        return self.name or self.credit_code or gettext("第 %(row)s 行") % {"row": self.row}

    @property
    def plannable(self) -> bool:
        """Its next tier is surely missed and the run did not plan it: a plan can be asked for (`plan_candidate`)."""
        return (
            bool(self.next_tier) and self.gap_reaches is None and self.qualified.get(self.next_tier) is False
        )
