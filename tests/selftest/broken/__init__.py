"""Broken variants of the reference engine, each breaking one SPEC.md rule in one way."""
