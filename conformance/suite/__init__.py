"""The rule tests: one module per SPEC.md rule, each test named by its rule id."""
