"""Readable forms of a scenario: a compact tree, and Python code for a langchain-shaped API.

Failure reports show both, so a maintainer can read the shrunk case at a glance and paste the code
to reproduce it by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from .model import Chain, Node, Scenario

__all__ = ["render_code", "render_tree"]


def _attachments(node: Node) -> str:
    parts = []
    if node.callbacks:
        parts.append(f"callbacks={list(node.callbacks)}" + _form(node.callbacks_as_manager,
                                                                   node.local, node.callbacks))
    if node.tags:
        parts.append(f"tags={list(node.tags)}")
    if node.metadata:
        parts.append(f"metadata={dict(node.metadata)}")
    if node.run_name is not None:
        parts.append(f"run_name={node.run_name!r}")
    if node.kind in ("dynamic", "tool") and node.children and not node.forward_config:
        parts.append("does not forward config")
    if node.concurrent:
        parts.append("calls its children concurrently")
    if node.sync_only:
        parts.append("sync only")
    if node.fail:
        parts.append("FAILS")
    if node.slow:
        parts.append("slow")
    if node.falsy:
        parts.append('returns ""')
    if node.flaky:
        parts.append("fails on its first call with each input")
    if node.fanout:
        parts.append(f"returns a list of {node.fanout}")
    if node.keys:
        parts.append(f"keys={list(node.keys)}")
    return ("  [" + "; ".join(parts) + "]") if parts else ""


def _form(as_manager: bool, local: tuple[str, ...], given: tuple[str, ...]) -> str:
    """How a registration's handlers are given: as a list (nothing said), or as a callback
    manager, with its local handlers named."""
    if not as_manager:
        return ""
    held = [h for h in dict.fromkeys(local) if h in given]
    return " as CallbackManager" + (f" ({', '.join(held)} local)" if held else "")


def _options(scenario: Scenario) -> list[str]:
    """Each handler's ``ignore_*`` flags and ``run_inline``, as the handler class sets them."""
    out = []
    for h in scenario.handlers:
        flags = [f"ignore_{f}" for f in h.ignore] + (["run_inline"] if h.run_inline else [])
        if flags:
            out.append(f"{h.id} sets {', '.join(flags)}")
    return out


def _tree_lines(chain: Chain, label: str, prefix: str, last: bool, top: bool,
                seen: set[str], parent_label: str | None = None,
                index: int = 0) -> Iterator[str]:
    node = chain[label]
    branch = "" if top else ("└─ " if last else "├─ ")
    reused = " (same object as above)" if label in seen else ""
    kind = "with_config" if node.kind == "binding" else node.kind
    parent = chain[parent_label] if parent_label is not None else None
    role = ""
    if parent is not None and parent.kind == "branch":
        role = (" (default)" if index == len(parent.children) - 1
                else " (condition)" if index % 2 == 0 else " (branch)")
    elif parent is not None and parent.kind == "fallbacks":
        role = " (runnable)" if index == 0 else " (fallback)"
    elif parent is not None and parent.kind == "retry":
        role = " (retried, at most 2 attempts)"
    elif parent is not None and parent.kind == "map":
        role = " (mapped over each item)"
    yield f"{prefix}{branch}{label}: {kind}{role}{_attachments(node)}{reused}"
    if reused:
        return
    seen.add(label)
    child_prefix = prefix if top else prefix + ("   " if last else "│  ")
    for i, child in enumerate(node.children):
        yield from _tree_lines(chain, child, child_prefix, i == len(node.children) - 1, False,
                               seen, label, i)


