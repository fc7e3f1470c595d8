"""主动发现: an official uploads a registry, the job screens it, the result becomes files and a candidate pool.

Real synthetic registries (zjtx.synth), real files on disk, the real engine; tasks run inline
(ImmediateBackend, the test settings). The worker path is in test_screening_worker.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import cache

import openpyxl
import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.audit.models import AuditEntry
from portal.screening import files
from portal.screening.models import Candidate, RunState, ScreeningRun
from zjtx.synth import generate_chunk

from .factories import make_user

pytestmark = pytest.mark.django_db

# Synthetic registries: real `zjtx synth` rows, placed in Hangzhou on purpose; every tenth row is
# registered in 成都市武侯区 (510107), outside the Hangzhou officials' region.
AS_OF = dt.date(2026, 6, 30)  # the 2026 measures; last full year 2025
YEAR = 2025
HZ_COUNTIES = ("330106", "330110", "330102", "330105")
OUTSIDE = "510107"


@cache
def registry(n: int = 300, seed: int = 1) -> pl.DataFrame:
    frame = generate_chunk(0, n, seed, YEAR)
    regions = [OUTSIDE if i % 10 == 9 else HZ_COUNTIES[i % len(HZ_COUNTIES)] for i in range(n)]
    return frame.with_columns(pl.Series("region", regions))


def as_bytes(frame: pl.DataFrame, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "parquet":
        frame.write_parquet(buf)
    elif fmt == "csv":
        frame.write_csv(buf)
    else:
        frame.write_excel(buf, worksheet="名录")
    return buf.getvalue()


def outside_rows(frame: pl.DataFrame) -> int:
    return int((frame["region"] == OUTSIDE).sum())


@pytest.fixture(autouse=True)
def screening_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.ZJTX = {**settings.ZJTX, "SCREENING_GAPS": 40}
    return tmp_path


def upload(client, data: bytes, name: str, *, as_of=AS_OF, rules="", output_format=""):
    return client.post(
        reverse("screening:new"),
        {
            "file": SimpleUploadedFile(name, data),
            "as_of": as_of.isoformat(),
            "rules": rules,
            "output_format": output_format,
        },
    )


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def hz_run(client, gov):
    """The Hangzhou city official's screening of a 300-row Excel registry (30 rows in Chengdu)."""
    client.force_login(gov["hz_city"])
    response = upload(client, as_bytes(registry(), "xlsx"), "杭州市企业名录.xlsx")
    assert response.status_code == 302, response.content.decode()[:2000]
    run = ScreeningRun.objects.get()
    assert response["Location"] == reverse("screening:detail", args=[run.pk])
    assert "已上传“杭州市企业名录.xlsx”，筛查已开始。" in page(client, response["Location"])
    return run


