"""``python -m benchmarks``: run the suites, report on them, or profile an engine.

``run [--quick]`` runs the pytest-benchmark suites (``--quick``: every benchmark once, untimed,
to prove the code works). ``report`` runs them ``--repeat`` times with ``--benchmark-json``,
keeps each benchmark's best pass in one JSON file and turns it into ratios, exponents, verdicts
and plots; ``report --json FILE`` reports on an earlier run.
``report`` also times the conformance suite itself (:mod:`benchmarks.suite_speed`: examples per
second per rule test and end-to-end wall time for the quick and default profiles, per
implementation), with ratios against the previous archived run; ``--no-suite`` leaves it out,
``--suite-only`` measures nothing else.
``profile`` shows where one engine's time goes on a width workload (cProfile).
Arguments after ``--`` go to pytest (e.g. ``-- -k width``).
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from benchmarks import suite_speed
from benchmarks._plot import BACKENDS
from benchmarks._report import (
    STATS,
    analyse,
    load_json,
    load_records,
    machine_summary,
    merge_passes,
    render,
    strip_rounds,
    write_plots,
)

HERE: Final = Path(__file__).resolve().parent
DEFAULT_OUT: Final = Path("reports") / "bench"
#: Many short passes beat one long one here: the machine's slow phases last seconds, so five
#: half-second windows per benchmark, a minute apart, rarely all land in one.
DEFAULT_REPEAT: Final = 5
DEFAULT_MAX_TIME: Final = 0.5


def pytest_command(extra: Sequence[str], *, quick: bool, json_path: Path | None = None,
                   max_time: float | None = None) -> list[str]:
    """The pytest command line for the suites (xdist off: it would disable timing)."""
    cmd = [sys.executable, "-m", "pytest", str(HERE), "-p", "no:xdist", "-q",
           "--benchmark-sort=name", "--benchmark-columns=min,median,rounds"]
    if quick:
        cmd.append("--benchmark-disable")
    if json_path is not None:
        cmd.append(f"--benchmark-json={json_path}")
    if max_time is not None:
        cmd.append(f"--benchmark-max-time={max_time}")
    return [*cmd, *extra]


def _split(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    argv = list(argv)
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    return argv, []


def main(argv: Sequence[str] | None = None) -> int:
    own, extra = _split(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description=(__doc__ or "").split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the benchmark suites")
    run.add_argument("--quick", action="store_true",
                     help="every benchmark once, untimed (pytest --benchmark-disable)")
    rep = sub.add_parser("report", help="run the suites (or read --json) and report")
    rep.add_argument("--json", type=Path, help="report on this pytest-benchmark JSON, no run")
    rep.add_argument("--out", type=Path, default=DEFAULT_OUT,
                     help=f"where results.json, report.md and plots go (default {DEFAULT_OUT})")
    rep.add_argument("--stat", choices=STATS, default="min", help="statistic (default min)")
    rep.add_argument("--plots", choices=BACKENDS, default="auto",
                     help="auto: matplotlib PNG if installed, else built-in SVG")
    rep.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, metavar="K",
                     help="run the suites K times and keep each benchmark's best pass, so a "
                     f"slow phase of the machine spoils no cell (default {DEFAULT_REPEAT})")
    rep.add_argument("--max-time", type=float, default=DEFAULT_MAX_TIME,
                     help="pytest-benchmark's max time per benchmark and pass, seconds "
                     f"(default {DEFAULT_MAX_TIME})")
    rep.add_argument("--archive", type=Path,
                     help="also save the results here without per-round timings (small enough "
                     "to commit; the report needs only the stats)")
    rep.add_argument("--check", action="store_true",
                     help="exit 1 if a judged figure misses its target")
    suite = rep.add_mutually_exclusive_group()
    suite.add_argument("--no-suite", action="store_true",
                       help="do not time the conformance suite itself")
    suite.add_argument("--suite-only", action="store_true",
                       help="time only the conformance suite (no pytest-benchmark passes)")
    rep.add_argument("--suite-impl", action="append", metavar="IMPL",
                     help="implementation for the suite timing (repeatable; default: reference, "
                     "and langchain_core when importable)")
    rep.add_argument("--suite-profile", action="append", metavar="PROFILE",
                     choices=("quick", "default", "thorough"),
                     help="suite profile to time (repeatable; default: quick and default)")
    rep.add_argument("--suite-rule", action="append", metavar="RULE",
                     help="time only this rule's tests (repeatable; default: all)")
    rep.add_argument("--suite-seed", type=int, default=suite_speed.DEFAULT_SEED,
                     help="--hypothesis-seed of the suite runs (default "
                     f"{suite_speed.DEFAULT_SEED})")
    rep.add_argument("--previous", type=Path,
                     help="archived results to compare the suite figures with (default: the "
                     "newest in benchmarks/results/ that has them)")
    prof = sub.add_parser("profile", help="cProfile one width workload (where the time goes)")
    prof.add_argument("--impl", default="reference", help="floor, reference or langchain_core")
    prof.add_argument("--nodes", type=int, default=100)
    prof.add_argument("--handlers", type=int, default=1)
    prof.add_argument("--runs", type=int, default=2000)
    prof.add_argument("--top", type=int, default=20)
    args = parser.parse_args(own)

    if args.command == "profile":
        from benchmarks._profile import profile_width

        print(profile_width(args.impl, args.nodes, args.handlers, args.runs, args.top))
        return 0

    if args.command == "run":
        return subprocess.call(pytest_command(extra, quick=args.quick))

    out: Path = args.out
    status = 0
    if args.json is None:
        out.mkdir(parents=True, exist_ok=True)
        if args.repeat < 1:
            parser.error("--repeat must be at least 1")
        json_path = out / "results.json"
        json_path.unlink(missing_ok=True)
        passes = []
        for number in range(1, 0 if args.suite_only else args.repeat + 1):
            pass_path = out / f"results-pass{number}.json"
            pass_path.unlink(missing_ok=True)
            print(f"pass {number} of {args.repeat}", flush=True)
            status = subprocess.call(pytest_command(extra, quick=False, json_path=pass_path,
                                                    max_time=args.max_time)) or status
            if pass_path.exists():
                passes.append(load_json(pass_path))
                pass_path.unlink()
        results: dict[str, object] = merge_passes(passes, args.stat) if passes else {}
        if not args.no_suite:
            results["suite_speed"] = suite_speed.measure_all(
                args.suite_impl or suite_speed.available_impls(),
                args.suite_profile or suite_speed.DEFAULT_PROFILES, out / "suite",
                seed=args.suite_seed, rules=args.suite_rule or ())
        if results:
            json_path.write_text(json.dumps(results))
        command = "python -m benchmarks report " + shlex.join(_report_options(args, extra))
    else:
        json_path = args.json
        command = f"python -m benchmarks report --json {shlex.quote(str(json_path))}"
    data = load_json(json_path)
    if args.json is None and data.get("benchmarks"):
        # Keep with the results which command measured them (an extra top-level key).
        data["measured_with"] = command.strip()
        json_path.write_text(json.dumps(data))
    if args.archive is not None:
        args.archive.parent.mkdir(parents=True, exist_ok=True)
        args.archive.write_text(json.dumps(strip_rounds(data), indent=1) + "\n")
    records = load_records(data, args.stat)
    suite_data = data.get("suite_speed")
    if not records and not suite_data:
        print(f"{json_path} holds no labelled benchmark results (was it run with "
              "--benchmark-disable?)", file=sys.stderr)
        return status or 1
    analysis = analyse(records) if records else None
    if analysis is not None:
        text = render(analysis, command=command.strip(), stat=args.stat,
                      machine=machine_summary(data),
                      measured_with=data.get("measured_with", ""),
                      passes=int(data.get("passes", 1)))
    else:
        text = (f"# Conformance suite speed\n\nThis report: `{command.strip()}`  \n"
                + (f"Measured with: `{data['measured_with']}`\n" if data.get(
                    "measured_with") else "") + "\n")
    if suite_data:
        text += "\n" + _suite_section(suite_data, args, exclude=(json_path, args.archive))
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(text)
    print(text)
    if args.plots != "none" and analysis is not None:
        files, note = write_plots(analysis, out, args.plots)
        if note:
            print(f"note: {note}", file=sys.stderr)
        print("plots: " + ", ".join(str(f) for f in files))
    print(f"report: {out / 'report.md'}")
    if args.check and analysis is not None and any(v.ok is False for v in analysis.verdicts):
        return status or 1
    return status


def _report_options(args: argparse.Namespace, extra: Sequence[str]) -> list[str]:
    """The options of this ``report`` run that differ from the defaults (for the report)."""
    opts = [*(["--repeat", str(args.repeat)] if args.repeat != DEFAULT_REPEAT else []),
            *(["--max-time", str(args.max_time)] if args.max_time != DEFAULT_MAX_TIME else [])]
    opts += ["--no-suite"] if args.no_suite else []
    opts += ["--suite-only"] if args.suite_only else []
    for flag, values in (("--suite-impl", args.suite_impl), ("--suite-profile",
                                                            args.suite_profile),
                         ("--suite-rule", args.suite_rule)):
        for value in values or ():
            opts += [flag, value]
    if args.suite_seed != suite_speed.DEFAULT_SEED:
        opts += ["--suite-seed", str(args.suite_seed)]
    return [*opts, *(["--", *extra] if extra else [])]


def _suite_section(current: dict[str, object], args: argparse.Namespace,
                   exclude: Sequence[Path | None]) -> str:
    """The suite-speed section, compared with ``--previous`` or the newest archived run."""
    if args.previous is not None:
        found: tuple[Path, dict[str, object]] | None = (
            args.previous, load_json(args.previous).get("suite_speed") or {})
    else:
        found = suite_speed.previous_run(exclude=[p for p in exclude if p is not None])
    if found is None:
        return suite_speed.render(current)
    path, before = found
    return suite_speed.render(current, before, path.name)


if __name__ == "__main__":
    raise SystemExit(main())