def render_tree(scenario: Scenario) -> str:
    """A compact, indented tree of the chain, then the invocation."""
    lines = list(_tree_lines(scenario.chain, scenario.chain.root, "", True, True, set()))
    inv = scenario.invocation
    config = []
    if inv.callbacks:
        config.append(f"callbacks={list(inv.callbacks)}"
                      + _form(inv.callbacks_as_manager, inv.local, inv.callbacks))
    if inv.item_callbacks:
        config.append("one config per input, callbacks "
                      + ", ".join(str(list(hs)) for hs in inv.item_callbacks)
                      + _form(inv.callbacks_as_manager, inv.local,
                              inv.all_runtime_handlers()).replace("Manager", "Managers"))
    for name in ("tags", "run_name", "run_id", "max_concurrency"):
        value = getattr(inv, name)
        if value:
            config.append(f"{name}={list(value) if name == 'tags' else value!r}")
    if inv.metadata:
        config.append(f"metadata={dict(inv.metadata)}")
    faults = [f"{h.id} raises ({h.fault})" for h in scenario.handlers if h.fault != "none"]
    lines.append(f"{inv.mode}({list(inv.inputs) if len(inv.inputs) > 1 else inv.inputs[0]!r}"
                 + (", " + ", ".join(config) if config else "") + ")"
                 + (" inside a running event loop" if inv.inside_loop else ""))
    if faults:
        lines.append("faulty handlers: " + ", ".join(faults))
    options = _options(scenario)
    if options:
        lines.append("handler options: " + "; ".join(options))
    return "\n".join(lines)


def _kw(node: Node) -> str:
    parts = []
    if node.callbacks:
        hs = "[" + ", ".join(node.callbacks) + "]"
        if node.callbacks_as_manager:
            hs = _manager(hs, _held(node.local, node.callbacks))
        parts.append(f"callbacks={hs}")
    if node.tags:
        parts.append(f"tags={list(node.tags)!r}")
    if node.metadata:
        parts.append(f"metadata={dict(node.metadata)!r}")
    if node.run_name is not None:  # (bindings only)
        parts.append(f"run_name={node.run_name!r}")
    return ", ".join(parts)


def _held(local: tuple[str, ...], given: tuple[str, ...]) -> tuple[str, ...]:
    """The local handlers a registration of ``given`` really holds."""
    return tuple(h for h in dict.fromkeys(local) if h in given)


def _manager(handlers: str, local: tuple[str, ...] = ()) -> str:
    """A callback manager holding ``handlers``; those in ``local`` not inherited."""
    if local:
        return f"manager_of({handlers}, local=[{', '.join(dict.fromkeys(local))}])"
    return f"manager_of({handlers})"


#: The callback family of each node kind's runs (bindings make no run of their own).
_FAMILY: Final[dict[str, str]] = {
    "sequence": "chain", "parallel": "chain", "lambda": "chain", "dynamic": "chain",
    "prompt": "chain", "parser": "chain", "chat_model": "chat", "tool": "tool",
    "retriever": "retriever", "llm": "llm", "branch": "chain", "fallbacks": "chain",
    "retry": "chain", "map": "chain", "assign": "chain", "pick": "chain", "generator": "chain",
    "streaming_llm": "llm",
}

#: Per family, the printed handler methods: (method, its parameters, what it prints, whether it
#: gets a ``serialized`` mapping to take the run's name from); start, end, error in that order.
_PRINTED_EVENTS: Final[dict[str, tuple[tuple[str, str, str, bool], ...]]] = {
    "chain": (("on_chain_start", "s, inputs", "chain start", True),
              ("on_chain_end", "outputs", "chain end", False),
              ("on_chain_error", "error", "chain error", False)),
    "chat": (("on_chat_model_start", "s, messages", "chat start", True),
             ("on_llm_end", "response", "llm end", False),
             ("on_llm_error", "error", "llm error", False)),
    "llm": (("on_llm_start", "s, prompts", "llm start", True),
            ("on_llm_end", "response", "llm end", False),
            ("on_llm_error", "error", "llm error", False)),
    "tool": (("on_tool_start", "s, input_str", "tool start", True),
             ("on_tool_end", "output", "tool end", False),
             ("on_tool_error", "error", "tool error", False)),
    "retriever": (("on_retriever_start", "s, query", "retriever start", True),
                  ("on_retriever_end", "documents", "retriever end", False),
                  ("on_retriever_error", "error", "retriever error", False)),
}
_FAMILIES: Final = tuple(_PRINTED_EVENTS)


