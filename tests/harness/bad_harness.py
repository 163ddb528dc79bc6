"""Harnesses that break the protocol, for the runner's tests: ``python bad_harness.py HOW [N]``.

They answer ``start`` like the Python harness (the reference engine behind the protocol) and
serve ``run`` requests properly until the N-th (default 1), where they misbehave as HOW says:

- ``crash``: exit with status 3 (after a line on stderr);
- ``hang``: never answer (and keep reading);
- ``garbage``: write a line that is not JSON;
- ``schema``: answer with a result that breaks the schema (an event method that does not exist);
- ``unknown-id``: answer with an id that was never asked;
- ``failed``: answer ``failed`` (the harness says it cannot run the case);
- ``start-crash``: exit before answering ``start``.

With ``ONCE=path`` in the environment, the misbehaviour happens only in the first process that
gets there (the file marks it), so a restarted harness behaves.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from conformance.adapter import load_adapter
from conformance.harnesses.python import answer


def main() -> int:
    how = sys.argv[1]
    nth = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    once = os.environ.get("ONCE")
    adapter = load_adapter("reference")
    runs = 0
    out = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        if request["cmd"] == "stop":
            return 0
        if request["cmd"] == "start" and how == "start-crash":
            print("bad harness: giving up before start", file=sys.stderr)
            return 4
        if request["cmd"] != "start":
            runs += 1
            armed = runs == nth and not (once and Path(once).exists())
            if armed:
                if once:
                    Path(once).write_text("done")
                print(f"bad harness: {how} on run {runs}", file=sys.stderr, flush=True)
                if how == "crash":
                    return 3
                if how == "hang":
                    time.sleep(3600)
                if how == "garbage":
                    out.write("this is not JSON\n")
                    out.flush()
                    continue
                if how == "unknown-id":
                    out.write(json.dumps({"id": 10_000, "results": []}) + "\n")
                    out.flush()
                    continue
                if how == "failed":
                    out.write(json.dumps({"id": request["id"],
                                          "error": {"message": "cannot build this"}}) + "\n")
                    out.flush()
                    continue
        response = answer(adapter, request)
        if how == "schema" and request["cmd"] != "start" and runs == nth and response:
            for result in response["results"]:
                for event in result["events"]:
                    event["method"] = "on_something_else"
        out.write(json.dumps(response) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