def test_city_official_screens_an_excel_registry_through_the_page(client, gov, hz_run):
    run = hz_run
    run.refresh_from_db()
    assert run.state == RunState.DONE, run.error_message
    assert run.official == gov["hz_city"] and run.region_code == "3301"
    assert run.input_format == "xlsx" and run.output_format == "xlsx" and run.rules == "cn-miit-2026"
    stored = files.absolute(run.upload_path)
    assert stored.parent == files.screening_root().resolve() and stored.suffix == ".xlsx"
    assert "杭州" not in stored.name  # a random name on disk; the user's name is only shown

    html = page(client, reverse("screening:detail", args=[run.pk]))
    inside = 300 - outside_rows(registry())
    assert "筛查已完成" in html
    assert f"已处理 {inside} / {inside} 行" in html
    assert "30 行不在本辖区（浙江省杭州市）内，已忽略。" in html
    assert f"本辖区共 {inside} 行。" in html
    summary = run.summary
    assert summary["rows"] == inside and summary["outside_region"] == 30 and summary["input_rows"] == 300
    for tier, label in [("tech_innovative", "科技和创新型中小企业"), ("specialized", "专精特新中小企业")]:
        assert label in html
        assert summary["highest_tier"][tier] > 0
    assert "没有数据有误的行。" in html

    # candidates: only rows inside Hangzhou, each either at some tier or within reach of the next
    cands = list(Candidate.objects.filter(run=run))
    assert len(cands) == summary["candidates"] > 0
    assert all(c.region.startswith("3301") for c in cands)
    assert all(c.row % 10 != 0 for c in cands)  # rows 10, 20, … are the Chengdu ones
    reached = sum(summary["highest_tier"][t] for t in ("tech_innovative", "specialized", "little_giant"))
    assert sum(1 for c in cands if c.highest_tier) == reached
    assert all(c.highest_tier or c.gap_reaches for c in cands)
    # every candidate that surely misses its next tier says what it lacks: the plan, or (beyond the planned rows)
    # gap_missing; where the next tier is undetermined (figures missing) there is nothing to say yet
    missing_next = [c for c in cands if c.next_tier and c.qualified.get(c.next_tier) is False]
    assert missing_next and all(c.gap for c in missing_next)
    assert not any(c.gap for c in cands if c.next_tier and c.qualified.get(c.next_tier) is None)
    assert f"候选企业（{len(cands)} 家）" in html

    # the result file: Excel, the screened rows with the uploaded file's row numbers
    response = client.get(reverse("screening:download", args=[run.pk, "result"]))
    assert response.status_code == 200
    assert "%E7%AD%9B%E6%9F%A5%E7%BB%93%E6%9E%9C" in response["Content-Disposition"]  # 筛查结果
    assert (
        response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"] == "private, no-store"
    )
    workbook = b"".join(response.streaming_content)
    result = pl.read_excel(io.BytesIO(workbook))
    assert result.height == inside
    guide = pl.read_excel(io.BytesIO(workbook), sheet_name="列说明")  # what each column means, in Chinese
    assert set(result.columns) <= set(guide["列名"]) and "科技和创新型中小企业" in guide["含义"].to_list()
    assert sorted(result["row"].to_list()) == [r for r in range(1, 301) if r % 10 != 0]
    assert set(result["region"].cast(pl.String).str.slice(0, 4).to_list()) == {"3301"}

    actions = list(
        AuditEntry.objects.filter(target_type="screening.screeningrun", target_id=str(run.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["screening.start", "screening.running", "screening.done"]


def test_candidate_tiers_equal_the_single_profile_engine(client, gov):
    """Pick rows and evaluate them one by one through rulebook's single path: same highest tier."""
    from rulebook import default_registry
    from rulebook.flat import local_kinds, normalize
    from rulebook.screen_gaps import facts_from_row, single_path

    client.force_login(gov["hz_city"])
    frame = registry()
    assert upload(client, as_bytes(frame, "parquet"), "registry.parquet").status_code == 302
    run = ScreeningRun.objects.get()
    assert run.state == RunState.DONE, run.error_message
    reg = default_registry()
    base = reg.get(run.rules)
    kinds = local_kinds(reg, base.id)

    def single(row_number: int) -> str:
        raw = frame.slice(row_number - 1, 1)
        row = normalize(raw.lazy(), kinds).collect().row(0, named=True)
        return single_path(facts_from_row(row, run.as_of, kinds), base, reg).highest_tier

    with_tier = list(run.candidates.exclude(highest_tier="").order_by("-tier_rank", "row")[:6])
    within = list(run.candidates.filter(highest_tier="")[:3])
    assert any(c.highest_tier == "specialized" for c in with_tier)
    for cand in with_tier + within:
        assert single(cand.row) == (cand.highest_tier or "none"), cand.row
        assert frame["credit_code"][cand.row - 1] == cand.credit_code
    listed = set(run.candidates.values_list("row", flat=True))
    others = [r for r in range(1, 301) if r % 10 != 0 and r not in listed][:4]
    assert others
    for r in others:
        assert single(r) == "none", r


def test_bad_cells_are_counted_and_the_errors_csv_is_downloadable(client, gov):
    frame = registry().with_columns(
        pl.col("revenue_2025").cast(pl.String), pl.col("employees_2025").cast(pl.String)
    )
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 24)
        .then(pl.lit("abc"))
        .otherwise(pl.col("revenue_2025"))
        .alias("revenue_2025"),
        # row 40 is in Chengdu: its bad cell is not this official's business; row 42 is in Hangzhou
        pl.when(pl.int_range(pl.len()).is_in([39, 41]))
        .then(pl.lit("-3"))
        .otherwise(pl.col("employees_2025"))
        .alias("employees_2025"),
    )
    client.force_login(gov["hz_city"])
    assert upload(client, as_bytes(frame, "csv"), "名录.csv").status_code == 302
    run = ScreeningRun.objects.get()
    assert run.state == RunState.DONE, run.error_message
    html = page(client, reverse("screening:detail", args=[run.pk]))
    assert "2 行数据有误（共 2 处），这些行未给出结论。" in html
    assert "下载错误清单（CSV）" in html
    assert "下载筛查结果（CSV）" in html

    response = client.get(reverse("screening:download", args=[run.pk, "errors"]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["row"], r["field"]) for r in rows] == [("25", "revenue_2025"), ("42", "employees_2025")]
    assert rows[0]["id"] == frame["id"][24]
    assert rows[1]["message"].startswith("employees_2025: ")
    assert not Candidate.objects.filter(run=run, row__in=[25, 42]).exists()

    result = pl.read_csv(
        io.BytesIO(
            b"".join(client.get(reverse("screening:download", args=[run.pk, "result"])).streaming_content)
        ),
        infer_schema=False,
    )
    bad = result.filter(pl.col("row").is_in(["25", "42"]))
    assert bad.height == 2 and bad["highest_tier"].null_count() == 2


def test_a_result_file_gone_from_disk_is_a_404_saying_to_screen_again(client, gov, hz_run):
    run = ScreeningRun.objects.get(pk=hz_run.pk)
    files.absolute(run.output_path).unlink()
    response = client.get(reverse("screening:download", args=[run.pk, "result"]))
    assert response.status_code == 404
    assert (
        f"文件不存在或已被删除：筛查结果-{run.pk}.xlsx；请重新发起筛查。" in response.content.decode()
    )  # shown on the not-found page


def test_only_the_uploader_and_officials_above_see_the_run_and_its_files(client, gov, hz_run):
    run = hz_run
    urls = [
        reverse("screening:detail", args=[run.pk]),
        reverse("screening:progress", args=[run.pk]),
        reverse("screening:download", args=[run.pk, "result"]),
        reverse("screening:download", args=[run.pk, "errors"]),
    ]
    for who in ("cd_city", "sc_province", "xh_county", "yh_county"):
        client.force_login(gov[who])
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)
        cand = run.candidates.first()
        assert (
            client.post(reverse("screening:pool_add", args=[run.pk]), {"candidate": [cand.pk]}).status_code
            == 404
        )
        assert run.original_name not in page(client, reverse("screening:index"))
    for who in ("zj_province", "national"):
        client.force_login(gov[who])
        for url in urls:
            assert client.get(url).status_code == 200, (who, url)
        assert run.original_name in page(client, reverse("screening:index"))
    colleague = make_user("gov-hz-2", "city", "330100")
    client.force_login(colleague)
    assert client.get(urls[0]).status_code == 404  # a peer at the same level does not see it
    owner = make_user("ent-user", "enterprise")
    client.force_login(owner)
    assert client.get(urls[0]).status_code == 403
    assert client.get(reverse("screening:new")).status_code == 403


