"""The package installs as a user would install it, into a fresh virtual environment.

One environment, in order: build the sdist and, from it, the wheel (``python -m build``); install
the wheel with the ``suite`` extra and run the quick profile of one rule through the
``conformance`` console script, from an empty folder (which must stay empty: no ``.hypothesis/``);
pipe ``conformance rules`` into a reader that stops after one line (no BrokenPipeError); install
the sdist over it; and run docs/ci-recipe.md's install line in a project folder with the suite's
copy beside it. Packages come from the configured pip index, as in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "docs" / "ci-recipe.md"

pytestmark = [pytest.mark.packaging, pytest.mark.slow]


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 240) -> str:
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert proc.returncode == 0, (f"{' '.join(argv)} exited {proc.returncode}\n"
                                  f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def _copy_of_checkout(dest: Path) -> Path:
    """The files git tracks (and new ones it does not ignore): what a clone or archive holds."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    if listed.returncode != 0:  # not a git checkout: copy the tree as it is
        shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(".venv", ".git", ".tox"))
        return dest
    for name in listed.stdout.splitlines():
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def _recipe_install_line() -> str:
    [line] = {m.strip() for m in re.findall(r"^.*pip install .*callback-conformance\[suite\].*$",
                                            RECIPE.read_text(encoding="utf-8"), flags=re.M)
              if "run:" not in m and "bin/pip" not in m}
    return line


def test_wheel_and_sdist_install_and_run(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "CONFORMANCE_DB", "CONFORMANCE_PROFILE", "VIRTUAL_ENV")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    source = _copy_of_checkout(tmp_path / "callback-conformance")
    venv.create(tmp_path / "venv", with_pip=True)
    bindir = tmp_path / "venv" / ("Scripts" if sys.platform == "win32" else "bin")
    python = str(bindir / "python")
    pip = [python, "-m", "pip", "install", "-q"]

    # sdist, then the wheel built from it
    # (the build backend installed once, instead of one isolated build environment per build)
    _run([*pip, "build", "hatchling"], tmp_path, env)
    dist = tmp_path / "dist"
    _run([python, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
         tmp_path, env)
    [wheel] = dist.glob("*.whl")
    [sdist] = dist.glob("*.tar.gz")

    # the wheel with the suite extra; the console script runs the quick profile of one rule
    _run([*pip, f"{wheel}[suite]"], tmp_path, env)
    work = tmp_path / "work"
    work.mkdir()
    report = tmp_path / "report.json"
    out = _run([str(bindir / "conformance"), "run", "--profile", "quick", "--rule", "R5",
                "--report", str(report)], work, env)
    assert "R5 once-per-handler" in out and report.exists()
    assert list(work.iterdir()) == [], "the run wrote into the working directory"

    # a reader that goes away after one line: no BrokenPipeError, the command's own status
    proc = subprocess.Popen([str(bindir / "conformance"), "rules"], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"R1")
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0 and "BrokenPipeError" not in err, err

    # the sdist installs too (pip builds it into a wheel)
    _run([*pip, "--force-reinstall", "--no-deps", "--no-build-isolation", str(sdist)], tmp_path,
         env)
    assert "R14" in _run([python, "-m", "conformance", "rules"], work, env)

    # docs/ci-recipe.md's install line, in a library's folder with the suite's copy beside it
    project = tmp_path / "mylib"
    (project / "mylib").mkdir(parents=True)
    (project / "mylib" / "__init__.py").write_text('__version__ = "0.0.1"\n', encoding="utf-8")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        '[project]\nname = "mylib"\nversion = "0.0.1"\n', encoding="utf-8")
    shutil.copytree(source, project / "callback-conformance")
    line = _recipe_install_line()
    assert line.startswith("pip install "), line
    _run([python, "-m", *line.replace('"', "").split()], project, env)
    _run([python, "-c", "import mylib, conformance, hypothesis, xdist"], work, env)
