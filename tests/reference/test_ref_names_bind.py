"""``bind(**kwargs)`` and a model call's ``stop`` and keywords, as langchain_core gives them.

A binding of keywords starts no run; the keywords reach a lambda's function, a sequence's
first step and a model's ``_generate`` / ``_call`` / ``_stream``; a model's start event shows
``stop`` in ``invocation_params`` (a chat model also the call's other keywords) and in
``options``. Written once against a package prefix (``_lc_scenarios``), expected outcomes by
hand; where langchain-core 1.x is installed they must hold on it too.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, Seen, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _models(pkg: str) -> tuple[Any, Any, list[tuple[str, Any]]]:
    """A custom chat model and a custom LLM that record what their contract methods get."""
    chat_models = load(pkg, "language_models.chat_models", "BaseChatModel")
    llm_base = load(pkg, "language_models.llms", "LLM")
    result, generation = load(pkg, "outputs", "ChatResult"), load(pkg, "outputs", "ChatGeneration")
    chunk = load(pkg, "outputs", "ChatGenerationChunk")
    ai, ai_chunk = load(pkg, "messages", "AIMessage"), load(pkg, "messages", "AIMessageChunk")
    got: list[tuple[str, Any]] = []

    class Chat(chat_models):  # type: ignore[misc, valid-type]
        @property
        def _llm_type(self) -> str:
            return "chat"

        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None,
                      **kwargs: Any) -> Any:
            got.append(("_generate", (stop, kwargs)))
            return result(generations=[generation(message=ai(content="hi"))])

        def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None,
                    **kwargs: Any) -> Any:
            got.append(("_stream", (stop, kwargs)))
            yield chunk(message=ai_chunk(content="hi"))

    class Text(llm_base):  # type: ignore[misc, valid-type]
        @property
        def _llm_type(self) -> str:
            return "text"

        def _call(self, prompt: str, stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> str:
            got.append(("_call", (stop, kwargs)))
            return "hi"

    return Chat(), Text(), got


def _starts(pkg: str) -> tuple[Any, list[tuple[str, Any, Any]]]:
    """A handler keeping each model start's ``invocation_params`` and ``options``."""
    base = load(pkg, "callbacks.base", "BaseCallbackHandler")
    seen: list[tuple[str, Any, Any]] = []

    class Starts(base):  # type: ignore[misc, valid-type]
        def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
            seen.append(("chat", kw.get("invocation_params"), kw.get("options")))

        def on_llm_start(self, serialized: Any, prompts: Any, **kw: Any) -> None:
            seen.append(("llm", kw.get("invocation_params"), kw.get("options")))

    return Starts(), seen


@pytest.mark.parametrize("pkg", PKGS)
def test_model_call_stop_and_keywords_reach_generate_and_the_start_event(pkg: str) -> None:
    chat, text, got = _models(pkg)
    h, seen = _starts(pkg)
    cfg = {"callbacks": [h]}
    chat.invoke("q", cfg, stop=["s"], temperature=0.5)
    chat.bind(stop=["b"]).invoke("q", cfg)
    list(chat.stream("q", cfg, stop=["t"]))
    asyncio.run(chat.ainvoke("q", cfg, stop=["a"]))
    text.invoke("q", cfg, stop=["s"], temperature=0.5)
    list(text.bind(stop=["b"]).stream("q", cfg))
    chat.invoke("q", cfg)
    assert got == [
        ("_generate", (["s"], {"temperature": 0.5})),
        ("_generate", (["b"], {})),
        ("_stream", (["t"], {})),
        ("_generate", (["a"], {})),
        ("_call", (["s"], {"temperature": 0.5})),
        ("_call", (["b"], {})),
        ("_generate", (None, {})),
    ]
    assert seen == [
        ("chat", {"_type": "chat", "stop": ["s"], "temperature": 0.5}, {"stop": ["s"]}),
        ("chat", {"_type": "chat", "stop": ["b"]}, {"stop": ["b"]}),
        ("chat", {"_type": "chat", "stop": ["t"]}, {"stop": ["t"]}),
        ("chat", {"_type": "chat", "stop": ["a"]}, {"stop": ["a"]}),
        # an LLM's start shows stop, not the call's other keywords
        ("llm", {"_type": "text", "stop": ["s"]}, {"stop": ["s"]}),
        ("llm", {"_type": "text", "stop": ["b"]}, {"stop": ["b"]}),
        ("chat", {"_type": "chat", "stop": None}, {"stop": None}),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_bound_keywords_reach_the_function_in_every_mode(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    f = lam(lambda x, **kw: (x, kw))
    bound = f.bind(b=3)
    assert f.invoke(1, None, a=2) == (1, {"a": 2})
    assert bound.invoke(1) == (1, {"b": 3})
    assert list(bound.stream(1)) == [(1, {"b": 3})]
    assert asyncio.run(bound.ainvoke(1)) == (1, {"b": 3})
    assert bound.batch([1, 2]) == [(1, {"b": 3}), (2, {"b": 3})]
    more = bound.bind(c=4)
    assert (more.kwargs, more.invoke(1)) == ({"b": 3, "c": 4}, (1, {"b": 3, "c": 4}))
    assert bound.with_config(tags=["t"]).kwargs == {"b": 3}
    assert load(pkg, "runnables", "RunnablePassthrough")().bind(b=3).invoke(1) == 1


def _first_step_gets_the_keywords(pkg: str) -> list[Seen]:
    """A sequence passes a call's keywords to its first step only; the binding starts no run."""
    lam = load(pkg, "runnables", "RunnableLambda")

    def first(x: int, **kw: Any) -> int:
        return x + kw["k"]

    def second(x: int) -> int:
        return x * 10

    seq = (lam(first) | lam(second)).bind(k=1)
    rec = recorder(pkg)
    assert seq.invoke(1, {"callbacks": [rec]}) == 20
    assert list(seq.stream(1)) == [20]
    assert asyncio.run(seq.ainvoke(1)) == 20
    return rec.seen  # type: ignore[no-any-return]


def _a_step_that_takes_no_keywords_fails_its_run(pkg: str) -> list[Seen]:
    lam = load(pkg, "runnables", "RunnableLambda")

    def plain(x: int) -> int:
        return x

    rec = recorder(pkg)
    with pytest.raises(TypeError, match="unexpected keyword argument 'k'"):
        lam(plain).bind(k=1).invoke(1, {"callbacks": [rec]})
    # the message names the function by its qualified name: keep the error's type
    return [(e, n, p, d.split("(")[0]) for e, n, p, d in rec.seen]


SCENARIOS: dict[str, tuple[Any, list[Seen]]] = {
    "first_step_gets_the_keywords": (_first_step_gets_the_keywords, [
        ("on_chain_start", "RunnableSequence", None, "int"),
        ("on_chain_start", "first", "RunnableSequence", "int"),
        ("on_chain_end", "first", "RunnableSequence", "int"),
        ("on_chain_start", "second", "RunnableSequence", "int"),
        ("on_chain_end", "second", "RunnableSequence", "int"),
        ("on_chain_end", "RunnableSequence", None, "int"),
    ]),
    "a_step_that_takes_no_keywords_fails_its_run": (_a_step_that_takes_no_keywords_fails_its_run, [
        ("on_chain_start", "plain", None, "int"),
        ("on_chain_error", "plain", None, "TypeError"),
    ]),
}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_bind_scenario_gives_langchain_cores_events(pkg: str, scenario: str) -> None:
    run, expected = SCENARIOS[scenario]
    assert run(pkg) == expected
