"""Self-tests of the conformance suite: deliberately broken engines it must catch."""
