"""``RunnableWithMessageHistory``: a runnable given its conversation's past messages per call.

Built, as langchain_core's is, of ordinary runnables, so a handler sees the same run tree::

    RunnableWithMessageHistory            the sequence, renamed
    ├── load_history                      past messages (+ the input's, without a history key)
    │   or insert_history                 with a messages key: assign {key: load_history}
    │      └── RunnableParallel<key>
    │             └── load_history
    └── check_sync_or_async               a lambda returning the wrapped runnable...
           └── <the wrapped runnable>     ...which it runs as its child, with a listener

The session's history is looked up when the call's config is merged (before any run
starts: a missing ``session_id`` fails there), and put in ``configurable["message_history"]``
for the steps. The wrapped runnable's end listener reads its run's traced inputs and
outputs, turns them into messages, and adds the new ones to the history; a listener's
failure (an output that is not message-like) is a handler fault, reported and contained.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from reference.runnables import _history_io as io
from reference.runnables._base import Runnable
from reference.runnables._binding import RunnableBinding
from reference.runnables._config import (
    RunnableConfig,
    combine_configs,
    per_item_configs,
    resolve_config,
)
from reference.runnables._configurable_specs import ConfigurableFieldSpec
from reference.runnables._lambda import RunnableLambda
from reference.runnables._passthrough import RunnablePassthrough
from reference.runnables._serializable import RunnableSerializable

if TYPE_CHECKING:
    from reference.chat_history import BaseChatMessageHistory
    from reference.messages import BaseMessage
    from reference.tracers.schemas import Run

__all__ = ["GetSessionHistoryCallable", "RunnableWithMessageHistory"]

GetSessionHistoryCallable = Callable[..., "BaseChatMessageHistory"]

_SESSION_ID = ConfigurableFieldSpec(
    id="session_id", annotation=str, name="Session ID",
    description="Unique identifier for a session.", default="", is_shared=True)


class RunnableWithMessageHistory(RunnableSerializable[Any, Any]):
    """Wrap ``runnable`` so each call gets the session's past messages and adds its own.

    ``runnable`` takes a list of messages, or a dict whose ``input_messages_key`` holds the
    new input (a string, a message or messages) and, if ``history_messages_key`` is given,
    whose that key gets the past messages; it answers a string, a message, messages, or a
    dict holding them (under ``output_messages_key``). ``get_session_history`` is called
    with ``configurable["session_id"]``, or with the keyword arguments named by
    ``history_factory_config``'s specs. The wrapper starts no run of its own: its bound
    sequence's run, named ``RunnableWithMessageHistory``, is the one handlers see.
    """

    def __init__(
        self,
        runnable: Runnable[Any, Any],
        get_session_history: GetSessionHistoryCallable,
        *,
        input_messages_key: str | None = None,
        output_messages_key: str | None = None,
        history_messages_key: str | None = None,
        history_factory_config: Sequence[ConfigurableFieldSpec] | None = None,
    ) -> None:
        if not isinstance(runnable, Runnable):
            raise TypeError(
                f"RunnableWithMessageHistory wraps a Runnable, got {type(runnable).__name__}")
        if not callable(get_session_history):
            raise TypeError(
                f"get_session_history must be callable, got {get_session_history!r}")
        self.runnable = runnable
        self.get_session_history = get_session_history
        #: Its parameters' names, read once: they say how it is called.
        self._params = list(inspect.signature(get_session_history).parameters)
        self.input_messages_key = input_messages_key
        self.output_messages_key = output_messages_key
        self.history_messages_key = history_messages_key
        self.history_factory_config: list[ConfigurableFieldSpec] = \
            list(history_factory_config or [_SESSION_ID])
        self._init_scope(None, None, None, None)

        history: Runnable[Any, Any] = RunnableLambda(
            self._enter_history, self._aenter_history).with_config(run_name="load_history")
        key = history_messages_key or input_messages_key
        if key:
            history = RunnablePassthrough.assign(**{key: history}).with_config(
                run_name="insert_history")
        sync_runnable = runnable.with_listeners(on_end=self._exit_history)
        async_runnable = runnable.with_alisteners(on_end=self._aexit_history)

        def runnable_sync(_: Any) -> Runnable[Any, Any]:
            return sync_runnable

        async def runnable_async(_: Any) -> Runnable[Any, Any]:
            return async_runnable

        check = RunnableLambda(runnable_sync, runnable_async).with_config(
            run_name="check_sync_or_async")
        #: What each call runs: the sequence, its config given the session's history.
        self.bound = RunnableBinding(
            bound=history | check, config={"run_name": "RunnableWithMessageHistory"},
            config_factories=[self._history_config])

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        """The bound sequence's own name (``RunnableSequence``), as langchain_core gives; its
        runs are named ``RunnableWithMessageHistory`` by the binding's ``run_name``."""
        return self.bound.bound.get_name(suffix, name=name)

    def __repr__(self) -> str:
        return f"RunnableWithMessageHistory(runnable={self.runnable!r})"

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """The ``configurable`` keys the history factory reads."""
        return list(self.history_factory_config)

    # -- the session's history ------------------------------------------------------------

    def _session_args(self, config: RunnableConfig) -> dict[str, Any] | list[Any]:
        """What ``get_session_history`` is called with for ``config``: the one key's value
        (positionally; nothing if it takes no parameters), or the keys as keywords.
        ValueError, before any run, if a key is missing or the keys do not match its
        parameters."""
        expected = [spec.id for spec in self.history_factory_config]
        configurable = config.get("configurable") or {}
        params = self._params
        missing = set(expected) - set(configurable)
        if missing and params:
            example = {"configurable": dict.fromkeys(missing, "[your-value-here]")}
            raise ValueError(
                f"Missing keys {sorted(missing)} in config['configurable'] "
                f"Expected keys are {sorted(expected)}."
                f"When using via .invoke() or .stream(), pass in a config; "
                f"e.g., chain.invoke({ {self.input_messages_key: 'foo'} }, {example})")
        if len(expected) == 1:
            return [configurable[expected[0]]] if params else []
        if set(expected) != set(params):
            raise ValueError(
                f"Expected keys {sorted(expected)} do not match parameter names "
                f"{sorted(params)} of get_session_history.")
        return {k: configurable[k] for k in expected}

    def _history_config(self, config: RunnableConfig) -> RunnableConfig:
        """Each call's config factory: ``configurable["message_history"]``, the session's."""
        args = self._session_args(config)
        hist = self.get_session_history(**args) if isinstance(args, dict) \
            else self.get_session_history(*args)
        return {"configurable": {"message_history": hist}}

    def _check_batch(self, config: RunnableConfig | list[RunnableConfig] | None,
                     n: int) -> None:
        """A batch fails before any item runs if an item's config lacks a key."""
        for item in per_item_configs(config, n):
            self._session_args(combine_configs(self.bound.config, resolve_config(item)[0]))

    def _new_input(self, value: Any) -> list[BaseMessage]:
        """The input's messages, when there is no history key (the runnable gets them after
        the past ones)."""
        key = self.input_messages_key
        return io.input_messages(value[key] if key else value, key)

    def _enter_history(self, value: Any, config: RunnableConfig) -> list[BaseMessage]:
        hist: BaseChatMessageHistory = config["configurable"]["message_history"]
        messages = list(hist.messages)
        if not self.history_messages_key:
            messages += self._new_input(value)
        return messages

    async def _aenter_history(self, value: Any, config: RunnableConfig) -> list[BaseMessage]:
        hist: BaseChatMessageHistory = config["configurable"]["message_history"]
        messages = list(await hist.aget_messages())
        if not self.history_messages_key:
            messages += self._new_input(value)
        return messages

    def _new_messages(self, run: Run, past: int) -> list[BaseMessage]:
        """The wrapped run's input messages (but the ``past`` ones it was given first) and
        its output messages, read from the run as traced."""
        inputs = io.input_messages(io.revive(run.inputs), self.input_messages_key)
        if not self.history_messages_key:
            inputs = inputs[past:]
        return inputs + io.output_messages(io.revive(run.outputs), self.output_messages_key)

    def _exit_history(self, run: Run, config: RunnableConfig) -> None:
        hist: BaseChatMessageHistory = config["configurable"]["message_history"]
        past = 0 if self.history_messages_key else len(hist.messages)
        hist.add_messages(self._new_messages(run, past))

    async def _aexit_history(self, run: Run, config: RunnableConfig) -> None:
        hist: BaseChatMessageHistory = config["configurable"]["message_history"]
        past = 0 if self.history_messages_key else len(await hist.aget_messages())
        await hist.aadd_messages(self._new_messages(run, past))

    # -- calls: the bound sequence's ------------------------------------------------------

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return self.bound.invoke(input, config, **kwargs)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        return await self.bound.ainvoke(input, config, **kwargs)

    def batch(self, inputs: list[Any],
              config: RunnableConfig | list[RunnableConfig] | None = None, *,
              return_exceptions: bool = False, **kwargs: Any) -> list[Any]:
        self._check_batch(config, len(inputs))
        return self.bound.batch(inputs, config, return_exceptions=return_exceptions, **kwargs)

    async def abatch(self, inputs: list[Any],
                     config: RunnableConfig | list[RunnableConfig] | None = None, *,
                     return_exceptions: bool = False, **kwargs: Any) -> list[Any]:
        self._check_batch(config, len(inputs))
        return await self.bound.abatch(inputs, config, return_exceptions=return_exceptions,
                                       **kwargs)

    def stream(self, input: Any, config: RunnableConfig | None = None,
               **kwargs: Any) -> Iterator[Any]:
        return self.bound.stream(input, config, **kwargs)

    def astream(self, input: Any, config: RunnableConfig | None = None,
                **kwargs: Any) -> AsyncIterator[Any]:
        return self.bound.astream(input, config, **kwargs)

    def transform(self, input: Iterator[Any], config: RunnableConfig | None = None,
                  **kwargs: Any) -> Iterator[Any]:
        return self.bound.transform(input, config, **kwargs)

    def atransform(self, input: AsyncIterator[Any], config: RunnableConfig | None = None,
                   **kwargs: Any) -> AsyncIterator[Any]:
        return self.bound.atransform(input, config, **kwargs)
