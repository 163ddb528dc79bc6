"""A pytest plugin for the self-tests' runner subprocesses: keep the conformance profile but skip
Hypothesis's shrink and explain phases.

The self-tests ask only *whether* the suite catches a broken engine and under which rule; the
smallest counterexample is not their business, and shrinking some failures takes tens of seconds.
Loaded with ``-p tests.selftest._noshrink`` after the conformance plugin has loaded its profile.
"""

from __future__ import annotations

import pytest
from hypothesis import Phase, settings


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    settings.register_profile(
        "selftest-noshrink",
        parent=settings.default,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target),
    )
    settings.load_profile("selftest-noshrink")
