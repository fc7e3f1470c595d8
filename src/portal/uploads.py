"""Uploaded files judged by their bytes, never by their name or what the browser claims.

Why one module: evidence (cultivation) and policy attachments (policies) both take files from
people; reading, hashing, recognising the content and naming the stored file must be the same
code, so a weakness is fixed once. Callers choose which kinds they accept and word the refusal.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass

TAIL = 2048  # how far from the end an end marker may sit (trailing newlines, incremental updates)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# content type → (extension, test on (head, tail)): parsed enough to be what it claims.
KINDS = {
    "application/pdf": (".pdf", lambda head, tail: head.startswith(b"%PDF-") and b"%%EOF" in tail),
    "image/jpeg": (".jpg", lambda head, tail: head.startswith(b"\xff\xd8\xff") and b"\xff\xd9" in tail),
    "image/png": (
        ".png",
        lambda head, tail: head.startswith(PNG_SIGNATURE) and head[12:16] == b"IHDR" and b"IEND" in tail,
    ),
    # docx / xlsx / OFD are zip archives: local header first, end-of-central-directory record last.
    "application/zip": (".zip", lambda head, tail: head.startswith(b"PK\x03\x04") and b"PK\x05\x06" in tail),
    # legacy .doc / .xls: an OLE2 compound file (no end marker to check).
    "application/msword": (".doc", lambda head, tail: head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")),
}


@dataclass(frozen=True)
class ReadFile:
    """What reading an upload once tells: its display name, size, SHA-256 and real content type."""

    original_name: str
    size: int
    sha256: str
    content_type: str | None  # None: none of the kinds asked for
    too_large: bool

    @property
    def extension(self) -> str:
        return KINDS[self.content_type][0] if self.content_type else ""

    def stored_name(self) -> str:
        """A random name: the user's file name never reaches the file system."""
        return secrets.token_hex(16) + self.extension


def clean_name(name: str, default: str = "未命名文件") -> str:
    """The user's file name without any directory part, for display only."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    return (base or default)[:255]


def read_upload(uploaded_file, *, limit: int, accepted) -> ReadFile:
    """Read the upload in chunks (stopping past `limit` bytes), hash it and recognise its content."""
    digest = hashlib.sha256()
    head = tail = b""
    size = 0
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        size += len(chunk)
        if size > limit:
            uploaded_file.seek(0)
            return ReadFile(clean_name(getattr(uploaded_file, "name", "")), size, "", None, True)
        digest.update(chunk)
        if len(head) < 16:
            head = (head + chunk)[:1024]
        tail = (tail + chunk)[-TAIL:]
    uploaded_file.seek(0)
    kind = next((t for t in accepted if t in KINDS and KINDS[t][1](head, tail)), None) if size else None
    return ReadFile(clean_name(getattr(uploaded_file, "name", "")), size, digest.hexdigest(), kind, False)


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".") + " MB"
