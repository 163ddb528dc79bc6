"""What checking the suite's examples costs, with the engine left out: record, then replay.

``python -m benchmarks.check_replay [--reps N] [--verdicts FILE] [conformance run options]``
runs the rule tests once in this process (quick profile unless ``--profile`` says otherwise,
``-n 0``, no example database) and records every example the tests evaluated: its rule, its
scenario and what each run of it observed. It then evaluates every recorded example again
``--reps`` times with the recorded observations handed back in place of running the chain, so
only the oracle, the checker and the properties' own work are timed, and prints the CPU
milliseconds per example (the best repetition) and per rule.

Every repetition gets the same observation objects, but caches of pure functions stay warm
after the first. ``--verdicts FILE`` writes every replayed finding (rule, violations, incidental
violations, vacuous, known deviations seen) as JSON, run ids numbered in order of appearance: on
two trees, a change to the checker meant as a pure speed-up must give the same file. The quick
profile draws the same examples every time; what an engine observes can still differ between
runs where branches interleave (threads, tasks), so a difference there is one to look at, not
proof (``--impl`` with a broken engine checks the failing side).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks._in_process import run_suite, wrapped
from conformance import properties
from conformance.suite import _support

__all__ = ["Example", "main", "record", "replay"]

#: One evaluated example: (rule, adapter, scenario, known deviations, observations in the order
#: the property asked for them).
Example = tuple[str, Any, Any, Any, list[Any]]


def record(argv: Sequence[str] = ()) -> list[Example]:
    """Run the suite in this process and keep every example it evaluated, with what it saw."""
    examples: list[Example] = []
    tape: list[Any] = []

    def taped(func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            got = func(*args)
            tape.append(got)
            return got

        return wrapper

    def recording(evaluate: Callable[..., Any]) -> Callable[..., Any]:
        def recorded(rule: str, adapter: Any, scenario: Any, known: Any) -> Any:
            tape.clear()
            finding = evaluate(rule, adapter, scenario, known)
            examples.append((rule, adapter, scenario, known, list(tape)))
            return finding

        return recorded

    with wrapped((_support, "evaluate", recording), (properties, "run_scenario", taped),
                 (properties, "run_concurrently", taped)):
        run_suite(["--profile", "quick", *argv])
    return examples


def replay(examples: Sequence[Example]) -> tuple[list[Any], dict[str, float]]:
    """Evaluate every example again on its recorded observations: (the findings, CPU seconds
    per rule)."""
    tape: list[Any] = []
    seconds: dict[str, float] = defaultdict(float)
    findings = []

    def from_tape(_: Callable[..., Any]) -> Callable[..., Any]:
        return lambda adapter, scenario: tape.pop(0)

    with wrapped((properties, "run_scenario", from_tape),
                 (properties, "run_concurrently", from_tape)):
        for rule, adapter, scenario, known, observed in examples:
            tape[:] = observed
            start = time.process_time()
            findings.append(properties.evaluate(rule, adapter, scenario, known))
            seconds[rule] += time.process_time() - start
            if tape:
                raise RuntimeError(f"replay of a {rule} example out of step: the property ran "
                                   f"{len(observed) - len(tape)} of {len(observed)} recorded runs")
    return findings, seconds


def _violation(v: Any) -> list[Any]:
    return [v.rule, v.message, v.handler, v.run, v.kind, [list(f) for f in v.facts]]


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _ordinal_ids(value: Any) -> Any:
    """``value`` with each run id replaced by its order of first appearance (``<id 1>``...):
    an engine's ids are random, so two runs of one example differ by them alone."""
    seen: dict[str, str] = {}
    text = _UUID.sub(lambda m: seen.setdefault(m.group(), f"<id {len(seen) + 1}>"),
                     json.dumps(value))
    return json.loads(text)


def verdicts(findings: Sequence[Any]) -> list[Any]:
    """The findings as plain JSON values, run ids numbered per finding, for comparing trees."""
    return [_ordinal_ids({"rule": f.rule, "violations": [_violation(v) for v in f.violations],
                          "incidental": [[s.dumps(), _violation(v)] for s, v in f.incidental],
                          "vacuous": f.vacuous, "known": dict(f.known)}) for f in findings]


def main(argv: Sequence[str] = ()) -> int:
    """Record, replay ``--reps`` times, print the costs (and write ``--verdicts``)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.check_replay", add_help=False)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--verdicts", type=Path)
    ours, rest = parser.parse_known_args(argv)
    if ours.reps < 1:
        print("benchmarks.check_replay: --reps must be 1 or more", file=sys.stderr)
        return 2
    examples = record(rest)
    if not examples:
        print("benchmarks.check_replay: no rule test ran", file=sys.stderr)
        return 1
    best: dict[str, float] | None = None
    findings: list[Any] = []
    for _ in range(ours.reps):
        findings, seconds = replay(examples)
        if best is None or sum(seconds.values()) < sum(best.values()):
            best = seconds
    assert best is not None
    per_rule = Counter(rule for rule, *_ in examples)
    total = sum(best.values())
    print(f"\n{len(examples):,} examples replayed ({ours.reps} repetitions, the best shown): "
          f"{1000 * total / len(examples):.3f} ms of CPU per example to check")
    print(f"{'rule':6s} {'examples':>9s} {'ms per example':>15s}")
    for rule in sorted(per_rule, key=lambda r: int(r[1:])):
        print(f"{rule:6s} {per_rule[rule]:9,d} {1000 * best[rule] / per_rule[rule]:15.3f}")
    if ours.verdicts is not None:
        ours.verdicts.write_text(json.dumps(verdicts(findings), indent=1) + "\n")
        print(f"verdicts of {len(findings):,} findings written to {ours.verdicts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
