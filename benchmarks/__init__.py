"""Benchmarks of callback overhead (pytest-benchmark)."""
