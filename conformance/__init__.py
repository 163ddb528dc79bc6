"""A property-based conformance suite for LangChain-style callback propagation (see SPEC.md)."""

from .adapter import (
    Adapter,
    AdapterError,
    Capabilities,
    HandlerFault,
    InjectedFailure,
    Outcome,
    Probe,
    load_adapter,
)
from .events import Event, EventSink, MalformedEvent
from .model import Chain, HandlerSpec, Invocation, Node, Scenario
from .rules import RULES, Rule

__all__ = [
    "RULES",
    "Adapter",
    "AdapterError",
    "Capabilities",
    "Chain",
    "Event",
    "EventSink",
    "HandlerFault",
    "HandlerSpec",
    "InjectedFailure",
    "Invocation",
    "MalformedEvent",
    "Node",
    "Outcome",
    "Probe",
    "Rule",
    "Scenario",
    "load_adapter",
]

__version__ = "0.1.0"
