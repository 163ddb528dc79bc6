"""Options shared by the project's tests.

``slow`` marks checks that protect no verdict of the suite and change rarely, and cost more than
the rest of a test directory (building and installing the package, running every LangChain.js
reproduction of the expectation files): the default test command skips them, saying so;
``--run-slow`` (``tox -e tests-slow``) runs them.

Under pytest-xdist each worker runs on a CPU of its own, as the suite's workers do
(:mod:`conformance.affinity`); ``CONFORMANCE_NO_PIN=1`` leaves them free.
"""

from __future__ import annotations

import os

import pytest

from conformance.affinity import pin_xdist_worker


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="also run the tests marked slow (packaging builds, every LangChain.js "
                          "reproduction)")


def pytest_configure(config: pytest.Config) -> None:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and not os.environ.get("CONFORMANCE_NO_PIN"):
        pin_xdist_worker(workerinput)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("run_slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow (tox -e tests-slow)")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)
