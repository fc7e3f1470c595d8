"""Three real installations talking to each other: 西湖区 (county) → 杭州 (city) → 浙江 (province).

Each installation is its own `manage.py runserver` process on 127.0.0.1 with its own SQLite file,
data folder, node identity (ZJTX_NODE_*) and Ed25519 key made by `exchange_keygen`. Peers are
registered with `exchange_children add` / `exchange_parent set` (called in each installation's
setup script, to save a process start per command). The test then drives them as
their users and operators would: officials through the pages over HTTP (log in, recommend upward,
approve, recognise, "立即同步"), the scheduled pull through `manage.py exchange_pull`, the daily
job through `manage.py cultivation_daily`. Assertions read the pages people see and the rows in
each installation's own database file.

What happens outside the pages, and why:
- Each installation's people and the county's submitted applications are made by a short script
  through the same action functions the pages call (`manage.py shell -c`): registering five
  enterprises by hand is not part of this story.
- The tampering is done the way an attacker with database access would: one UPDATE of a published
  record's text in the county's database file.
- The interruption is a hard exit of the pulling process in the middle of a page
  (ZJTX_EXCHANGE_CRASH_AFTER, documented in docs/interconnection.md), then a normal run.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from django.core.management import call_command

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
MANAGE = str(ROOT / "manage.py")
PASSWORD = "Xch-e2e-pass-1"
MAIN = "杭州恒拓精密机械有限公司"
TAMPERED = "杭州澄瑞传感科技有限公司"
BATCHED = ["杭州鼎新数控设备有限公司", "杭州青禾新材料有限公司", "杭州拓维检测仪器有限公司"]

SEED_COMMON = f"""
from portal.accounts.models import User
from portal.accounts.roles import Role
def person(username, role, region, organisation, enterprise=None):
    return User.objects.create_user(username=username, password={PASSWORD!r}, role=role, region_code=region,
                                    organisation=organisation, first_name=organisation, enterprise=enterprise)
"""

SEED_COUNTY = (
    SEED_COMMON
    + """
import copy, datetime as dt, json, random
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from portal.cultivation import actions
from portal.enterprises.models import Enterprise
from portal.web.demo.credit import make_credit_code
from portal.web.demo.files import make_pdf
today = timezone.localdate()
province = person("gov-zj", Role.PROVINCE, "330000", "浙江省经济和信息化厅")
person("gov-xh", Role.COUNTY, "330106", "西湖区经济和信息化局")
batch = actions.open_batch(province, tier="specialized", year=today.year, name=f"{today.year}年浙江省专精特新中小企业认定",
                           opens_on=today - dt.timedelta(days=10), closes_on=today + dt.timedelta(days=20))
base = json.load(open("examples/manufacturer.json", encoding="utf-8"))
rng = random.Random(7)
for i, name in enumerate(NAMES):
    doc = copy.deepcopy(base)
    code = make_credit_code(rng, "330106")
    doc.update(name=name, region="330106", credit_code=code)
    ent = Enterprise.objects.create(name=name, credit_code=code, region="330106", industry=doc.get("industry", ""), profile=doc)
    owner = person(f"ent-{i}", Role.ENTERPRISE, "", f"{name} 财务部", enterprise=ent)
    app = actions.create_application(owner, ent, batch)
    pdf = SimpleUploadedFile("审计报告.pdf", make_pdf("审计报告", [name]), "application/pdf")
    actions.attach_evidence(owner, app, pdf, description="上年度审计报告")
    app.refresh_from_db()
    actions.submit_application(owner, app, expected_version=app.version, declaration_accepted=True)
