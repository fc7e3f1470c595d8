"""What the phone-layout tests share: Debian's chromium, its flags, logging in, measuring overflow.

The flags keep chromium off the network this machine does not have (see tests/e2e/conftest.py).
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.urls import reverse

from .factories import PASSWORD

CHROMIUM = os.environ.get("ZJTX_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}

needs_chromium = [
    pytest.mark.e2e,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed"),
]


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 = fits the screen)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def login(page, base: str, username: str) -> None:
    page.goto(base + reverse("accounts:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, username
