"""``this_command()``: a child process runs the same ``buurtwatt`` program as its parent.

The demo starts the dashboard this way; both ways of starting the program are tried for real.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT = "import json, sys\nfrom buurtwatt.cli import this_command\nprint(json.dumps(this_command()))\n"


def run(args: list[str], cwd: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(cwd)])}
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_python_dash_m_gives_the_same_package(tmp_path: Path) -> None:
    package = tmp_path / "someapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(PRINT)
    assert run([sys.executable, "-m", "someapp"], tmp_path) == [sys.executable, "-m", "someapp"]


def test_an_installed_script_gives_the_script(tmp_path: Path) -> None:
    script = tmp_path / "buurtwatt"
    script.write_text(PRINT)
    assert run([sys.executable, str(script)], tmp_path) == [sys.executable, str(script)]
