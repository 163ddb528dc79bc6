"""Tracers: handlers that record runs as trees of ``Run`` records (``langchain_core.tracers``).

``BaseTracer``, ``ConsoleCallbackHandler`` and ``Run`` as langchain_core exports them;
``AsyncBaseTracer`` in ``tracers.base``, ``collect_runs`` in ``tracers.context``,
``RunCollectorCallbackHandler`` in ``tracers.run_collector``, and the ``astream_log``
log (``LogStreamCallbackHandler``, ``RunLog``, ``RunLogPatch``; ``tracers.log_stream``).
LangSmith's ``LangChainTracer`` and ``EvaluatorCallbackHandler`` are not offered.
"""

from reference.tracers.base import BaseTracer
from reference.tracers.log_stream import LogStreamCallbackHandler, RunLog, RunLogPatch
from reference.tracers.schemas import Run
from reference.tracers.stdout import ConsoleCallbackHandler

__all__ = [
    "BaseTracer",
    "ConsoleCallbackHandler",
    "LogStreamCallbackHandler",
    "Run",
    "RunLog",
    "RunLogPatch",
]
