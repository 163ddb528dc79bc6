"""A violation: one way an observation breaks one SPEC.md rule, with a stable signature.

The signature (rule, kind, facts) is what an expectation file matches to mark a violation as a
known deviation (see :mod:`conformance.deviations`): the *kind* comes from a small vocabulary per
rule (SPEC.md §5 lists it), the *facts* say what makes it happen — the node kind and run type of
the run, the invocation mode, the routes that put the handler there, the list or manager form —
so that a second, different deviation under the same rule never hides behind a first one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["FACTS", "KINDS", "Violation", "kind_is_known"]

#: The facts a violation may carry (SPEC.md §7; :mod:`conformance.signatures` reads most of
#: them off the case): the names an expectation entry's ``where`` may use.
FACTS: frozenset[str] = frozenset({
    # the case
    "mode", "root", "tool", "sync_only", "inline", "flaky", "fails", "seed",
    # the run
    "node", "run_type", "parent", "grandparent", "bound", "bound_attempt", "implicit_binding",
    "in_parallel", "in_map", "after_flaky",
    # the handler
    "routes", "bound_in", "form", "registrations", "in_configs", "handler", "ignore", "local",
    # what a rule's check adds
    "delivered", "delivered_in", "method", "missing_from", "fault_run", "compared", "differs",
})

#: The vocabulary of violation kinds, per rule (SPEC.md §7 lists it). A kind ending in ``:`` is
#: a prefix: the kind of the violation it wraps follows (``concurrent:missing-run``).
KINDS: dict[str | None, dict[str, str]] = {
    None: {"engine-raised": "the engine raised where nothing should fail",
           "outcome-count": "the adapter returned the wrong number of outcomes",
           "no-stream-events": "the adapter reported no stream events for astream_events"},
    "R1": {"missing-run": "a runtime handler never received a run of its tree",
           "outside-scope": "one batch input's handler received another input's run, or a "
                            "local runtime handler a run below the root",
           "ignored-run-received": "a runtime handler received a run its ignore_* flags "
                                   "silence",
           "stream-missing-run": "astream_events gave no start event of a run the callbacks "
                                 "saw"},
    "R2": {"missing-run": "a bound handler never received a run of the bound subtree",
           "outside-scope": "a bound handler received a run outside the bound subtree",
           "ignored-run-received": "a bound handler received a run its ignore_* flags "
                                   "silence"},
    "R3": {"missing-run": "a constructor handler never received its object's run",
           "outside-scope": "a constructor handler received another object's run",
           "ignored-run-received": "a constructor handler received a run its ignore_* flags "
                                   "silence"},
    "R4": {"registration-dropped:": "a handler misses runs only when registrations combine"},
    "R5": {"duplicate-delivery": "a handler received the start and terminal of a run more "
                                 "than once",
           "duplicate-start": "a handler received the start of a run more than once",
           "duplicate-terminal": "a handler received the end or error of a run more than "
                                 "once"},
    "R6": {"id-not-uuid": "a run id is not a UUID",
           "id-shared": "runs of different names share one id",
           "id-reused": "one id was given to several runs of one object",
           "id-reused-across-calls": "a second call of the same case gave a run an id the "
                                     "first call had given",
           "parent-disagreement": "handlers disagree on a run's parent id",
           "unexpected-run": "a run no runnable should produce (a binding's, say)",
           "root-has-parent": "a root run has a parent id",
           "wrong-parent": "a run's parent id is another run's",
           "missing-parent": "a run that has a parent says it has none",
           "wrong-run-type": "a run reports another run type",
           "wrong-name": "a start event names the run wrongly",
           "terminal-with-other-id": "a run's end or error came with another id",
           "stream-wrong-name": "astream_events names a run otherwise than the callbacks",
           "stream-wrong-type": "astream_events gives a run another type than the callbacks",
           "stream-wrong-parent-ids": "astream_events's parent_ids are not the run's ancestors "
                                      "(root first) the callbacks report"},
    "R7": {"missing-terminal": "a run started and never ended",
           "event-before-start": "an event of a run came before its start",
           "event-after-terminal": "an event of a run came after its end or error",
           "started-before-ancestor": "a run started before its ancestor",
           "event-after-ancestor-ended": "a run's event came after its ancestor ended",
           "step-overlap": "a sequence step started before the previous one ended",
           "step-out-of-order": "a sequence step started before the previous one started",
           "late-event": "events arrived after the invocation returned",
           "stream-start-before-parent": "astream_events starts a run before its parent",
           "stream-missing-end": "astream_events gave no end event of a run the callbacks saw "
                                 "end"},
    "R8": {"ran-after-failure": "a later step or callee started after a failure",
           "missing-terminal": "a failing run never ended",
           "end-instead-of-error": "a run the failure passed through ended normally",
           "error-instead-of-end": "a run that succeeded reported an error",
           "no-exception": "the caller got no exception although a node failed",
           "wrong-exception": "the caller got another exception than the failure's",
           "copied-exception": "the caller got a copy of the failure, not the object raised",
           "exception-of-another-input": "one batch input got another input's exception",
           "failure-from-elsewhere": "the caller got a failure although nothing should fail",
           "stream-end-of-failed-run": "astream_events gave an end event of a run that "
                                       "failed"},
    "R9": {"output-changed": "with handlers the call returned or raised something else"},
    "R10": {"fault-changes-run:": "with a raising handler, the runs differ (the wrapped kind)",
            "fault-changes-output": "with a raising handler, the call returned something else",
            "fault-not-reported": "a contained handler fault was not logged",
            "raise-error-swallowed": "a raise_error handler's exception did not reach the "
                                     "caller",
            "run-left-open": "after a raise_error handler raised, a run never ended"},
    "R11": {"mode-differs": "a mode gave a handler other runs than invoke"},
    "R12": {"concurrent:": "run concurrently, an invocation broke a rule (the wrapped kind)"},
    "R13": {"missing-tags": "a run lacks tags in scope", "extra-tags": "a run carries tags "
            "out of scope", "wrong-tags": "both", "missing-metadata": "a run lacks metadata in "
            "scope", "extra-metadata": "a run carries metadata out of scope",
            "wrong-metadata": "both", "terminal-tags": "an end or error event lacks the "
            "start's tags"},
    "R14": {"run-name-not-applied": "the root run does not carry the given run_name",
            "run-name-on-children": "other runs carry the given run_name",
            "bound-run-name-not-applied": "the bound object's run does not carry the run name "
                                          "bound nearest the caller (with_config(run_name=...))",
            "bound-run-name-leaked": "a run other than the bound object's carries a bound run "
                                     "name",
            "run-id-not-applied": "the root run does not have the given run_id",
            "run-id-on-children": "other runs have the given run_id"},
    "R15": {"wrong-start-method": "a start came through another run type's method",
            "wrong-end-method": "an end came through another run type's method",
            "wrong-error-method": "an error came through another run type's method",
            "token-outside-model": "a token event for a run that is no model's",
            "serialized-none": "a start got serialized=None",
            "serialized-name": "a start's serialized['name'] is not the run's name",
            "name-keyword-none": "a start got name=None",
            "name-keyword": "a start's name keyword is not the run's name",
            "wrong-inputs": "a start carried other inputs than the run received",
            "wrong-outputs": "an end carried other outputs than the run returned",
            "payload-changed-after-delivery": "the engine changed a start's inputs or an end's "
                                              "outputs after delivering them",
            "wrong-exception": "an error carried another exception than the one raised",
            "copied-exception": "an error carried a copy of the exception raised",
            "tokens-do-not-add-up": "a model's tokens do not add up to its reply",
            "streamed-without-tokens": "a model the stream carries gave no token at all",
            "seed-lines-differ": "a seed page's handler prints other lines than the page "
                                 "shows"},
}


def kind_is_known(rule: str | None, kind: str) -> bool:
    """Is ``kind`` in the vocabulary of ``rule`` (prefixed kinds included)?"""
    kinds = KINDS.get(rule, {})
    return kind in kinds or any(k.endswith(":") and kind.startswith(k) for k in kinds)


@dataclass(frozen=True)
class Violation:
    """One way the observation breaks the spec. ``rule`` is None for a crash of the engine that
    makes every rule impossible to judge."""

    rule: str | None
    message: str
    handler: str | None = None
    run: str | None = None
    #: What kind of violation (see the module docstring); stable across runs and versions.
    kind: str = "unspecified"
    #: Structural facts, as sorted (name, value) pairs: ``mode``, ``node``, ``run_type``,
    #: ``routes``, ``form``, ``registrations``, ``parent`` (the node kind of the run's parent),
    #: ``method``, ``delivered`` (what an error event carried).
    facts: tuple[tuple[str, str], ...] = ()
    #: Other readings of the run's own facts (``run_facts`` of each run of the same object the
    #: observation cannot tell from this one): an expectation entry that matches the violation
    #: under any of them matches it (see :meth:`readings`).
    alternatives: tuple[tuple[tuple[str, str], ...], ...] = ()

    def readings(self) -> tuple[dict[str, str], ...]:
        """The violation's facts, then the same with each alternative's run facts instead."""
        base = dict(self.facts)
        return (base, *({**base, **dict(alt)} for alt in self.alternatives))

    def __str__(self) -> str:
        where = " ".join(
            p for p in (f"[{self.rule}]" if self.rule else "[crash]",
                        f"handler {self.handler}" if self.handler else "",
                        f"run {self.run!r}" if self.run else "") if p
        )
        return f"{where}: {self.message}"

    @property
    def signature(self) -> str:
        """``R15 serialized-none (mode=invoke, node=sequence, run_type=chain, ...)``."""
        facts = ", ".join(f"{k}={v}" for k, v in self.facts)
        return f"{self.rule or 'crash'} {self.kind}" + (f" ({facts})" if facts else "")

    def fact(self, name: str) -> str | None:
        return dict(self.facts).get(name)

    def with_facts(self, **facts: str) -> Violation:
        merged = dict(self.facts)
        merged.update({k: v for k, v in facts.items() if k not in merged})
        return replace(self, facts=tuple(sorted(merged.items())))
