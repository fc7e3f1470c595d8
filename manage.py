#!/usr/bin/env python
"""Django's command-line utility for the zjtx portal (settings: config.settings.dev unless DJANGO_SETTINGS_MODULE)."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
