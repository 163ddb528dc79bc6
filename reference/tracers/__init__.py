"""Tracers: handlers that record runs as trees of ``Run`` records (``langchain_core.tracers``).

``BaseTracer``, ``ConsoleCallbackHandler`` and ``Run`` as langchain_core exports them;
``AsyncBaseTracer`` in ``tracers.base``, ``collect_runs`` in ``tracers.context``,
``RunCollectorCallbackHandler`` in ``tracers.run_collector``. LangSmith's
``LangChainTracer``, ``EvaluatorCallbackHandler`` and the ``astream_log``
machinery (``LogStreamCallbackHandler``, ``RunLog``, ``RunLogPatch``) are not offered.
"""

from reference.tracers.base import BaseTracer
from reference.tracers.schemas import Run
from reference.tracers.stdout import ConsoleCallbackHandler

__all__ = ["BaseTracer", "ConsoleCallbackHandler", "Run"]