def _printer(cls: str, base: str, scenario: Scenario, first: str | None) -> list[str]:
    """The printing handler class ``cls``: only the methods of the runs the chain makes, the
    fault machinery only when a handler is faulty, tags and metadata only when any are given.
    ``first`` names an already defined printer whose ``__init__`` and ``show`` it reuses."""
    chain, inv = scenario.chain, scenario.invocation
    families = {_FAMILY[n.kind] for n in chain.nodes if n.kind in _FAMILY}
    faulty = any(h.fault != "none" for h in scenario.handlers)
    errors = faulty or any(n.fail or n.flaky for n in chain.nodes)
    asynchronous = base == "AsyncCallbackHandler"
    out = [f"class {cls}({base}):"]
    if first is not None:
        out += [f"    __init__ = {first}.__init__", f"    show = {first}.show"]
    elif faulty:
        out += ["    def __init__(self, name, fault='none', fault_on='any'):",
                "        self.name, self.fault, self.fault_on = name, fault, fault_on",
                "        self.raise_error = fault == 'raise_error'"]
    else:
        out += ["    def __init__(self, name): self.name = name"]
    if first is None:
        shown = ""
        if inv.tags or any(n.tags for n in chain.nodes):
            shown += ", 'tags', kw.get('tags')"
        if inv.metadata or any(n.metadata for n in chain.nodes):
            shown += ", 'metadata', kw.get('metadata')"
        out += ["    def show(self, event, kw, s=None):",
                "        name = kw.get('name') or (s or {}).get('name')",
                "        print(self.name, event, name, 'run', str(kw['run_id'])[-8:],",
                "              'parent', str(kw.get('parent_run_id'))[-8:]"
                + (f",\n              {shown[2:]})" if shown else ")")]
        if faulty:
            out += ["        phase = 'start' if event.endswith('start') else 'end'",
                    "        if self.fault != 'none' and self.fault_on in ('any', phase):",
                    "            raise RuntimeError(f'{self.name} fails on {event}')"]
    define = "async def" if asynchronous else "def"
    printed: set[str] = set()
    for family in _FAMILIES:
        if family not in families:
            continue
        for method, params, label, serialized in _PRINTED_EVENTS[family][:3 if errors else 2]:
            if method in printed:  # on_llm_end/on_llm_error: chat models' and LLMs' alike
                continue
            printed.add(method)
            out.append(f"    {define} {method}(self, {params}, **kw): "
                       f"self.show({label!r}, kw{', s' if serialized else ''})")
    return out


def _registered(scenario: Scenario) -> set[str]:
    """The handlers registered anywhere (a handler registered nowhere changes nothing)."""
    found = set(scenario.invocation.all_runtime_handlers())
    for node in scenario.chain.nodes:
        found.update(node.callbacks)
    return found


