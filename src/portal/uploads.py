"""Uploaded files judged by their bytes, never by their name or what the browser claims.

Why one module: evidence (cultivation) and policy attachments (policies) both take files from
people; reading, hashing, recognising the content and naming the stored file must be the same
code, so a weakness is fixed once. Callers choose which kinds they accept and word the refusal.

Why the name is checked too: the platform serves a file under the name its uploader gave it, so a
PNG named `x.pdf` would reach a reviewer as a ".pdf" that no PDF reader opens. The bytes decide
the kind; the name's extension must then agree with it (`ReadFile.name_fits`).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from pypdf import PasswordType, PdfReader

TAIL = 2048  # how far from the end an end marker may sit (trailing newlines, incremental updates)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PDF = "application/pdf"

# What can be wrong with a file whose first bytes are those of an accepted kind (ReadFile.problem).
DAMAGED = "damaged"  # truncated, or a PDF that does not parse into at least one page
LOCKED = "locked"  # a PDF that needs a password to open: a reviewer could not read it


@dataclass(frozen=True)
class Kind:
    """One kind of file: the extension its stored copy gets, the extensions a person's file of this
    kind may carry, its signature (first bytes) and its end marker (last bytes)."""

    extension: str
    names: tuple[str, ...]
    starts: Callable[[bytes], bool]
    ends: Callable[[bytes], bool]


# content type → Kind. A PDF that passes both tests is also parsed (`_pdf_problem`).
KINDS = {
    PDF: Kind(".pdf", (".pdf",), lambda head: head.startswith(b"%PDF-"), lambda tail: b"%%EOF" in tail),
    "image/jpeg": Kind(
        ".jpg",
        (".jpg", ".jpeg"),
        lambda head: head.startswith(b"\xff\xd8\xff"),
        lambda tail: b"\xff\xd9" in tail,
    ),
    "image/png": Kind(
        ".png",
        (".png",),
        lambda head: head.startswith(PNG_SIGNATURE) and head[12:16] == b"IHDR",
        lambda tail: b"IEND" in tail,
    ),
    # docx / xlsx / OFD are zip archives: local header first, end-of-central-directory record last.
    "application/zip": Kind(
        ".zip",
        (".docx", ".xlsx", ".ofd", ".zip"),
        lambda head: head.startswith(b"PK\x03\x04"),
        lambda tail: b"PK\x05\x06" in tail,
    ),
    # legacy .doc / .xls (and WPS's .wps / .et): an OLE2 compound file (no end marker to check).
    "application/msword": Kind(
        ".doc",
        (".doc", ".xls", ".wps", ".et"),
        lambda head: head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        lambda tail: True,
    ),
}


def name_extension(name: str) -> str:
    """The lower-case extension of a file name with its dot ('.pdf'), or '' when it has none."""
    stem, dot, ext = (name or "").strip().rpartition(".")
    return f".{ext.lower()}" if dot and ext.strip() else ""


def accepted_names(accepted) -> tuple[str, ...]:
    """Every extension a file of the accepted kinds may carry, in the order the kinds are given."""
    return tuple(n for t in accepted if t in KINDS for n in KINDS[t].names)


@dataclass(frozen=True)
class ReadFile:
    """What reading an upload once tells: its display name, size, SHA-256 and real content type.

    `content_type` is set only for a sound file of an accepted kind. `found` is the kind its first
    bytes announce, accepted or not (to tell a person what the file really is); `problem` says why a
    file that starts like an accepted kind is still refused (DAMAGED or LOCKED)."""

    original_name: str
    size: int
    sha256: str
    content_type: str | None  # None: none of the kinds asked for, or `problem`
    too_large: bool
    found: str | None = None
    problem: str | None = None

    @property
    def extension(self) -> str:
        return KINDS[self.content_type].extension if self.content_type else ""

    @property
    def name_extension(self) -> str:
        return name_extension(self.original_name)

    @property
    def name_fits(self) -> bool:
        """Whether the name's extension is one a file of the recognised kind may carry."""
        return bool(self.content_type) and self.name_extension in KINDS[self.content_type].names

    def stored_name(self) -> str:
        """A random name: the user's file name never reaches the file system."""
        return secrets.token_hex(16) + self.extension


def clean_name(name: str, default: str = "未命名文件") -> str:
    """The user's file name without any directory part, for display only; a name too long is cut
    before its extension, so the file still opens with the right program when downloaded."""
    base = os.path.basename((name or "").replace("\\", "/")).strip() or default
    if len(base) <= 255:
        return base
    ext = name_extension(base)
    ext = ext if len(ext) <= 16 else ""
    return base[: 255 - len(ext)] + ext


def _pdf_problem(uploaded_file) -> str | None:
    """None when the bytes parse as a PDF with at least one page; otherwise LOCKED or DAMAGED.

    Why parse: `%PDF-` and `%%EOF` are two lines anyone can put around an HTML page or a script."""
    uploaded_file.seek(0)
    try:
        reader = PdfReader(uploaded_file, strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            return LOCKED
        return None if len(reader.pages) > 0 else DAMAGED
    except Exception:  # noqa: BLE001  (any failure of the parser on untrusted bytes means: not a readable PDF)
        return DAMAGED
    finally:
        uploaded_file.seek(0)


def read_upload(uploaded_file, *, limit: int, accepted) -> ReadFile:
    """Read the upload in chunks (stopping past `limit` bytes), hash it and recognise its content."""
    name = clean_name(getattr(uploaded_file, "name", ""))
    digest = hashlib.sha256()
    head = tail = b""
    size = 0
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        size += len(chunk)
        if size > limit:
            uploaded_file.seek(0)
            return ReadFile(name, size, "", None, True)
        digest.update(chunk)
        if len(head) < 16:
            head = (head + chunk)[:1024]
        tail = (tail + chunk)[-TAIL:]
    uploaded_file.seek(0)
    found = next((t for t, kind in KINDS.items() if kind.starts(head)), None) if size else None
    problem = None
    if found in accepted:
        if not KINDS[found].ends(tail):
            problem = DAMAGED
        elif found == PDF:
            problem = _pdf_problem(uploaded_file)
    content_type = found if found in accepted and problem is None else None
    return ReadFile(name, size, digest.hexdigest(), content_type, False, found, problem)


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".") + " MB"
