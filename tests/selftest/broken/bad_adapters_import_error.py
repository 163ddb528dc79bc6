"""An adapter module that raises while it is imported (for the runner's bad-input tests)."""

RATIO = 1 / 0