def render_code(scenario: Scenario, prefix: str = "langchain_core") -> str:
    """Python code that builds and invokes the scenario with a langchain-shaped API.

    It imports and defines only what the case uses: a printing handler with the methods of the
    runs the chain makes, the classes of its nodes, ``manager_of`` only for handlers given as a
    callback manager. Run unchanged, it prints one line per start, end and error event each
    handler receives.
    """
    chain, inv = scenario.chain, scenario.invocation
    kinds = {n.kind for n in chain.nodes}
    registered = _registered(scenario)
    handlers = [h for h in scenario.handlers if h.id in registered]
    sync_handlers = any(not h.asynchronous for h in handlers)
    async_handlers = any(h.asynchronous for h in handlers)
    managed = inv.callbacks_as_manager or any(n.callbacks_as_manager for n in chain.nodes)

    callbacks = [name for name, wanted in (("AsyncCallbackHandler", async_handlers),
                                           ("BaseCallbackHandler", sync_handlers),
                                           ("CallbackManager", managed)) if wanted]
    # langchain_core's FakeListChatModel batches with a loop of invokes that ignores
    # return_exceptions; a failing model batches as every chat model does (Runnable's batch),
    # as the adapter's does.
    batch_fix = prefix != "reference" and inv.mode in ("batch", "abatch") and any(
        n.kind == "chat_model" and n.fail for n in chain.nodes)
    runnables = [name for name, wanted in (
        ("Runnable", batch_fix),
        ("RunnableConfig", any(n.kind == "tool" and n.forward_config for n in chain.nodes)),
        ("RunnableBranch", "branch" in kinds),
        ("RunnableGenerator", "generator" in kinds),
        ("RunnableLambda", bool(kinds & {"lambda", "dynamic"})),
        ("RunnableParallel", "parallel" in kinds),
        ("RunnablePassthrough", "assign" in kinds),
        ("RunnablePick", "pick" in kinds),
        ("RunnableSequence", "sequence" in kinds)) if wanted]
    modules = [("callbacks", callbacks), ("runnables", runnables)]
    modules += [(module, [name]) for kind, module, name in (
        ("chat_model", "language_models", "FakeListChatModel"),
        ("llm", "language_models", "FakeListLLM"),
        ("streaming_llm", "language_models", "FakeStreamingListLLM"),
        ("parser", "output_parsers", "StrOutputParser"),
        ("prompt", "prompts", "ChatPromptTemplate"),
        ("tool", "tools", "StructuredTool"),
        ("retriever", "retrievers", "BaseRetriever")) if kind in kinds]
    if any(n.kind == "retriever" and not n.fail for n in chain.nodes):
        modules.append(("documents", ["Document"]))
    out = [f"import {name}" for name, wanted in (
        ("asyncio", inv.mode.startswith("a") or inv.inside_loop),
        ("contextvars", any(n.concurrent for n in chain.nodes)),
        ("time", any(n.slow for n in chain.nodes)),
        ("uuid", bool(inv.run_id))) if wanted]
    if any(n.concurrent for n in chain.nodes):
        out.append("from concurrent.futures import ThreadPoolExecutor")
    out += [f"from {prefix}.{module} import {', '.join(names)}" for module, names in modules
            if names]
    out.append("")
    first = None
    if sync_handlers:
        out += _printer("Printer", "BaseCallbackHandler", scenario, None)
        first = "Printer"
    if async_handlers:
        out += _printer("AsyncPrinter", "AsyncCallbackHandler", scenario, first)
    out.append("")
    if managed:
        local = inv.local or any(n.local for n in chain.nodes)
        out += ["def manager_of(handlers, local=()):" if local else "def manager_of(handlers):",
                "    manager = CallbackManager(handlers=[])",
                "    for h in handlers:",
                "        manager.add_handler(h, inherit=h not in local)" if local else
                "        manager.add_handler(h, inherit=True)",
                "    return manager"]
    if any(h.ignore or h.run_inline for h in handlers):
        # (langchain_core declares the ignore_* flags as properties: a subclass overrides them)
        out += ["def with_options(cls, **options):",
                "    return type(cls.__name__, (cls,), options)"]
    for h in handlers:
        cls = "AsyncPrinter" if h.asynchronous else "Printer"
        options = [f"ignore_{f}=True" for f in h.ignore] + (
            ["run_inline=True"] if h.run_inline else [])
        if options:
            cls = f"with_options({cls}, {', '.join(options)})"
        fault = f", fault={h.fault!r}, fault_on={h.fault_on!r}" if h.fault != "none" else ""
        out.append(f"{h.id} = {cls}({h.id!r}{fault})")
    for label in _postorder(chain):
        out.extend(_node_code(chain[label], prefix, chain, batch_fix,
                              inv.mode.startswith("a")))
    config = []
    if inv.callbacks:
        hs = "[" + ", ".join(inv.callbacks) + "]"
        if inv.callbacks_as_manager:
            hs = _manager(hs, _held(inv.local, inv.callbacks))
        config.append(f"'callbacks': {hs}")
    if inv.tags:
        config.append(f"'tags': {list(inv.tags)!r}")
    if inv.metadata:
        config.append(f"'metadata': {dict(inv.metadata)!r}")
    if inv.run_name:
        config.append(f"'run_name': {inv.run_name!r}")
    if inv.run_id:
        config.append(f"'run_id': uuid.UUID({inv.run_id!r})")
    if inv.max_concurrency is not None:
        config.append(f"'max_concurrency': {inv.max_concurrency}")
    cfg = "{" + ", ".join(config) + "}"
    if inv.item_callbacks:  # one config per input: the shared keys plus that input's handlers
        per_item = []
        for ids in inv.item_callbacks:
            listed = "[" + ", ".join(ids) + "]"
            given = (_manager(listed, _held(inv.local, ids)) if inv.callbacks_as_manager
                     else listed)
            per_item.append("{" + ", ".join([f"'callbacks': {given}", *config]) + "}")
        cfg = "[" + ", ".join(per_item) + "]"
    root = chain.root
    batched = inv.mode in ("batch", "abatch", "batch_as_completed", "abatch_as_completed")
    arg = repr(list(inv.inputs)) if batched or len(inv.inputs) > 1 else repr(inv.inputs[0])
    if inv.mode in ("astream", "abatch_as_completed"):
        out += ["async def collect(stream):", "    return [c async for c in stream]"]
    if inv.mode == "astream_events":
        out += ["async def show(events):",
                "    async for ev in events:",
                "        print('stream', ev['event'], ev['name'], 'run', ev['run_id'][-8:],",
                "              'parents', [p[-8:] for p in ev['parent_ids']])"]
    call = {
        "invoke": f"{root}.invoke({arg}, {cfg})",
        "batch": f"{root}.batch({arg}, {cfg}, return_exceptions=True)",
        "stream": f"list({root}.stream({arg}, {cfg}))",
        "ainvoke": f"asyncio.run({root}.ainvoke({arg}, {cfg}))",
        "abatch": f"asyncio.run({root}.abatch({arg}, {cfg}, return_exceptions=True))",
        "astream": f"asyncio.run(collect({root}.astream({arg}, {cfg})))",
        "astream_events":
            f"asyncio.run(show({root}.astream_events({arg}, {cfg}, version='v2')))",
        "batch_as_completed":
            f"list({root}.batch_as_completed({arg}, {cfg}, return_exceptions=True))",
        "abatch_as_completed": f"asyncio.run(collect({root}.abatch_as_completed({arg}, {cfg}, "
                               "return_exceptions=True)))",
    }[inv.mode]
    if inv.inside_loop and not inv.mode.startswith("a"):  # a sync call while a loop runs
        out += ["async def main():", f"    return {call}", "asyncio.run(main())"]
    else:
        out.append(call)
    return "\n".join(out)