print("seeded", len(NAMES))
"""
)
SEED_CITY = SEED_COMMON + 'person("gov-hz", Role.CITY, "330100", "杭州市经济和信息化局")\n'
SEED_PROVINCE = SEED_COMMON + 'person("gov-zj", Role.PROVINCE, "330000", "浙江省经济和信息化厅")\n'


def peers_script(command: str, op: str, other: Node) -> str:
    """`manage.py <command> <op> <name> <url> <public key> <level> <region>`, inside the setup script."""
    args = [command, op, other.name, other.url, other.public_key, other.level, other.region]
    return f"from django.core.management import call_command\ncall_command(*{args!r})\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Node:
    name: str
    level: str
    region: str
    home: Path
    port: int = field(default_factory=free_port)
    server: subprocess.Popen | None = None
    public_key: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db(self) -> Path:
        return self.home / "zjtx.sqlite3"

    def env(self, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ZJTX_", "DJANGO_", "DATABASE_URL"))}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.dev",
            DATABASE_URL=f"sqlite:///{self.db}",
            ZJTX_DATA_DIR=str(self.home),
            ZJTX_NODE_LEVEL=self.level,
            ZJTX_NODE_REGION=self.region,
            ZJTX_NODE_KEY_FILE=str(self.home / "node-key.pem"),
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="WARNING",
        )
        env.update(extra)
        return env

    def manage(self, *args, check=True, timeout=90, **extra) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, MANAGE, *args],
            cwd=ROOT,
            env=self.env(**extra),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{self.name}: manage.py {' '.join(args)} → {done.returncode}\n{done.stdout}\n{done.stderr}"
            )
        return done

    def start_manage(self, *args, log: Path | None = None) -> subprocess.Popen:
        """A background manage.py; with `log`, its output goes to that file (a server talks a lot)."""
        out = open(log, "w", encoding="utf-8") if log else subprocess.PIPE  # noqa: SIM115 - lives with the process
        return subprocess.Popen(
            [sys.executable, MANAGE, *args],
            cwd=ROOT,
            env=self.env(),
            stdout=out,
            stderr=subprocess.STDOUT if log else subprocess.PIPE,
            text=True,
        )

    def rows(self, sql: str, *params) -> list[tuple]:
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=20)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def one(self, sql: str, *params):
        rows = self.rows(sql, *params)
        assert len(rows) == 1, f"{self.name}: expected one row for {sql} {params}, got {rows}"
        return rows[0][0] if len(rows[0]) == 1 else rows[0]

    def app_of(self, name: str) -> tuple[int, int, str]:
        return self.one(
            "SELECT a.id, a.version, a.state FROM cultivation_application a "
            "JOIN enterprises_enterprise e ON e.id = a.enterprise_id WHERE e.name = ?",
            name,
        )


class Browser:
    """An official's (or enterprise user's) session on one installation, through its pages."""

    def __init__(self, node: Node, username: str):
        self.node = node
        self.s = requests.Session()
        self.s.get(f"{node.url}/accounts/login/", timeout=30)
        resp = self.post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert "退出" in resp.text, f"{node.name}: {username} could not log in"

    def get(self, path: str) -> requests.Response:
        resp = self.s.get(f"{self.node.url}{path}", timeout=60)
        assert resp.status_code == 200, f"{self.node.name} GET {path} → {resp.status_code}"
        return resp

    def post(self, path: str, data: dict) -> requests.Response:
        token = self.s.cookies.get("csrftoken")
        resp = self.s.post(
            f"{self.node.url}{path}",
            data={**data, "csrfmiddlewaretoken": token},
            timeout=90,
            headers={"Referer": f"{self.node.url}{path}"},
        )
        assert resp.status_code == 200, (
            f"{self.node.name} POST {path} → {resp.status_code}\n{resp.text[:2000]}"
        )
        return resp

    def sync_now(self, peer_name: str) -> str:
        peer = self.node.one("SELECT id FROM exchange_peer WHERE name = ?", peer_name)
        text = self.post(f"/exchange/peers/{peer}/pull/", {}).text
        assert "同步完成" in text, f"{self.node.name}: sync with {peer_name} failed: {messages(text)}"
        return text


def messages(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r'<ul class="messages">(.*?)</ul>', html, re.S)
    ]


def wait_up(node: Node) -> None:
    """Until the node answers; a first answer slower than the poll's timeout (a loaded machine) is waited for again."""
    deadline = time.time() + 90
    while time.time() < deadline:
        if node.server.poll() is not None:
            raise AssertionError(f"{node.name} server exited: {(node.home / 'server.log').read_text()}")
        try:
            if requests.get(f"{node.url}/exchange/node.json", timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise AssertionError(f"{node.name} server did not start")


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    base = tmp_path_factory.mktemp("exchange-nodes")
    county = Node("西湖区", "county", "330106", base / "county")
    city = Node("杭州市", "city", "330100", base / "city")
    province = Node("浙江省", "province", "330000", base / "province")
    nodes = (county, city, province)
    # One migrated database, copied three times (migrating is the slow part).
    template = Node("template", "county", "330106", base / "template")
    template.home.mkdir()
    template.manage("migrate", "--noinput", timeout=300)
    for node in nodes:
        node.home.mkdir()
        shutil.copy(template.db, node.db)
    # Each installation's signing key, made by the command an operator runs (0600 file, public key printed).
    for node in nodes:
        out = io.StringIO()
        call_command(
            "exchange_keygen", "--out", str(node.home / "node-key.pem"), stdout=out, stderr=io.StringIO()
        )
        node.public_key = out.getvalue().strip()
        assert len(node.public_key) == 44 and (node.home / "node-key.pem").stat().st_mode & 0o777 == 0o600
    # People, data and peers (each side registers the other's URL and public key with the commands),
    # the three installations in parallel; their web servers start meanwhile.
    county_peers = peers_script("exchange_parent", "set", city)
    city_peers = peers_script("exchange_children", "add", county) + peers_script(
        "exchange_parent", "set", province
    )
    province_peers = peers_script("exchange_children", "add", city)
    names = [MAIN, TAMPERED, *BATCHED]
    setups = [
        county.start_manage("shell", "-c", f"NAMES = {names!r}\n" + SEED_COUNTY + county_peers),
        city.start_manage("shell", "-c", SEED_CITY + city_peers),
        province.start_manage("shell", "-c", SEED_PROVINCE + province_peers),
    ]
    try:
        for node in nodes:
            node.server = node.start_manage(
                "runserver",
                "--noreload",
                "--skip-checks",
                f"127.0.0.1:{node.port}",
                log=node.home / "server.log",
            )
        for node, proc in zip(nodes, setups, strict=True):
            out, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, f"{node.name} setup failed:\n{out}\n{err}"
            assert "已登记" in out, out
        for node in nodes:
            wait_up(node)
        yield county, city, province
    finally:
        for proc in setups:
            if proc.poll() is None:
                proc.kill()
        for node in nodes:
            if node.server and node.server.poll() is None:
                node.server.terminate()
                try:
                    node.server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    node.server.kill()


def test_three_installations(network):
    county, city, province = network
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the installations' today

    # ------------------------------------------------------------- 1. recommend upward, decide, flow back
    xh = Browser(county, "gov-xh")
    page = xh.get("/exchange/forward/").text
    assert MAIN in page and "向上级推荐" in page
    app_id, version, state = county.app_of(MAIN)
    assert state == "submitted"
    done = xh.post(
        f"/exchange/forward/{app_id}/", {"expected_version": version, "note": "材料齐全，建议通过"}
    )
    assert f"已向{city.name}推荐：{MAIN}" in done.text

    pulled = city.manage("exchange_pull").stdout  # the scheduled pull, as cron runs it
    assert "应用 1 条" in pulled and "隔离 0 条" in pulled, pulled
    city_app, city_version, city_state = city.app_of(MAIN)
    assert city_state == "submitted"
    assert city.one(
        "SELECT remote_id FROM exchange_origin WHERE local_type='cultivation.application' AND local_id=?",
        str(city_app),
    ) == str(app_id)
    hz = Browser(city, "gov-hz")
    received = hz.get("/exchange/received/").text
    assert MAIN in received and "外来副本" in received and "材料齐全，建议通过" in received
    review = hz.get(f"/cultivation/applications/{city_app}/").text
    assert MAIN in review and "提交时的评价结果" in review

    approved = hz.post(
        f"/cultivation/review/{city_app}/approve/",
        {"expected_version": city_version, "reason": "经审核，同意公示"},
    )
    assert "公示中" in approved.text
    xh.sync_now(city.name)
    _, _, state = county.app_of(MAIN)
    assert state == "in_notice"
    owner = Browser(county, "ent-0")
    assert "申报已通过市级主管部门审核，进入公示" in owner.get("/inbox/").text

    # ------------------------------------------------------------- 2. on up to the province, the title flows down
    notice_over = (today + dt.timedelta(days=5)).isoformat()
    city.manage("cultivation_daily", "--run-now", "--date", notice_over)
    _, city_version, city_state = city.app_of(MAIN)
    assert city_state == "notice_ended"
    done = hz.post(f"/exchange/forward/{city_app}/", {"expected_version": city_version, "note": "公示无异议"})
    assert f"已向{province.name}推荐" in done.text

    zj = Browser(province, "gov-zj")
    zj.sync_now(city.name)
    prov_app, prov_version, prov_state = province.app_of(MAIN)
    assert prov_state == "notice_ended"
    recognised = zj.post(f"/cultivation/review/{prov_app}/recognise/", {"expected_version": prov_version})
    assert f"已认定：{MAIN}" in recognised.text
    certificate = province.one("SELECT certificate_no FROM cultivation_recognition")

    hz.sync_now(province.name)
    xh.sync_now(city.name)
    for node in (city, county):
        assert node.app_of(MAIN)[2] == "recognised"
        assert node.one("SELECT certificate_no FROM cultivation_recognition") == certificate
    code = county.one("SELECT verification_code FROM cultivation_recognition")
    public = requests.get(f"{county.url}/cultivation/certificate/{code}/", timeout=30)
    assert public.status_code == 200 and MAIN in public.text and certificate in public.text
    assert "认定证书已同步" in owner.get("/inbox/").text

    # ------------------------------------------------------------- 3. a tampered record is quarantined
    tampered_id, version, _ = county.app_of(TAMPERED)
    xh.post(f"/exchange/forward/{tampered_id}/", {"expected_version": version})
    con = sqlite3.connect(county.db, timeout=20)
    with con:
        changed = con.execute(
            "UPDATE exchange_feedentry SET body = replace(body, ?, ?) WHERE kind = 'application' AND object_id = ?",
            (TAMPERED, "杭州某某空壳公司", str(tampered_id)),
        ).rowcount
    con.close()
    assert changed == 1
    pulled = city.manage("exchange_pull").stdout
    assert "隔离 1 条" in pulled and "签名校验失败" in pulled, pulled
    assert (
        city.rows("SELECT id FROM enterprises_enterprise WHERE name IN (?, ?)", TAMPERED, "杭州某某空壳公司")
        == []
    )
    assert city.one("SELECT code FROM exchange_quarantine") == "bad_signature"
    assert "签名校验失败" in hz.get("/exchange/quarantine/").text
    assert "未通过校验，已隔离" in hz.get("/inbox/").text

    # ------------------------------------------------------------- 4. interrupted mid-way, resumed: nothing lost or doubled
    for name in BATCHED:
        app_id, version, _ = county.app_of(name)
        xh.post(f"/exchange/forward/{app_id}/", {"expected_version": version})
    crashed = city.manage("exchange_pull", "--limit", "1", check=False, ZJTX_EXCHANGE_CRASH_AFTER="2")
    assert crashed.returncode == 75, crashed.stderr
    held = city.rows(
        "SELECT e.name FROM cultivation_application a JOIN enterprises_enterprise e ON e.id = a.enterprise_id "
        "WHERE e.name IN (?, ?, ?)",
        *BATCHED,
    )
    assert [n for (n,) in held] == BATCHED[:1]  # page 1 committed, page 2 died before its commit
    resumed = city.manage("exchange_pull", "--limit", "1").stdout
    assert "应用 2 条" in resumed and "隔离 0 条" in resumed, resumed
    again = hz.sync_now(county.name)  # the official's button: nothing new
    assert "应用 0 条" in again, messages(again)
    for name in BATCHED:
        assert city.app_of(name)[2] == "submitted"  # exactly one copy each (app_of asserts one row)
    assert city.one("SELECT COUNT(*) FROM exchange_received WHERE kind = 'application'") == 4
    # Reading the whole feed again from the start applies nothing twice.
    con = sqlite3.connect(city.db, timeout=20)
    with con:
        con.execute("UPDATE exchange_peer SET cursor = 0 WHERE name = ?", (county.name,))
    con.close()
    replay = city.manage("exchange_pull", "--peer", county.name).stdout
    assert "应用 0 条" in replay and "重复跳过 4 条" in replay, replay
    assert city.one("SELECT COUNT(*) FROM cultivation_application") == 4


PHONE = {"width": 360, "height": 740}


def overflow(page) -> list[str]:
    """The innermost elements wider than the phone screen ([] when the page fits)."""
    return page.evaluate(
        """() => {
             const client = document.documentElement.clientWidth;
             if (document.documentElement.scrollWidth <= client) return [];
             const wide = e => e.getBoundingClientRect().right > client + 1;
             return Array.from(document.body.querySelectorAll('*'))
               .filter(e => wide(e) && !Array.from(e.children).some(wide))
               .slice(0, 5).map(e => e.tagName + ': ' + (e.textContent || '').trim().slice(0, 60));
           }"""
    )


def test_the_exchange_pages_fit_a_phone(network, browser):
    """At 360 px: the officials' exchange pages of the county and the city (with the data above)."""
    county, city, _ = network
    for node, username, paths in (
        (county, "gov-xh", ["/exchange/", "/exchange/forward/"]),
        (
            city,
            "gov-hz",
            ["/exchange/", "/exchange/received/", "/exchange/quarantine/", "/exchange/forward/"],
        ),
    ):
        context = browser.new_context(base_url=node.url, locale="zh-CN", viewport=PHONE)
        try:
            page = context.new_page()
            page.goto("/accounts/login/")
            page.get_by_label("用户名", exact=True).fill(username)
            page.get_by_label("密码", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="登录", exact=True).click()
            page.wait_for_load_state()
            for path in paths:
                page.goto(path)
                assert page.locator("h1").first.is_visible()
                assert overflow(page) == [], f"{node.name} {path} is wider than 360 px: {overflow(page)}"
        finally:
            context.close()
