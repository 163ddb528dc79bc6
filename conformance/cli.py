"""Command line: ``python -m conformance run|replay|rules|matrix|stats``.

``run`` is a thin front for pytest with the suite's plugin (so JUnit XML, ``-n auto`` and every
other pytest option work unchanged); ``replay`` re-checks one scenario printed by a failure report;
``rules`` lists the rules and the tests that check them; ``matrix`` renders the compliance matrix
from JSON reports (:mod:`conformance.compat`).

Exit status: 0 when every rule holds or fails exactly as the expectation file says; 1 when a rule
fails unexpectedly or passes unexpectedly; 2 when the adapter or an input file is broken.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

__all__ = ["main", "parse", "run_argv"]


#: Crashed pytest-xdist workers replaced before the run stops (the rest is errored "no result").
MAX_WORKER_RESTARTS = 6


def default_workers() -> int:
    """A pytest-xdist worker per CPU this process may use, each pinned to a CPU of its own
    (:mod:`~conformance.affinity`): with the threads a worker's scenarios hand work to on its
    CPU, two pinned workers on two CPUs ran the default profile in 0.77-0.89 of the wall time of
    three unpinned ones (five alternating pairs, median 0.86; the previous default, whose extra
    worker used the time a worker waits for its threads)."""
    from .affinity import usable_cpus

    return len(usable_cpus())


def run_argv(args: argparse.Namespace, extra: Sequence[str] = ()) -> list[str]:
    """pytest's command line for ``run`` with these arguments (``extra``: passed to pytest).

    Public so that the project's self-tests can run exactly this command in-process
    (``pytest.main``) where a subprocess per run would only add start-up time. Raises ValueError
    (a one-line message) for an unknown ``--rule``.
    """
    from .pytest_plugin import SUITE_DIR
    from .results import select_rules

    rules = select_rules(args.rule)
    argv = [
        str(SUITE_DIR),  # the plugin itself is loaded by its pytest11 entry point
        "-p", "no:cacheprovider",
        "-p", "no:benchmark",  # pytest-benchmark, where installed, writes .benchmarks/ into cwd
        "--rootdir", str(SUITE_DIR),
        "-c", "/dev/null",
        "--impl", args.impl,
        "--conformance-profile", args.profile,
        "-q",
        # The suite reports through its own messages, never bare asserts; rewriting would
        # re-compile every module of Hypothesis in each worker where bytecode is not cached.
        "--assert=plain",
    ]
    if args.report:
        argv += ["--conformance-report", args.report]
    if args.junitxml:
        argv += ["--junitxml", args.junitxml]
    if args.expectations:
        argv += ["--expectations", args.expectations]
    if args.database:
        argv += ["--conformance-db", args.database]
    for rule_id in rules:
        argv += ["--rule", rule_id]
    if args.timeout is not None:
        argv += ["--conformance-timeout", str(args.timeout)]
    if args.full_report:
        argv.append("--full-report")
    if args.no_pin:
        argv.append("--conformance-no-pin")
    if args.strict_expectations:
        argv.append("--strict-expectations")
    # Always under pytest-xdist's supervision (a worker per CPU unless -n says
    # otherwise): a worker that dies or hangs has its test errored and is replaced, and the run
    # goes on (-n 0: in-process).
    import importlib.util

    if args.workers or importlib.util.find_spec("xdist") is not None:
        argv += ["-n", args.workers or str(default_workers())]
        if args.workers != "0" and not any(a.startswith("--dist") for a in extra):
            # Rule tests differ tenfold in length (R11 runs every mode per example): a worker
            # that runs out of tests takes some of another's instead of waiting for it.
            argv += ["--dist", "worksteal"]
        if not any(a.startswith("--max-worker-restart") for a in extra):
            argv += ["--max-worker-restart", str(MAX_WORKER_RESTARTS)]
    return argv + list(extra)


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    import pytest

    try:
        argv = run_argv(args, extra)
    except ValueError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return 2
    if "-n" not in argv:  # without pytest-xdist (not in the 'suite' extra) a hang or a crash
        print("conformance: pytest-xdist is not installed, so a crashing or hanging adapter "
              "will end the run: python -m pip install pytest-xdist", file=sys.stderr)
    code = int(pytest.main(argv))
    code = code if code in (0, 1, 2) else 2
    _end_if_threads_left(code)
    return code


def _end_if_threads_left(code: int) -> None:
    """Threads an adapter left running must not keep the process alive once the reports are
    written: say so and end the process with ``code``."""
    from .watch import leftover_threads

    left = leftover_threads()
    if left:
        print(f"conformance: adapter left {len(left)} thread{'s' if len(left) != 1 else ''} "
              f"running ({', '.join(t.name for t in left[:5])}); exiting anyway",
              file=sys.stderr)
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _replay(args: argparse.Namespace) -> int:
    from .adapter import AdapterError, load_adapter
    from .explain import explain
    from .harness import reproduction
    from .model import ModelError, Scenario
    from .oracle import expect
    from .properties import PROPERTIES, evaluate
    from .results import select_rules

    try:
        rules = select_rules(args.rule) or list(PROPERTIES)
    except ValueError as exc:
        print(f"conformance replay: {exc}", file=sys.stderr)
        return 2
    try:
        text = args.scenario
        if text.startswith("@"):
            with open(text[1:], encoding="utf-8") as fh:
                text = fh.read()
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ModelError(f"expected a JSON object with chain, handlers and invocation "
                             f"(a report's scenario), got {type(data).__name__}")
        scenario = Scenario.from_json(data)
        expect(scenario)  # the oracle refuses a case the spec does not fix (a shared flaky toggle)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ModelError) as exc:
        print(f"conformance replay: cannot read the scenario: {exc}", file=sys.stderr)
        return 2
    from .deviations import DeviationsError, KnownDeviations

    known = KnownDeviations()
    if args.expectations:
        try:
            known = KnownDeviations.load(args.expectations)
        except DeviationsError as exc:
            print(f"conformance replay: {exc}", file=sys.stderr)
            return 2
    try:
        adapter = load_adapter(args.impl)
        wrong_file = known.not_for(adapter.name)
        if wrong_file is not None:  # as run does
            print(f"conformance replay: {wrong_file}", file=sys.stderr)
            return 2
        failed = False
        for rule_id in rules:
            finding = evaluate(rule_id, adapter, scenario, known)
            if finding.known:
                print(f"{rule_id}: known deviations seen: "
                      + ", ".join(f"{k} x{n}" for k, n in sorted(finding.known.items())))
            if finding:
                failed = True
                print(explain(finding, reproduction(adapter, scenario), impl=args.impl))
                # what an expectation entry's "where" can match, fact by fact
                print("Signatures:")
                for v in finding.violations:
                    print(f"  {v.signature}")
                    for alt in v.alternatives:  # the same object's runs it cannot be told from
                        print("    or, as another run of its object: "
                              + ", ".join(f"{k}={val}" for k, val in alt))
                print()
            elif finding.vacuous:
                print(f"{rule_id}: nothing to check ({finding.vacuous})")
            else:
                print(f"{rule_id}: holds")
    except AdapterError as exc:
        print(f"conformance replay: {exc}", file=sys.stderr)
        return 2
    return 1 if failed else 0


def _rules(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .rules import RULES
    from .traceability import markdown_table, tests_by_rule, update_spec

    tests = tests_by_rule(*(Path(p) for p in args.also))
    if args.update:
        spec = Path(args.update)
        try:
            spec.write_text(update_spec(spec.read_text(encoding="utf-8"), tests),
                            encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"conformance rules --update: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.markdown:
        print(markdown_table(tests))
        return 0
    for r in RULES:
        print(f"{r.id:<4} {r.slug:<22} {r.title}")
        for name in tests.get(r.id, []):
            print(f"       {name}")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from .adapter import AdapterError, load_adapter
    from .stats import draw_scenarios, measure
    from .strategies import Registrations

    try:
        capabilities = load_adapter(args.impl).capabilities
    except AdapterError as exc:
        print(f"conformance stats: {exc}", file=sys.stderr)
        return 2
    unsupported = sorted(set(args.mode or ()) - capabilities.modes)
    if unsupported:
        print(f"conformance stats: {args.impl} does not support mode {', '.join(unsupported)} "
              f"(its modes: {', '.join(sorted(capabilities.modes))})", file=sys.stderr)
        return 2
    registrations = Registrations(failures=args.failures, faults=args.faults,
                                  root_config=args.root_config,
                                  per_item_configs=args.per_item_configs)
    shape = None
    if args.composed:  # what the composed runnables' rule tests draw
        from .strategies import COMPOSED_SHAPE

        shape = COMPOSED_SHAPE
    drawn = draw_scenarios(args.examples, capabilities, registrations, shape=shape,
                           modes=args.mode, seed=args.seed)
    print(measure(drawn, composed=args.composed).render())
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return value


def _stats_parser(sub: Any) -> None:
    from .model import MODES

    stats = sub.add_parser("stats", help="the distribution of generated scenarios")
    stats.add_argument("--impl", default="reference",
                       help="draw what this implementation's capabilities allow")
    stats.add_argument("-n", "--examples", type=_positive, default=2000,
                       help="how many to draw")
    stats.add_argument("--seed", type=int, default=0)
    stats.add_argument("--mode", action="append", choices=MODES,
                       help="only this mode (repeatable)")
    stats.add_argument("--failures", action="store_true", help="nodes may fail")
    stats.add_argument("--faults", action="store_true", help="a handler may raise")
    stats.add_argument("--root-config", action="store_true", help="run_name / run_id")
    stats.add_argument("--per-item-configs", action="store_true",
                       help="batches with one config per input")
    stats.add_argument("--composed", action="store_true",
                       help="the chains the composed runnables' tests draw (SPEC.md §8: llm, "
                            "branch, fallbacks), with their features")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m conformance",
                                     description="Callback propagation conformance suite.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the suite against an implementation "
                                     "(unknown options go to pytest)")
    run.add_argument("--impl", default="reference",
                     help="reference, langchain_core or package.module:Adapter")
    run.add_argument("--profile", default="default", choices=("quick", "default", "thorough"))
    run.add_argument("--report", help="write the JSON report to this file")
    run.add_argument("--junitxml", help="write JUnit XML to this file")
    run.add_argument("--expectations",
                     help="the implementation's known deviations (JSON; SPEC.md §7)")
    run.add_argument("--strict-expectations", action="store_true",
                     help="a known deviation that never showed fails the run")
    run.add_argument("--database", help="Hypothesis example database directory")
    run.add_argument("--rule", action="append",
                     help="only this rule (repeatable, case-insensitive: R5, r5, once-per-handler)")
    run.add_argument("--timeout", type=float, metavar="SECONDS",
                     help="deadline per scenario (default: 30 s quick, 60 s default, 120 s "
                          "thorough; 0: none); a scenario that exceeds it is errored with every "
                          "thread's stack")
    run.add_argument("--full-report", action="store_true",
                     help="long failure reports: every violation, Hypothesis's draw and "
                          "explain phase, the traceback (always in the JSON report)")
    run.add_argument("-n", dest="workers",
                     help="pytest-xdist workers (default: one per CPU; 0: in-process)")
    run.add_argument("--no-pin", action="store_true",
                     help="leave the workers free to move between CPUs (by default, when the "
                          "workers divide evenly over the CPUs, each runs on a CPU of its own)")
    replay = sub.add_parser("replay", help="check one scenario (JSON, or @file) against rules")
    replay.add_argument("scenario")
    replay.add_argument("--impl", default="reference")
    replay.add_argument("--rule", action="append")
    replay.add_argument("--expectations", help="mask the known deviations this file lists, as "
                                               "run does (a case that broke a rule only beside a "
                                               "known deviation replays as it did in the run)")
    rules = sub.add_parser("rules", help="list the rules and the tests that check each")
    rules.add_argument("--markdown", action="store_true", help="as SPEC.md's section")
    rules.add_argument("--update", metavar="SPEC.md", help="rewrite SPEC.md's generated section")
    rules.add_argument("--also", action="append", default=[], metavar="DIR",
                       help="also scan this folder of tests (e.g. tests)")
    matrix = sub.add_parser("matrix", help="the compliance matrix (Markdown) from JSON reports")
    matrix.add_argument("reports", nargs="+", help="JSON reports, or folders of them")
    matrix.add_argument("--expectations-dir", action="append", metavar="DIR",
                        help="where expectation files are (default: expectations/ beside the "
                             "reports' folder, and ./expectations)")
    matrix.add_argument("-o", "--output", help="write the page here instead of stdout")
    _stats_parser(sub)
    return parser


class _PipeSafe(io.TextIOBase):
    """Standard output that outlives its reader: once ``| head`` has exited, output is dropped
    (file descriptor 1 then points at the null device) instead of raising BrokenPipeError, so a
    run still finishes, writes its reports and exits with its own status."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._gone = False

    def write(self, text: str) -> int:
        if not self._gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._reader_gone()
        return len(text)

    def flush(self) -> None:
        if not self._gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._reader_gone()

    def _reader_gone(self) -> None:
        self._gone = True
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._stream.encoding

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; also the ``conformance`` console script."""
    if not isinstance(sys.stdout, _PipeSafe) and sys.stdout is not None:
        sys.stdout = _PipeSafe(sys.stdout)
    try:
        return _main(argv)
    finally:
        if sys.stdout is not None:
            with contextlib.suppress(BrokenPipeError):
                sys.stdout.flush()


def parse(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    """The command line's arguments, and those it does not know (``run`` passes them to
    pytest; a leading ``--`` only separates them, pytest would take what follows for paths)."""
    args, extra = _parser().parse_known_args(argv)
    return args, extra[1:] if extra[:1] == ["--"] else extra


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args, extra = parse(argv)
    if args.command == "run":
        return _run(args, extra)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "replay":
        return _replay(args)
    if args.command == "stats":
        return _stats(args)
    if args.command == "matrix":
        from .compat import main as matrix_main

        return matrix_main(args.reports, args.expectations_dir, args.output)
    return _rules(args)