def _postorder(chain: Chain) -> Iterator[str]:
    seen: set[str] = set()

    def visit(label: str) -> Iterator[str]:
        if label in seen:
            return
        seen.add(label)
        for child in chain[label].children:
            yield from visit(child)
        yield label

    yield from visit(chain.root)


# Where a failing leaf raises, after its run started: the methods langchain_core's and the
# reference's classes call to do their work. (engine, name, parameters, flavour: "" a function,
# "async" a coroutine, "gen"/"agen" a (async) generator). Code rendered for one of those engines
# overrides its own methods only; for another langchain-like package, all of them.
_CHAT_HOOKS: Final = (("langchain_core", "_call", "*a, **kw", ""),
                      ("langchain_core", "_stream", "*a, **kw", "gen"),
                      ("langchain_core", "_astream", "*a, **kw", "agen"),
                      ("reference", "_reply", "*a, **kw", ""))
_PROMPT_HOOKS: Final = (("langchain_core", "format_prompt", "**kw", ""),
                        ("langchain_core", "aformat_prompt", "**kw", "async"),
                        ("reference", "_format", "*a, **kw", ""),
                        ("reference", "_aformat", "*a, **kw", "async"))
_PARSER_HOOKS: Final = (("langchain_core", "parse", "text", ""), ("reference", "parse", "text", ""))
_SUFFIX: Final = {"FakeListChatModel": "Model", "ChatPromptTemplate": "Prompt",
                  "StrOutputParser": "Parser"}


