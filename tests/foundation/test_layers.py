"""The package's layers (pyproject.toml, [tool.importlinter]): no module imports from a layer
above its own, and every subpackage is declared in a layer (the contract is exhaustive), so
an import cycle between layers or a new package left out fails here, in CI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_every_layer_contract_is_kept():
    assert LINT_IMPORTS.exists(), "import-linter is in the test extra (pip install -e '.[test]')"
    run = subprocess.run([str(LINT_IMPORTS), "--no-logo", "--no-cache"], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    kept = re.search(r"Contracts: (\d+) kept, 0 broken\.", out)
    assert kept and int(kept.group(1)) >= 1, out
