"""Failure reports take their reproduction from the adapter (the optional ``reproduction``
method of the protocol), never from guesses about the adapter's attributes."""

from __future__ import annotations

from typing import Any

from conformance.adapter import Reproducing, load_adapter
from conformance.harness import reproduction
from conformance.model import Scenario

SCENARIO = Scenario.from_json({
    "chain": {"root": "fn", "nodes": [{"label": "fn", "kind": "lambda"}]},
    "handlers": [{"id": "h1"}],
    "invocation": {"mode": "invoke", "callbacks": ["h1"]},
})


class _Plain:
    """An adapter that writes no code (a prefix attribute alone means nothing)."""

    prefix = "somewhere"


class _Broken:
    def reproduction(self, scenario: Scenario) -> str | None:
        raise RuntimeError("cannot write code")


def test_an_adapter_without_the_method_gets_no_code() -> None:
    plain: Any = _Plain()
    assert not isinstance(plain, Reproducing)
    assert reproduction(plain, SCENARIO) is None


def test_a_failing_reproduction_is_no_code_not_a_crash() -> None:
    broken: Any = _Broken()
    assert reproduction(broken, SCENARIO) is None


def test_the_kit_writes_code_in_the_runtimes_own_api() -> None:
    code = reproduction(load_adapter("reference"), SCENARIO)
    assert code is not None
    assert "from reference.runnables import RunnableLambda" in code
