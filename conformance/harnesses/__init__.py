"""Harnesses that speak the JSON harness protocol (docs/harness-protocol.md) from Python.

:mod:`conformance.harnesses.python` serves any in-process adapter over the protocol; it is the
suite's own test of the subprocess path (``--impl 'harness:python -m conformance.harnesses.python
reference'``) and a model for harnesses in other languages.
"""
