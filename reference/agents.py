"""``langchain_core.agents``: what agent code reports through a chain run's manager
(``run_manager.on_agent_action(action)``, ``on_agent_finish(finish)``) and what handlers
receive: the tool an agent chose with its input, the observation it got, its final answer.
The reference has no agent executor; these are the records only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, ClassVar

from reference._model import Record
from reference.messages import AIMessage, BaseMessage, FunctionMessage, HumanMessage

__all__ = ["AgentAction", "AgentActionMessageLog", "AgentFinish", "AgentStep"]


def _as_text(observation: Any) -> str:
    if isinstance(observation, str):
        return observation
    try:
        return json.dumps(observation, ensure_ascii=False)
    except Exception:
        return str(observation)


class AgentAction(Record):
    """The agent's choice: run ``tool`` on ``tool_input``; ``log`` is the model text it came
    from."""

    _fields: ClassVar[tuple[tuple[str, Any], ...]] = (
        ("tool", None), ("tool_input", None), ("log", None))
    _always = frozenset({"tool", "tool_input", "log"})
    type: ClassVar[str] = "AgentAction"

    def __init__(self, tool: str, tool_input: str | dict[str, Any], log: str,
                 **kwargs: Any) -> None:
        self.tool = tool
        self.tool_input = tool_input
        self.log = log
        for key, value in kwargs.items():
            setattr(self, key, value)

    @property
    def messages(self) -> Sequence[BaseMessage]:
        """The action as chat history: the model's text as an AI message."""
        return [AIMessage(content=self.log)]


class AgentActionMessageLog(AgentAction):
    """An action whose model output was messages (``message_log``), kept as they were."""

    _fields = (*AgentAction._fields, ("message_log", None))
    _always = frozenset({*AgentAction._always, "message_log"})
    type: ClassVar[str] = "AgentActionMessageLog"

    def __init__(self, tool: str, tool_input: str | dict[str, Any], log: str,
                 message_log: Sequence[BaseMessage], **kwargs: Any) -> None:
        super().__init__(tool, tool_input, log, **kwargs)
        self.message_log = message_log

    @property
    def messages(self) -> Sequence[BaseMessage]:
        return self.message_log


class AgentStep(Record):
    """An action and what running it gave (``observation``)."""

    _fields: ClassVar[tuple[tuple[str, Any], ...]] = (("action", None), ("observation", None))
    _always = frozenset({"action", "observation"})

    def __init__(self, action: AgentAction, observation: Any) -> None:
        self.action = action
        self.observation = observation

    @property
    def messages(self) -> Sequence[BaseMessage]:
        """The observation as chat history: a function message answering a message-log action,
        else a human message (non-text observations as JSON)."""
        content = _as_text(self.observation)
        if isinstance(self.action, AgentActionMessageLog):
            return [FunctionMessage(content=content, name=self.action.tool)]
        return [HumanMessage(content=content)]


class AgentFinish(Record):
    """The agent's final answer (``return_values``) and the model text it came from."""

    _fields: ClassVar[tuple[tuple[str, Any], ...]] = (("return_values", None), ("log", None))
    _always = frozenset({"return_values", "log"})
    type: ClassVar[str] = "AgentFinish"

    def __init__(self, return_values: dict[Any, Any], log: str, **kwargs: Any) -> None:
        self.return_values = return_values
        self.log = log
        for key, value in kwargs.items():
            setattr(self, key, value)

    @property
    def messages(self) -> Sequence[BaseMessage]:
        """The answer as chat history: the model's text as an AI message."""
        return [AIMessage(content=self.log)]
