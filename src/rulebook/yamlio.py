"""Reading the rule data's YAML: libyaml's C parser when PyYAML was built with it (about ten times faster
than the pure-Python one, which made loading the registry a visible part of every `zjtx screen`), the
same safe constructor either way."""

from __future__ import annotations

from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
