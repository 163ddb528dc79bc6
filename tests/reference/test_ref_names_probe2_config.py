"""What a function taking ``config`` finds in it: ``tags``, ``metadata``, ``configurable`` and
``recursion_limit`` are always there (empty, and 25, when nobody set them), as langchain_core's
``ensure_config`` gives them, so ``config["metadata"]`` works in any function. Found by a second
differential probe. Written once against a package prefix, expected values by hand
(langchain-core 1.8.3's)."""

from __future__ import annotations

from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _read(x: Any, config: Any) -> Any:
    return {k: config[k] for k in ("tags", "metadata", "configurable", "recursion_limit")}


@pytest.mark.parametrize("pkg", PKGS)
def test_a_function_config_has_the_standard_keys(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    assert lam(_read).invoke(1) == {"tags": [], "metadata": {}, "configurable": {},
                                    "recursion_limit": 25}
    given = lam(_read).invoke(1, {"tags": ["t"], "metadata": {"m": 1}, "run_name": "r",
                                  "configurable": {"user_id": "u"}, "recursion_limit": 5})
    assert given == {"tags": ["t"], "metadata": {"m": 1}, "configurable": {"user_id": "u"},
                     "recursion_limit": 5}
    seq = lam(lambda x: x) | lam(_read)
    assert seq.invoke(1)["recursion_limit"] == 25

