"""The adapter docs work as written: README's adapter section and docs/ci-recipe.md, followed word
for word for a toy runtime of our own with only lambdas, sequences and parallels, give a passing
run; a broken copy of that runtime is caught under the rule it breaks.

The toy runtime, ``toyrt``, is a package made in ``tmp_path``: the reference engine's
``RunnableLambda``, ``RunnableSequence``, ``RunnableParallel`` and ``BaseCallbackHandler`` under
another name, and nothing else (no chat models, prompts, parsers, tools or retrievers, no
``AsyncCallbackHandler`` or ``CallbackManager``). The adapter is the docs' own code block with
``mylib`` read as ``toyrt``, saved where the docs say (``toyrt/conformance_adapter.py``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conformance.adapter import load_adapter
from conformance.checker import check
from conformance.harness import run_scenario
from conformance.model import Scenario
from conformance.oracle import expect

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
RECIPE = (ROOT / "docs" / "ci-recipe.md").read_text(encoding="utf-8")

_TOY = {
    "__init__.py": '"""A toy runtime: lambdas, sequences and parallels."""\n\n'
                   '__version__ = "0.0.1"\n',
    "callbacks.py": "from reference.callbacks import BaseCallbackHandler\n\n"
                    '__all__ = ["BaseCallbackHandler"]\n',
    "runnables.py": "from reference.runnables import RunnableLambda, RunnableParallel, "
                    "RunnableSequence\n\n"
                    '__all__ = ["RunnableLambda", "RunnableParallel", "RunnableSequence"]\n',
}

#: The broken copy: a parallel map that runs its branches without the runtime's callbacks (the
#: config it hands them lacks them, and they run in an empty context).
_BROKEN_RUNNABLES = '''
import asyncio
import contextvars

from reference.runnables import RunnableLambda, RunnableSequence
from reference.runnables import RunnableParallel as _Parallel

__all__ = ["RunnableLambda", "RunnableParallel", "RunnableSequence"]


def _without_callbacks(config):
    return {k: v for k, v in config.items() if k != "callbacks"}


class RunnableParallel(_Parallel):
    def _run_branches(self, input, frame):
        config = _without_callbacks(frame.child_config)
        return {key: contextvars.Context().run(step.invoke, input, config)
                for key, step in self.steps.items()}

    async def _arun_branches(self, input, frame):
        config = _without_callbacks(frame.child_config)
        return {key: await asyncio.create_task(step.ainvoke(input, config),
                                               context=contextvars.Context())
                for key, step in self.steps.items()}
'''


def _python_blocks(text: str) -> list[str]:
    """The ```python blocks of a Markdown text, dedented (a block may sit in a list item)."""
    return [textwrap.dedent(b) for b in re.findall(r"```python\n(.*?)```", text, flags=re.S)]


def _readme_adapter_section() -> str:
    start = README.index("### Writing an adapter")
    return README[start:README.index("\n### ", start + 1)]


def _adapter_block(text: str) -> str:
    """The block that defines the adapter class: the first one that subclasses the kit."""
    return next(b for b in _python_blocks(text) if "(LangChainLikeAdapter):" in b)


def _make_runtime(root: Path, package: str, adapter_code: str, broken: bool = False) -> None:
    """``package`` in ``root``: the toy runtime, with the adapter saved where the docs say."""
    pkg = root / package
    pkg.mkdir()
    for name, text in _TOY.items():
        (pkg / name).write_text(text, encoding="utf-8")
    if broken:
        (pkg / "runnables.py").write_text(_BROKEN_RUNNABLES, encoding="utf-8")
    (pkg / "conformance_adapter.py").write_text(adapter_code.replace("mylib", package),
                                                encoding="utf-8")


def _run(tmp_path: Path, impl: str, *rules: str) -> tuple[int, str, dict[str, Any]]:
    """``python -m conformance run --impl IMPL --profile quick --rule ...`` as a user runs it."""
    report = tmp_path / "report.json"
    argv = [sys.executable, "-m", "conformance", "run", "--impl", impl, "--profile", "quick",
            "--report", str(report)]
    for rule in rules:
        argv += ["--rule", rule]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT)])
    env.pop("CONFORMANCE_DB", None)
    env.pop("CONFORMANCE_PROFILE", None)
    proc = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    return proc.returncode, proc.stdout + proc.stderr, data


def test_the_readme_and_the_recipe_show_the_same_adapter() -> None:
    assert _adapter_block(_readme_adapter_section()) == _adapter_block(RECIPE)
    assert "_langchain_like" not in README + RECIPE  # the kit is public


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The docs' adapter for the toy runtime, loaded in this process."""
    _make_runtime(tmp_path, "toyrt", _adapter_block(RECIPE))
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        yield load_adapter("toyrt.conformance_adapter:Adapter")
    finally:
        for name in [m for m in sys.modules if m == "toyrt" or m.startswith("toyrt.")]:
            del sys.modules[name]


def test_the_kit_declares_what_the_toy_runtime_has(toy: Any) -> None:
    caps = toy.capabilities
    assert caps.node_kinds == {"lambda", "sequence", "parallel", "binding"}
    assert caps.failing_kinds == {"lambda"}
    assert caps.constructor_callbacks == frozenset()
    assert not caps.async_handlers and not caps.manager_form and not caps.implicit_context
    assert "toyrt.callbacks has no CallbackManager" in caps.notes["manager_form"]
    assert "chat_model" in caps.notes["node_kinds"]
    # only the modules of the declared kinds were imported (the toy has no others)
    assert {m for m in sys.modules if m.startswith("toyrt.")} == {
        "toyrt.callbacks", "toyrt.runnables", "toyrt.conformance_adapter"}
    scenario = Scenario.from_json({
        "chain": {"root": "seq", "nodes": [
            {"label": "seq", "kind": "sequence", "children": ["fn", "bound"]},
            {"label": "fn", "kind": "lambda"},
            {"label": "bound", "kind": "binding", "children": ["par"], "callbacks": ["h2"]},
            {"label": "par", "kind": "parallel", "children": ["a", "b"]},
            {"label": "a", "kind": "lambda"},
            {"label": "b", "kind": "lambda", "fail": True},
        ]},
        "handlers": [{"id": "h1"}, {"id": "h2"}],
        "invocation": {"mode": "invoke", "callbacks": ["h1"]},
    })
    assert check(scenario, expect(scenario), run_scenario(toy, scenario)) == []
    code = toy.reproduction(scenario)
    assert "from toyrt.runnables import RunnableLambda, RunnableParallel, RunnableSequence" in code


def test_a_runtime_without_with_config_gets_no_bindings(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "plainrt"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "callbacks.py").write_text("class BaseCallbackHandler:\n    pass\n", encoding="utf-8")
    (pkg / "runnables.py").write_text("".join(
        f"class {name}:\n    pass\n" for name in
        ("RunnableLambda", "RunnableSequence", "RunnableParallel")), encoding="utf-8")
    (pkg / "conformance_adapter.py").write_text(
        _adapter_block(RECIPE).replace("mylib", "plainrt"), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        caps = load_adapter("plainrt.conformance_adapter:Adapter").capabilities
    finally:
        for name in [m for m in sys.modules if m.split(".")[0] == "plainrt"]:
            del sys.modules[name]
    assert caps.node_kinds == {"lambda", "sequence", "parallel"}
    assert "has no with_config" in caps.notes["node_kinds"]


def test_the_docs_adapter_passes_for_the_toy_runtime(tmp_path: Path) -> None:
    _make_runtime(tmp_path, "toyrt", _adapter_block(_readme_adapter_section()))
    code, output, report = _run(tmp_path, "toyrt.conformance_adapter:Adapter",
                                "R1", "R2", "R3", "R5", "R8")
    assert code == 0, output[-6000:]
    statuses = {r: report["rules"][r]["status"] for r in ("R1", "R2", "R3", "R5", "R8")}
    assert statuses == {"R1": "pass", "R2": "pass", "R3": "not-applicable", "R5": "pass",
                        "R8": "pass"}, output[-6000:]
    # a not-applicable test says why, in the adapter's own words
    assert "constructor_callbacks is empty (no node kind of toyrt is declared" in output


def test_a_broken_copy_of_the_toy_runtime_is_caught_as_R1(tmp_path: Path) -> None:
    _make_runtime(tmp_path, "toyrt_broken", _adapter_block(RECIPE), broken=True)
    code, output, report = _run(tmp_path, "toyrt_broken.conformance_adapter:Adapter", "R1")
    assert code == 1, output[-6000:]
    assert report["rules"]["R1"]["status"] == "fail", output[-6000:]
    assert "R1 runtime-reach:" in output and "[R1]" in output
    # the reproduction is in the toy runtime's own API
    assert "from toyrt_broken.runnables import" in output


def test_the_failing_hook_example_makes_chat_models_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recipe's failing-leaf hook, on the reference engine (whose chat model answers in
    ``_reply``): a failing chat model fails as R8 wants."""
    from conformance.adapters.langchain_like import LangChainLikeAdapter

    [hook] = [b for b in _python_blocks(RECIPE) if "def failing_chat_model" in b]
    functions, _, in_class = hook.partition("# in the Adapter class:")
    namespace: dict[str, Any] = {}
    exec(functions, namespace)
    body = textwrap.indent(textwrap.dedent(in_class).strip(), "    ")
    exec("class Adapter(LangChainLikeAdapter):\n"
         "    name = prefix = 'reference'\n"
         "    kinds = ('sequence', 'lambda', 'chat_model')\n" + body,
         {**namespace, "LangChainLikeAdapter": LangChainLikeAdapter}, namespace)
    adapter = namespace["Adapter"]()
    assert adapter.capabilities.failing_kinds == {"lambda", "chat_model"}
    scenario = Scenario.from_json({
        "chain": {"root": "seq", "nodes": [
            {"label": "seq", "kind": "sequence", "children": ["fn", "model"]},
            {"label": "fn", "kind": "lambda"},
            {"label": "model", "kind": "chat_model", "fail": True},
        ]},
        "handlers": [{"id": "h1"}],
        "invocation": {"mode": "invoke", "callbacks": ["h1"]},
    })
    assert check(scenario, expect(scenario), run_scenario(adapter, scenario)) == []