def _leaf_class(node: Node, base: str, hooks: tuple[tuple[str, str, str, str], ...],
                prefix: str) -> tuple[str, list[str]]:
    """The class to instantiate for ``node``, and the code defining it: ``base`` as is, or, for
    a failing node, a subclass whose ``hooks`` raise the node's failure."""
    if not node.fail:
        return base, []
    name = f"{node.label.capitalize()}{_SUFFIX[base]}"
    raise_it = f"raise RuntimeError('{node.label} fails')"
    engines = {engine for engine, *_ in hooks}
    lines = [f"class {name}({base}):"]
    done: set[str] = set()
    for engine, method, params, flavour in hooks:
        if (prefix in engines and engine != prefix) or method in done:
            continue
        done.add(method)
        define = "async def" if flavour in ("async", "agen") else "def"
        # a generator, like the method it replaces
        tail = "; yield" if flavour in ("gen", "agen") else ""
        lines.append(f"    {define} {method}(self, {params}): {raise_it}{tail}")
    return name, lines


def _node_code(node: Node, prefix: str, chain: Chain, batch_fix: bool = False,
               async_mode: bool = False) -> list[str]:
    label, kind, kw = node.label, node.kind, _kw(node)
    kwarg = f", {kw}" if kw else ""
    fail = f"raise RuntimeError('{label} fails')" if node.fail else f"return {label!r}"
    if kind == "binding":
        return [f"{label} = {node.children[0]}.with_config({kw})"]
    if kind == "sequence":
        # A sequence given as a step is flattened into its parent (it would have no run of its
        # own); an empty with_config keeps it whole, as the adapters do.
        steps = [f"{c}.with_config({{}})" if chain[c].kind == "sequence" else c
                 for c in node.children]
        return [f"{label} = RunnableSequence({', '.join(steps)}, name={label!r}{kwarg})"]
    if kind == "parallel":
        branches = ", ".join(f"{c!r}: {c}" for c in node.children)
        return [f"{label} = RunnableParallel({{{branches}}}{kwarg})", f"{label}.name = {label!r}"]
    if kind == "branch":
        kids = node.children
        pairs = [f"({kids[i]}, {kids[i + 1]})" for i in range(0, len(kids) - 1, 2)]
        return [f"{label} = RunnableBranch({', '.join(pairs)}, {kids[-1]})",
                f"{label}.name = {label!r}"]
    if kind == "fallbacks":
        first, *rest = node.children
        return [f"{label} = {first}.with_fallbacks([{', '.join(rest)}])",
                f"{label}.name = {label!r}"]
    if kind == "retry":
        return [f"{label} = {node.children[0]}.with_retry(stop_after_attempt=2, "
                "wait_exponential_jitter=False)"]
    if kind == "map":
        return [f"{label} = {node.children[0]}.map()", f"{label}.name = {label!r}"]
    if kind == "assign":
        mappers = ", ".join(f"{c}={c}" for c in node.children)
        return [f"{label} = RunnablePassthrough.assign({mappers})", f"{label}.name = {label!r}"]
    if kind == "pick":
        keys = repr(node.keys[0]) if len(node.keys) == 1 else repr(list(node.keys))
        return [f"{label} = RunnablePick({keys})", f"{label}.name = {label!r}"]
    if kind == "generator":
        stop = f"    raise RuntimeError('{label} fails'); yield" if node.fail else (
            f"    yield {label[:1]!r}\n    yield {label[1:]!r}")
        # named by the function's __name__ (langchain-core 0.2 takes no name=)
        return [f"def {label}(chunks):", "    for _ in chunks: pass", stop,
                f"async def {label}_async(chunks):", "    async for _ in chunks: pass", stop,
                f"{label} = RunnableGenerator({label}, {label}_async)"]
    if kind in ("llm", "streaming_llm"):
        base = "FakeListLLM" if kind == "llm" else "FakeStreamingListLLM"
        if not node.fail:
            return [f"{label} = {base}(responses=['{label} says hi'], name={label!r}{kwarg})"]
        cls = f"{label.capitalize()}LLM"
        return [f"class {cls}({base}):",
                f"    def _call(self, *a, **kw): raise RuntimeError('{label} fails')",
                f"    async def _acall(self, *a, **kw): raise RuntimeError('{label} fails')",
                f"{label} = {cls}(responses=['{label} says hi'], name={label!r}{kwarg})"]
    if kind == "lambda":
        nap = "time.sleep(0.002) or " if node.slow else ""
        if node.flaky:  # fails on its first call with each input, succeeds on the next
            return [f"{label}_calls = set()",
                    f"def {label}_fn(x):",
                    f"    if repr(x) in {label}_calls:",
                    f"        {label}_calls.discard(repr(x))",
                    f"        return {label!r}",
                    f"    {label}_calls.add(repr(x))",
                    f"    raise RuntimeError('{label} fails')",
                    f"{label} = RunnableLambda({label}_fn, name={label!r}{kwarg})"]
        if not node.fail:
            answer = "''" if node.falsy else repr(label)
            if node.fanout:
                answer = repr([f"{label}:{i}" for i in range(node.fanout)])
            return [f"{label} = RunnableLambda(lambda x: {nap}{answer}, name={label!r}{kwarg})"]
        define = ([f"def {label}_fn(x):", "    time.sleep(0.002)", f"    {fail}"] if node.slow
                  else [f"def {label}_fn(x): {fail}"])
        return [*define, f"{label} = RunnableLambda({label}_fn, name={label!r}{kwarg})"]
    if kind in ("dynamic", "tool"):
        sig = "(x, config)" if node.forward_config else "(x)"
        if kind == "tool":
            sig = "(x: str, config: RunnableConfig)" if node.forward_config else "(x: str)"
        cfg = ", config" if node.forward_config else ""
        body = [f"    {c}.invoke({label!r}{cfg})" for c in node.children]
        if node.concurrent:  # every callee in its own thread, in a copy of this context
            body = ["    with ThreadPoolExecutor() as pool:",
                    "        futures = [pool.submit(contextvars.copy_context().run, c.invoke, "
                    f"{label!r}{cfg}) for c in ({', '.join(node.children)},)]",
                    "    for future in futures:",
                    "        future.result()"]
        func = [f"def {label}_fn{sig}:", *body, f"    {fail}"]
        twin = ""
        if async_mode and not node.sync_only:  # async modes run the coroutine twin
            abody = [f"    await {c}.ainvoke({label!r}{cfg})" for c in node.children]
            if node.concurrent:  # every callee an asyncio task
                abody = ["    results = await asyncio.gather(*(c.ainvoke("
                         f"{label!r}{cfg}) for c in ({', '.join(node.children)},)),",
                         "                                   return_exceptions=True)",
                         "    for result in results:",
                         "        if isinstance(result, BaseException):",
                         "            raise result"]
            func += [f"async def {label}_afn{sig}:", *abody, f"    {fail}"]
            twin = f", {'afunc' if kind == 'dynamic' else 'coroutine'}={label}_afn"
        if kind == "dynamic":
            return [*func, f"{label} = RunnableLambda({label}_fn{twin}, name={label!r}{kwarg})"]
        return [*func, f"{label} = StructuredTool.from_function({label}_fn{twin}, "
                       f"name={label!r}, description='tool'{kwarg})"]
    if kind == "chat_model":
        cls, define = _leaf_class(node, "FakeListChatModel", _CHAT_HOOKS, prefix)
        if define and batch_fix:
            define.insert(1, "    batch, abatch = Runnable.batch, Runnable.abatch")
        return [*define, f"{label} = {cls}(responses=['{label} says hi'], name={label!r}{kwarg})"]
    if kind == "prompt":
        cls, define = _leaf_class(node, "ChatPromptTemplate", _PROMPT_HOOKS, prefix)
        return [*define, f"{label} = {cls}.from_template('{{input}}'{kwarg})",
                f"{label}.name = {label!r}"]
    if kind == "parser":
        cls, define = _leaf_class(node, "StrOutputParser", _PARSER_HOOKS, prefix)
        return [*define, f"{label} = {cls}({kw})", f"{label}.name = {label!r}"]
    if kind == "retriever":
        retrieve = fail if node.fail else f"return [Document(page_content={label!r})]"
        return [f"class {label.capitalize()}(BaseRetriever):",
                "    def _get_relevant_documents(self, query, *, run_manager):",
                f"        {retrieve}",
                f"{label} = {label.capitalize()}(name={label!r}{kwarg})"]
    return [f"# unknown node kind {kind}"]
