"""This installation's identity in the network of installations: level, region and signing key.

Why from the environment and not from settings: each installation (county, city, province …) is
configured by its deployer, next to DATABASE_URL, without editing code:

    ZJTX_NODE_LEVEL   county | city | province | national
    ZJTX_NODE_REGION  the 6-digit GB/T 2260 code of the area (empty for national)
    ZJTX_NODE_KEY_FILE path of the Ed25519 private key (PEM, made by `manage.py exchange_keygen`);
                       default: <ZJTX_DATA_DIR>/exchange/node-key.pem

An installation without ZJTX_NODE_LEVEL takes no part in the exchange: nothing is published.
The variables are read on every call (cheap), so tests and `.env` files both work.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils.translation import gettext, gettext_noop

from portal.accounts.roles import LEVELS, PREFIX_DIGITS, Role

# Chinese names (plain str, for stored texts); pages show gettext(LEVEL_NAMES[level]).
LEVEL_NAMES = {
    "county": gettext_noop("县级"),
    "city": gettext_noop("市级"),
    "province": gettext_noop("省级"),
    "national": gettext_noop("国家级"),
}


class NodeError(Exception):
    """The node identity or its key is missing or wrong; the message says which variable to fix."""


@dataclass(frozen=True)
class Node:
    level: str
    region: str
    key_file: Path

    @property
    def node_id(self) -> str:
        return node_id(self.level, self.region)

    @property
    def prefix(self) -> str:
        return region_prefix(self.level, self.region)

    @property
    def label(self) -> str:
        level = LEVEL_NAMES.get(self.level)
        return gettext("%(level)s节点 %(region)s") % {
            "level": gettext(level) if level else self.level,
            "region": self.region or gettext("全国"),
        }

    def private_key(self) -> Ed25519PrivateKey:
        return load_private_key(self.key_file)

    def public_key_text(self) -> str:
        return public_key_text(self.private_key().public_key())


def node_id(level: str, region: str) -> str:
    """'county:330106', 'city:330100', 'province:330000', 'national'."""
    return f"{level}:{region}" if region else level


def region_prefix(level: str, region: str) -> str:
    return (region or "")[: PREFIX_DIGITS[Role(level)]]


def level_rank(level: str) -> int:
    return [str(v) for v in LEVELS].index(level)


def check_identity(level: str, region: str) -> list[str]:
    """Problems with a (level, region) pair, in Chinese, naming the value; [] when it is fine."""
    problems = []
    if level not in LEVEL_NAMES:
        problems.append(
            gettext("层级“%(level)s”无效：应为 county、city、province 或 national") % {"level": level}
        )
        return problems
    if level == "national":
        if region:
            problems.append(
                gettext("国家级节点不设地区代码（收到“%(region)s”），请留空") % {"region": region}
            )
        return problems
    if not re.fullmatch(r"\d{6}", region or ""):
        problems.append(gettext("地区代码“%(region)s”无效：应为 6 位数字的行政区划代码") % {"region": region})
        return problems
    digits = PREFIX_DIGITS[Role(level)]
    if region[digits:].strip("0"):
        problems.append(
            gettext("地区代码“%(region)s”与层级 %(level)s 不符：%(name)s代码应以 %(zeros)s 个 0 结尾")
            % {"region": region, "level": level, "name": gettext(LEVEL_NAMES[level]), "zeros": 6 - digits}
        )
    elif level != "province" and not region[digits - 2 : digits].strip("0"):
        problems.append(
            gettext("地区代码“%(region)s”不是%(name)s行政区划代码")
            % {"region": region, "name": gettext(LEVEL_NAMES[level])}
        )
    return problems


def default_key_file() -> Path:
    return Path(settings.DATA_DIR) / "exchange" / "node-key.pem"


def key_file_from_env() -> Path:
    value = os.environ.get("ZJTX_NODE_KEY_FILE", "").strip()
    return Path(value) if value else default_key_file()


def current() -> Node | None:
    """This installation's node, or None when ZJTX_NODE_LEVEL is not set (no exchange)."""
    level = os.environ.get("ZJTX_NODE_LEVEL", "").strip()
    if not level:
        return None
    region = os.environ.get("ZJTX_NODE_REGION", "").strip()
    return Node(level=level, region=region, key_file=key_file_from_env())


def require() -> Node:
    """The node, checked: identity valid and key readable. Raises NodeError naming what to fix."""
    node = current()
    if node is None:
        raise NodeError(
            gettext("本系统尚未设置节点身份：请设置环境变量 ZJTX_NODE_LEVEL 和 ZJTX_NODE_REGION 后重启。")
        )
    problems = check_identity(node.level, node.region)
    if problems:
        raise NodeError(
            gettext("节点身份设置有误（ZJTX_NODE_LEVEL / ZJTX_NODE_REGION）：%(problems)s。")
            % {"problems": gettext("；").join(problems)}
        )
    node.private_key()
    return node


def status() -> tuple[Node | None, str]:
    """(node, '') when usable, else (node or None, the reason) — for pages that must not crash."""
    try:
        return require(), ""
    except NodeError as exc:
        return current(), str(exc)


# ------------------------------------------------------------------------------------------- keys

_KEY_CACHE: dict[tuple[str, float], Ed25519PrivateKey] = {}


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        stat = path.stat()
    except OSError:
        raise NodeError(
            gettext(
                "找不到节点私钥文件 %(path)s：请运行 `manage.py exchange_keygen` 生成，"
                "或用 ZJTX_NODE_KEY_FILE 指向已有的私钥文件。"
            )
            % {"path": path}
        ) from None
    cache_key = (str(path), stat.st_mtime)
    key = _KEY_CACHE.get(cache_key)
    if key is None:
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError, OSError) as exc:
            raise NodeError(
                gettext("节点私钥文件 %(path)s 无法读取（%(error)s）：应为 exchange_keygen 生成的 PEM 文件。")
                % {"path": path, "error": exc}
            ) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise NodeError(
                gettext("节点私钥文件 %(path)s 不是 Ed25519 私钥：请用 exchange_keygen 重新生成。")
                % {"path": path}
            )
        _KEY_CACHE[cache_key] = key
    return key


def write_private_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Write the key as unencrypted PKCS#8 PEM, readable by the owner only (0600) from the start."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)


def public_key_text(key: Ed25519PublicKey) -> str:
    """The public key as exchanged between installations: standard Base64 of the raw 32 bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def parse_public_key(text: str) -> Ed25519PublicKey:
    """A public key from its Base64 text; ValueError with a Chinese message when it is not one."""
    try:
        raw = base64.b64decode((text or "").strip(), validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ValueError(
            gettext("公钥格式不正确：应为 exchange_keygen 输出的 44 个字符的 Base64 文本（Ed25519 公钥）")
        )
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint(public_text: str) -> str:
    """A short fingerprint to compare by phone: 8 groups of 4 hex digits of SHA-256(raw key)."""
    try:
        raw = base64.b64decode(public_text, validate=True)
    except ValueError:
        return ""
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))
