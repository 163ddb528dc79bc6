"""Adapters shipped with the suite; see :mod:`conformance.adapter` for the protocol."""
