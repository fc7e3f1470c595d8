"""rulebook stays framework-free: the engine must run where Django is not installed."""

import ast
import subprocess
import sys

from conftest import ROOT


def test_rulebook_source_never_imports_django():
    offenders = []
    for path in (ROOT / "src" / "rulebook").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "django"]
    assert offenders == []


def test_importing_and_assessing_loads_no_django(tmp_path):
    code = (
        "import sys, json, datetime, rulebook\n"
        "from conftest import SAMPLE\n"
        "rulebook.assess(SAMPLE, as_of=datetime.date(2024, 6, 30))\n"
        "assert not any(m.split('.')[0] == 'django' for m in sys.modules), 'django was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT / "tests")