def test_an_official_moved_to_another_region_no_longer_opens_the_runs_of_the_region_left(client, gov, hz_run):
    """The administrator moves the Hangzhou official to Chengdu: their Hangzhou run (names, figures, files of
    Hangzhou enterprises) stayed open to them through `official=user`; officials above Hangzhou still see it."""
    run = hz_run
    moved = gov["hz_city"]
    moved.region_code = "510100"
    moved.save()
    client.force_login(moved)
    assert client.get(reverse("screening:detail", args=[run.pk])).status_code == 404
    assert client.get(reverse("screening:download", args=[run.pk, "result"])).status_code == 404
    assert run.original_name not in page(client, reverse("screening:index"))
    client.force_login(gov["zj_province"])
    assert client.get(reverse("screening:detail", args=[run.pk])).status_code == 200


def test_bulk_add_to_pool_then_note_remove_and_export(client, gov, hz_run):
    run = hz_run
    client.force_login(gov["hz_city"])
    picked = list(run.candidates.filter(region="330106").order_by("row")[:2]) + list(
        run.candidates.filter(region="330110").order_by("row")[:1]
    )
    response = client.post(
        reverse("screening:pool_add", args=[run.pk]), {"candidate": [c.pk for c in picked]}, follow=True
    )
    assert "已将 3 家企业加入培育库。" in response.content.decode()
    assert set(Candidate.objects.filter(in_pool=True).values_list("pk", flat=True)) == {c.pk for c in picked}

    html = page(client, reverse("screening:pool"))
    assert "共 3 家" in html
    for c in picked:
        assert c.name in html

    # the county official sees the pool entries of their own county only; Chengdu sees none
    client.force_login(gov["xh_county"])
    html = page(client, reverse("screening:pool"))
    assert picked[0].name in html and picked[1].name in html and picked[2].name not in html
    client.force_login(gov["cd_city"])
    assert "共 0 家" in page(client, reverse("screening:pool"))
    assert client.post(reverse("screening:pool_remove", args=[picked[0].pk])).status_code == 404

    # the county official notes one of theirs; the city official removes another
    client.force_login(gov["xh_county"])
    client.post(reverse("screening:pool_note", args=[picked[0].pk]), {"note": "已电话联系，计划明年申报"})
    client.force_login(gov["hz_city"])
    response = client.post(reverse("screening:pool_remove", args=[picked[2].pk]), follow=True)
    assert f"已将“{picked[2].name}”移出培育库。" in response.content.decode()

    response = client.get(reverse("screening:pool_export"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("企业名称", "统一社会信用代码", "注册地")
    assert sorted(r[0] for r in rows[1:]) == sorted([picked[0].name, picked[1].name])
    noted = next(r for r in rows[1:] if r[0] == picked[0].name)
    assert "已电话联系，计划明年申报" in noted and "浙江省杭州市西湖区" in noted

    audit = list(
        AuditEntry.objects.filter(action__startswith="screening.pool")
        .order_by("id")
        .values_list("action", "actor__username")
    )
    assert audit == [
        ("screening.pool_add", "gov-hz"),
        ("screening.pool_note", "gov-xh"),
        ("screening.pool_remove", "gov-hz"),
    ]


def test_add_all_filtered_and_a_newer_run_replaces_pool_entries(client, gov, hz_run):
    run = hz_run
    client.force_login(gov["hz_city"])
    specialized = run.candidates.filter(highest_tier="specialized")
    n = specialized.count()
    assert n > 0
    html = page(client, reverse("screening:detail", args=[run.pk]) + "?tier=specialized&sort=name")
    assert f"全部加入（当前筛选的 {n} 家）" in html
    response = client.post(
        reverse("screening:pool_add", args=[run.pk]),
        {"all": "1", "tier": "specialized", "back": "?tier=specialized"},
    )
    assert response["Location"].endswith("?tier=specialized")
    assert Candidate.objects.filter(in_pool=True).count() == n
    first = specialized.order_by("row").first()
    client.post(reverse("screening:pool_note", args=[first.pk]), {"note": "重点培育"})

    # the same registry screened again: adding the same enterprises moves the pool to the newer rows
    assert upload(client, as_bytes(registry(), "xlsx"), "杭州市企业名录（更新）.xlsx").status_code == 302
    newer = ScreeningRun.objects.exclude(pk=run.pk).get()
    response = client.post(
        reverse("screening:pool_add", args=[newer.pk]), {"all": "1", "tier": "specialized"}, follow=True
    )
    assert f"其中 {n} 家已在培育库中，已更新为本次筛查结果。" in response.content.decode()
    pool = Candidate.objects.filter(in_pool=True)
    assert pool.count() == n and set(pool.values_list("run_id", flat=True)) == {newer.pk}
    assert pool.get(credit_code=first.credit_code).pool_note == "重点培育"


def test_another_regions_official_adding_the_same_enterprise_leaves_this_regions_pool_alone(
    client, gov, hz_run
):
    """An enterprise may be in two regions' registries (it moved; a registry disagrees). Chengdu pooling its row must
    not take it out of Hangzhou's pool, nor carry Hangzhou's note over to Chengdu."""
    client.force_login(gov["hz_city"])
    first = hz_run.candidates.filter(highest_tier="specialized").order_by("row").first()
    client.post(reverse("screening:pool_add", args=[hz_run.pk]), {"candidate": [first.pk]})
    client.post(reverse("screening:pool_note", args=[first.pk]), {"note": "西湖区重点培育，勿外传"})

    moved = registry().with_columns(
        pl.when(pl.int_range(pl.len()) == first.row - 1)
        .then(pl.lit(OUTSIDE))
        .otherwise(pl.col("region"))
        .alias("region")
    )
    client.force_login(gov["cd_city"])
    assert upload(client, as_bytes(moved, "csv"), "成都市企业名录.csv").status_code == 302
    cd_run = ScreeningRun.objects.exclude(pk=hz_run.pk).get()
    there = cd_run.candidates.get(credit_code=first.credit_code)
    response = client.post(
        reverse("screening:pool_add", args=[cd_run.pk]), {"candidate": [there.pk]}, follow=True
    )
    assert "已将 1 家企业加入培育库。" in response.content.decode()
    assert "已更新为本次筛查结果" not in response.content.decode()
    there.refresh_from_db()
    first.refresh_from_db()
    assert there.in_pool and there.pool_note == ""
    assert first.in_pool and first.pool_note == "西湖区重点培育，勿外传"
    client.force_login(gov["hz_city"])
    assert first.name in page(client, reverse("screening:pool"))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "名录.csv",
            "id,name,region,revenue_2025\nE1,杭州某某科技有限公司,330106,100\n".encode("gbk"),
            "CSV 不是 UTF-8 编码（可能是 GBK）",
        ),
        ("名录.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "这是旧版 Excel（.xls）文件"),
        ("名录.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "不是 Parquet、Excel（.xlsx）或 CSV 文件"),
        ("名录.parquet", b"PAR1" + b"\x00" * 50, "Parquet 文件不完整"),
        ("名录.xlsx", b"PK\x03\x04not really a zip", "Excel 文件已损坏"),
        ("名录.csv", "企业名称,营业收入\n甲,100\n".encode(), "表头中没有规则可用的列"),
        ("名录.csv", b"id,revenue_2025,industry\nE1,100,C3484\n", "缺少 region 列"),
        ("名录.csv", b"", "是空文件"),
        ("名录.xlsx", "title", "第一行应是列名（表头），这里像是标题或合并单元格"),
    ],
)
def test_uploads_are_checked_by_content_before_any_job(client, gov, screening_dir, name, data, message):
    if data == "title":  # a workbook whose first row is a merged title above the header
        wb = openpyxl.Workbook()
        wb.active.append(["杭州市企业名录（2025）"])
        wb.active.merge_cells("A1:D1")
        wb.active.append(["id", "region", "industry", "revenue_2025"])
        buf = io.BytesIO()
        wb.save(buf)
        data = buf.getvalue()
    client.force_login(gov["xh_county"])
    response = upload(client, data, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ScreeningRun.objects.exists()
    assert not any(p.is_file() for p in (screening_dir / "media").rglob("*"))


def test_a_county_official_fills_the_template_in_excel_terms_and_screens_it(client, gov):
    client.force_login(gov["xh_county"])
    html = page(client, reverse("screening:new"))
    assert "金额以“元”为单位（不是万元）" in html and reverse("screening:format") in html
    assert "revenue_2025" in page(client, reverse("screening:format"))
    response = client.get(reverse("screening:template"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the Chinese
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 2
    header, example = rows
    assert {"id", "name", "credit_code", "region", "industry", "revenue_2025", "rd_expense_2025"} <= set(
        header
    )
    assert example[header.index("region")] == "330106"
    # only what the rules in force read: no earlier year than they look at, nothing screening would then ignore
    assert "revenue_2022" not in header and "established" not in header
    assert upload(client, body, "我的名录.csv").status_code == 302
    run = ScreeningRun.objects.get()
    assert run.state == RunState.DONE, run.error_message
    assert run.summary["rows"] == 1 and run.summary["error_rows"] == 0 and run.summary["outside_region"] == 0
    assert run.summary["notes"] == [], run.summary["notes"]
    # an example to copy: every cell filled, and every tier decided on it (a blank made the example "待定")
    assert all(cell != "" for cell in example), [
        h for h, cell in zip(header, example, strict=True) if cell == ""
    ]
    assert all(t["undetermined"] == 0 for t in run.summary["tiers"].values()), run.summary["tiers"]


def test_progress_fragment_polls_while_running_and_refreshes_when_done(client, gov):
    official = gov["hz_city"]
    run = ScreeningRun.objects.create(
        official=official,
        region_code="3301",
        upload_path="screening/x.parquet",
        original_name="x.parquet",
        input_format="parquet",
        output_format="parquet",
        as_of=AS_OF,
        rules="cn-miit-2026",
        state=RunState.RUNNING,
        phase="筛查",
        rows_done=12000,
        rows_total=50000,
    )
    client.force_login(official)
    html = page(client, reverse("screening:progress", args=[run.pk]))
    assert "已处理 12,000 / 50,000 行" in html and 'hx-trigger="every 1s"' in html
    assert "已处理 12,000 / 50,000 行" in page(client, reverse("screening:detail", args=[run.pk]))
    ScreeningRun.objects.filter(pk=run.pk).update(phase="差距分析", phase_done=120, phase_total=1000)
    assert "计算差距清单：120 / 1,000 家" in page(client, reverse("screening:progress", args=[run.pk]))
    ScreeningRun.objects.filter(pk=run.pk).update(state=RunState.FAILED, error_message="文件无法读取（测试）")
    response = client.get(reverse("screening:progress", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    html = response.content.decode()
    assert "筛查失败：" in html and "文件无法读取（测试）" in html and "hx-trigger" not in html


def test_a_file_the_engine_cannot_read_fails_the_run_and_keeps_the_upload(client, gov):
    client.force_login(gov["xh_county"])
    data = b"id,region,revenue_2025,employees_2025\nA,330106,100,5\nB,330106,1,2,3,4\n"
    assert upload(client, data, "坏文件.csv").status_code == 302
    run = ScreeningRun.objects.get()
    assert run.state == RunState.FAILED
    assert "第 1 行起的数据无法读取" in run.error_message
    assert files.absolute(run.upload_path).is_file()
    html = page(client, reverse("screening:detail", args=[run.pk]))
    assert "筛查失败：" in html and "上传的文件已保留" in html
    assert client.get(reverse("screening:download", args=[run.pk, "result"])).status_code == 404
    assert AuditEntry.objects.filter(action="screening.failed", target_id=str(run.pk)).exists()


def test_results_that_cannot_be_written_fail_with_what_the_administrator_should_check(tmp_path):
    """The engine cannot write the results (here: a directory is in the way; in practice a full disk while the
    results of a large registry are spilled): the run fails with a Chinese message naming what to check."""
    from portal.assessments import engine

    src = tmp_path / "registry.csv"
    src.write_bytes(as_bytes(registry(), "csv"))
    work = tmp_path / "work"
    work.mkdir()
    blocked = tmp_path / "results.parquet"
    blocked.mkdir()  # a directory where the results file goes: the write fails as on a full disk
    with pytest.raises(engine.ScreeningFailed) as caught:
        engine.screen_file(
            src,
            work / "out.parquet",
            as_of=AS_OF,
            rules=None,
            errors_path=work / "errors.csv",
            progress=lambda *a: None,
            results_path=blocked,
        )
    assert "写出筛查结果或临时文件失败" in caught.value.message and "磁盘空间" in caught.value.message
    assert src.exists()


def test_a_candidate_beyond_the_planned_rows_gets_its_plan_on_request(client, gov, hz_run, tmp_path):
    """The run plans its 40 closest rows (the test setting); any other candidate's plan is computed on request, and it
    is the plan the whole screening gives that row when every row is planned."""
    from zjtx.screen import screen

    run = hz_run
    unplanned = [c for c in run.candidates.order_by("row") if c.plannable]
    assert len(unplanned) >= 4, "every candidate was planned: the test needs more rows than SCREENING_GAPS"
    cand = unplanned[0]
    assert cand.gap.startswith("【")  # what stands in the way, without amounts
    detail = reverse("screening:detail", args=[run.pk])
    plan_url = reverse("screening:candidate_plan", args=[cand.pk])
    assert plan_url in page(client, detail)

    # the same registry screened from the same workbook with every row planned
    book = tmp_path / "registry.xlsx"
    book.write_bytes(as_bytes(registry(), "xlsx"))
    screen(book, tmp_path / "all.parquet", as_of=run.as_of, rules=run.rules, gaps=10_000, progress=False)
    expected = pl.read_parquet(tmp_path / "all.parquet").filter(pl.col("row") == cand.row).row(0, named=True)
    assert expected["gap"]

    # a workbook's rows are kept as Parquet by the screening: parsing a large workbook for one row takes a minute
    assert files.upload_rows(run.pk).is_file()
    response = client.post(plan_url, {"back": "?sort=row"})
    assert response.status_code == 302
    assert response["Location"] == f"{detail}?sort=row#c{cand.pk}"
    cand.refresh_from_db()
    assert (cand.gap, cand.gap_reaches) == (expected["gap"], expected["gap_reaches"])
    html = page(client, detail + "?sort=row")
    assert "已计算" in html and cand.gap in html
    entry = AuditEntry.objects.filter(action="screening.plan").get()
    assert entry.actor == gov["hz_city"] and entry.target_id == str(cand.pk)

    # a candidate whose next tier waits for missing figures has nothing to plan yet: no button, and asking says why
    by_row = list(run.candidates.order_by("row", "pk"))
    waiting = next(c for c in by_row if c.next_tier and c.qualified.get(c.next_tier) is None)
    waiting_url = reverse("screening:candidate_plan", args=[waiting.pk])
    shown = page(client, f"{detail}?sort=row&page={by_row.index(waiting) // 100 + 1}")
    assert f'id="c{waiting.pk}"' in shown and waiting_url not in shown
    client.post(waiting_url, {})
    assert "尚待补充数据才能判定" in page(client, detail)

    # asked again: nothing to do, said so; another region's official cannot ask at all
    client.post(plan_url, {})
    assert "已有调整方案" in page(client, detail)
    client.force_login(gov["cd_city"])
    assert client.post(plan_url, {}).status_code == 404

    # from the pool (培育库), back to the pool
    client.force_login(gov["hz_city"])
    pooled = unplanned[1]
    client.post(reverse("screening:pool_add", args=[run.pk]), {"candidate": [pooled.pk]})
    pool_url = reverse("screening:pool")
    assert reverse("screening:candidate_plan", args=[pooled.pk]) in page(client, pool_url)
    response = client.post(
        reverse("screening:candidate_plan", args=[pooled.pk]), {"from": "pool", "back": "?"}
    )
    assert response["Location"] == f"{pool_url}?#c{pooled.pk}"
    pooled.refresh_from_db()
    assert pooled.gap_reaches is not None and pooled.gap in page(client, pool_url)

    # a county official has the city's pooled rows of the county in the county's pool, and may ask there too
    county = next(c for c in unplanned[3:] if c.region == "330106")
    client.post(reverse("screening:pool_add", args=[run.pk]), {"candidate": [county.pk]})
    client.force_login(gov["xh_county"])
    assert client.get(detail).status_code == 404  # the city's run itself stays the city's
    assert reverse("screening:candidate_plan", args=[county.pk]) in page(client, pool_url)
    client.post(reverse("screening:candidate_plan", args=[county.pk]), {"from": "pool"})
    county.refresh_from_db()
    assert county.gap_reaches is not None
    client.force_login(gov["hz_city"])

    # once the retention period removed the upload, the page says what to do instead
    other = unplanned[2]
    files.absolute(run.upload_path).unlink()
    ScreeningRun.objects.filter(pk=run.pk).update(files_expired_at=dt.datetime.now(dt.UTC))
    client.post(reverse("screening:candidate_plan", args=[other.pk]), {})
    assert "上传文件已按保留期删除" in page(client, detail)
    other.refresh_from_db()
    assert other.gap_reaches is None and other.gap.startswith("【")


def test_a_plan_on_request_from_a_csv_upload_is_the_screenings_plan(client, gov, tmp_path):
    from zjtx.screen import screen

    client.force_login(gov["hz_city"])
    data = as_bytes(registry(), "csv")
    assert upload(client, data, "名录.csv").status_code == 302
    run = ScreeningRun.objects.get()
    assert run.state == RunState.DONE, run.error_message
    assert not files.upload_rows(run.pk).exists()  # a CSV is read one row as fast as any
    (tmp_path / "all.csv").write_bytes(data)
    screen(
        tmp_path / "all.csv",
        tmp_path / "all.parquet",
        as_of=run.as_of,
        rules=run.rules,
        gaps=10_000,
        progress=False,
    )
    planned = pl.read_parquet(tmp_path / "all.parquet")
    unplanned = [c for c in run.candidates.order_by("-row") if c.plannable][:3]
    assert unplanned
    for cand in unplanned:
        client.post(reverse("screening:candidate_plan", args=[cand.pk]), {})
        cand.refresh_from_db()
        expected = planned.filter(pl.col("row") == cand.row).row(0, named=True)
        assert (cand.gap, cand.gap_reaches) == (expected["gap"], expected["gap_reaches"]), cand.row


def test_the_english_pages_name_tiers_and_rules_in_english(client, gov, hz_run, settings):
    """The tier and rule-set names come from the rule data, which words them in both languages: an official who
    switched to English reads "Specialised SME", not "专精特新中小企业" (the labels were cached in Chinese)."""
    from rulebook import default_registry

    rs = default_registry().get(hz_run.rules)
    client.force_login(gov["hz_city"])
    chinese = page(client, reverse("screening:detail", args=[hz_run.pk]))
    assert rs.tiers["specialized"].zh in chinese and rs.zh in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = page(client, reverse("screening:detail", args=[hz_run.pk]))
    assert rs.tiers["specialized"].en in english and f"{rs.en} ({rs.id})" in english
    # the filter's options and the highest-tier cells (the gap texts stay as the screening wrote them, in Chinese)
    for tier in ("specialized",):
        assert f">{rs.tiers[tier].en}</option>" in english and f">{rs.tiers[tier].zh}</option>" not in english
    assert f'<td class="sc-nowrap">{rs.tiers["specialized"].zh}</td>' not in english


def test_the_filter_choices_read_each_value_once(client, gov, hz_run):
    """The county, tier and industry choices were SELECT DISTINCT over the default order (run,
    row): one row per candidate, 20,000 rows three times on each view of a province's run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        page(client, reverse("screening:detail", args=[hz_run.pk]))
        page(client, reverse("screening:pool"))
    distinct = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT DISTINCT")]
    assert len(distinct) == 6
    assert not [q for q in distinct if "ORDER BY" in q]
