"""A scenario as a plain JavaScript program for LangChain.js (``@langchain/core``).

Failure reports of a harness whose language is ``javascript`` show it (through
:meth:`conformance.adapters.harness.HarnessAdapter.reproduction`): an ES module that builds the
chain as the LangChain.js harness (``harnesses/langchainjs/harness.mjs``) builds it, a printing
handler, and the invocation. Saved as ``repro.mjs`` next to a ``node_modules`` with
``@langchain/core`` (``harnesses/langchainjs`` after ``npm ci``) and run with ``node repro.mjs``,
it prints one line per start, end and error event each handler gets, then what the call
returned or threw.
"""

from __future__ import annotations

import json
import re
from typing import Final

from .model import Chain, Node, Scenario

__all__ = ["render_js"]

#: Words a label cannot be a variable name as (JavaScript's, and the program's own names).
_RESERVED: Final = frozenset({
    "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default",
    "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function",
    "if", "implements", "import", "in", "instanceof", "interface", "let", "new", "null",
    "package", "private", "protected", "public", "return", "static", "super", "switch", "this",
    "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield", "arguments",
    "eval", "undefined", "NaN", "Infinity", "brief", "result", "sleep", "managerOf", "chunk",
})

#: The callback family of each node kind's runs (bindings make no run of their own).
_FAMILY: Final[dict[str, str]] = {
    "sequence": "chain", "parallel": "chain", "lambda": "chain", "dynamic": "chain",
    "prompt": "chain", "parser": "chain", "chat_model": "chat", "tool": "tool",
    "retriever": "retriever",
}

#: Per family, the printing methods: (method, parameters, printed event, the expression of the
#: run's name for starts, or None), start, end, error in that order. The parameters are in the
#: order @langchain/core's callback manager passes them.
_METHODS: Final[dict[str, tuple[tuple[str, str, str, str | None], ...]]] = {
    "chain": (("handleChainStart",
               "chain, inputs, runId, parentRunId, tags, metadata, runType, runName",
               "chain start", "runName ?? chain?.name"),
              ("handleChainEnd", "outputs, runId, parentRunId, tags", "chain end", None),
              ("handleChainError", "error, runId, parentRunId, tags", "chain error", None)),
    "chat": (("handleChatModelStart",
              "llm, messages, runId, parentRunId, extraParams, tags, metadata, runName",
              "chat start", "runName ?? llm?.name"),
             ("handleLLMEnd", "output, runId, parentRunId, tags", "llm end", None),
             ("handleLLMError", "error, runId, parentRunId, tags", "llm error", None)),
    "tool": (("handleToolStart", "tool, input, runId, parentRunId, tags, metadata, runName",
              "tool start", "runName ?? tool?.name"),
             ("handleToolEnd", "output, runId, parentRunId, tags", "tool end", None),
             ("handleToolError", "error, runId, parentRunId, tags", "tool error", None)),
    "retriever": (("handleRetrieverStart",
                   "retriever, query, runId, parentRunId, tags, metadata, runName",
                   "retriever start", "runName ?? retriever?.name"),
                  ("handleRetrieverEnd", "documents, runId, parentRunId, tags",
                   "retriever end", None),
                  ("handleRetrieverError", "error, runId, parentRunId, tags",
                   "retriever error", None)),
}


def _names(scenario: Scenario) -> dict[str, str]:
    """A JavaScript variable per label (the label itself where it can be one)."""
    out: dict[str, str] = {}
    taken = {h.id for h in scenario.handlers}
    for node in scenario.chain.nodes:
        name = re.sub(r"\W", "_", node.label)
        if not name or name[0].isdigit() or name in _RESERVED or name in taken:
            name = f"n_{name}"
        while name in out.values() or name in taken:
            name += "_"
        out[node.label] = name
    return out


def _s(value: object) -> str:
    """A JavaScript literal for a JSON value."""
    return json.dumps(value, ensure_ascii=False)


def _handler_list(ids: tuple[str, ...], as_manager: bool) -> str:
    listed = "[" + ", ".join(ids) + "]"
    return f"managerOf({listed})" if as_manager else listed


def _fields(node: Node) -> list[str]:
    """The callbacks, tags, metadata and bound run name of ``node`` as object fields."""
    out = []
    if node.callbacks:
        out.append(f"callbacks: {_handler_list(node.callbacks, node.callbacks_as_manager)}")
    if node.tags:
        out.append(f"tags: {_s(list(node.tags))}")
    if node.metadata:
        out.append(f"metadata: {_s(dict(node.metadata))}")
    if node.run_name is not None:  # (bindings only)
        out.append(f"runName: {_s(node.run_name)}")
    return out


def _object(fields: list[str]) -> str:
    return "{ " + ", ".join(fields) + " }" if fields else "{}"


def _printer(scenario: Scenario) -> list[str]:
    chain, inv = scenario.chain, scenario.invocation
    families = {_FAMILY[n.kind] for n in chain.nodes if n.kind in _FAMILY}
    faulty = any(h.fault != "none" for h in scenario.handlers)
    errors = faulty or any(n.fail for n in chain.nodes)
    out = ["class Printer extends BaseCallbackHandler {"]
    if faulty:
        out += ['  constructor(name, fault = "none", faultOn = "any") {',
                '    super({ _awaitHandler: true, raiseError: fault === "raise_error" });',
                "    this.name = name;",
                "    this.fault = fault;",
                "    this.faultOn = faultOn;",
                "  }"]
    else:
        out += ["  constructor(name) {", "    super({ _awaitHandler: true });",
                "    this.name = name;", "  }"]
    out += ["  show(event, runId, parentRunId, tags, { name, metadata, error } = {}) {",
            "    const line = [this.name, event];",
            "    if (name !== undefined) line.push(name);",
            '    line.push("run", String(runId).slice(-8), "parent",',
            '      parentRunId ? String(parentRunId).slice(-8) : "none");']
    if inv.tags or any(n.tags for n in chain.nodes):
        out.append('    line.push("tags", JSON.stringify(tags ?? []));')
    if inv.metadata or any(n.metadata for n in chain.nodes):
        out.append('    if (name !== undefined) line.push("metadata", '
                   "JSON.stringify(metadata ?? {}));")
    if errors:
        out.append('    if (error !== undefined) line.push("error", '
                   "JSON.stringify(String(error?.message ?? error)));")
    out.append("    console.log(...line);")
    if faulty:
        out += ['    const phase = event.endsWith("start") ? "start" : event.endsWith("token") '
                '? "token" : "end";',
                '    if (this.fault !== "none" && (this.faultOn === "any" || this.faultOn === '
                "phase)) {",
                "      throw new Error(`${this.name} fails on ${event}`);",
                "    }"]
    out.append("  }")
    for family in _METHODS:
        if family not in families:
            continue
        for method, params, event, name in _METHODS[family][:3 if errors else 2]:
            args = f"{_s(event)}, runId, parentRunId, tags"
            if name is not None:
                args += f", {{ name: {name} ?? null, metadata }}"
            elif event.endswith("error"):
                args += ", { error }"
            out.append(f"  {method}({params}) {{ this.show({args}); }}")
    if faulty and any(h.fault_on == "any" and h.fault != "none" for h in scenario.handlers) \
            and "chat" in families and inv.mode in ("stream", "astream"):
        # the harness's faulty handlers also fail on tokens (fault_on "any")
        out.append("  handleLLMNewToken(token, idx, runId, parentRunId, tags) "
                   '{ this.show("llm token", runId, parentRunId, tags); }')
    out.append("}")
    if any(h.asynchronous for h in scenario.handlers):
        out += ["", "// the harness's handlers with asynchronous: true have async methods",
                "class AsyncPrinter extends Printer {}",
                "for (const method of Object.getOwnPropertyNames(Printer.prototype)) {",
                '  if (!method.startsWith("handle")) continue;',
                "  const sync = Printer.prototype[method];",
                "  AsyncPrinter.prototype[method] = async function (...args) "
                "{ return sync.apply(this, args); };",
                "}"]
    return out


def _node_code(node: Node, names: dict[str, str], chain: Chain) -> list[str]:
    var, label, kind = names[node.label], node.label, node.kind
    fields = _fields(node)
    fail = f"throw new Error({_s(label + ' fails')});"
    if kind == "binding":
        return [f"const {var} = {names[node.children[0]]}.withConfig({_object(fields)});"]
    if kind == "sequence":
        steps = ", ".join(names[c] for c in node.children)
        return [f"const {var} = RunnableSequence.from([{steps}], {_s(label)});"]
    if kind == "parallel":
        branches = ", ".join(f"{_s(c)}: {names[c]}" for c in node.children)
        return [f"const {var} = RunnableMap.from({{ {branches} }});", f"{var}.name = {_s(label)};"]
    if kind == "lambda":
        body = ["  await sleep(2);"] if node.slow else []
        body.append(f"  {fail}" if node.fail else f"  return {_s(label)};")
        return [f"const {var} = RunnableLambda.from(async () => {{", *body, "});",
                f"{var}.name = {_s(label)};"]
    if kind in ("dynamic", "tool"):
        cfg = ", config" if node.forward_config else ""
        callees = [names[c] for c in node.children]
        if node.concurrent and callees:
            body = [f"  const settled = await Promise.allSettled([{', '.join(callees)}]"
                    f".map((c) => c.invoke({_s(label)}{cfg})));",
                    '  const failed = settled.find((s) => s.status === "rejected");',
                    "  if (failed) throw failed.reason;"]
        else:
            body = [f"  await {c}.invoke({_s(label)}{cfg});" for c in callees]
        body.append(f"  {fail}" if node.fail else f"  return {_s(label)};")
        if kind == "dynamic":
            params = "(input, config)" if node.forward_config else "()"
            return [f"const {var} = RunnableLambda.from(async {params} => {{", *body, "});",
                    f"{var}.name = {_s(label)};"]
        params = "(input, runManager, config)" if node.forward_config else "()"
        return [f"const {var} = new DynamicTool({{",
                f"  name: {_s(label)}, description: {_s('tool ' + label)},",
                f"  func: async {params} => {{",
                *("  " + line for line in body), "  },",
                *(f"  {f}," for f in fields), "});"]
    if kind == "chat_model":
        cls = "FakeListChatModel"
        out = []
        if node.fail:
            cls = f"{var[0].upper()}{var[1:]}Model"
            out = [f"class {cls} extends FakeListChatModel {{",
                   f"  async _generate() {{ {fail} }}",
                   f"  async *_streamResponseChunks() {{ {fail} }}", "}"]
        args = [f"responses: [{_s(label + ' says hi')}]", f"name: {_s(label)}", *fields]
        return [*out, f"const {var} = new {cls}({{ {', '.join(args)} }});"]
    if kind == "prompt":
        cls = f"{var[0].upper()}{var[1:]}Prompt"
        out = [f"class {cls} extends ChatPromptTemplate {{",
               "  // as the harness does: an input that is not a mapping fills the one variable",
               "  async invoke(input, options) {",
               "    const mapping = input !== null && typeof input === \"object\" "
               "&& input.constructor === Object;",
               "    return super.invoke(mapping ? input : { input }, options);",
               "  }"]
        if node.fail:
            out.append(f"  async formatPromptValue() {{ {fail} }}")
        out += ["}", f"const {var} = {cls}.fromMessages([[\"human\", \"{{input}}\"]]);",
                f"{var}.name = {_s(label)};"]
        return out
    if kind == "parser":
        cls, out = "StringOutputParser", []
        if node.fail:
            cls = f"{var[0].upper()}{var[1:]}Parser"
            out = [f"class {cls} extends StringOutputParser {{", f"  async parse() {{ {fail} }}",
                   "}"]
        return [*out, f"const {var} = new {cls}();", f"{var}.name = {_s(label)};"]
    if kind == "retriever":
        cls = f"{var[0].upper()}{var[1:]}Retriever"
        found = fail if node.fail else f"return [new Document({{ pageContent: {_s(label)} }})];"
        return [f"class {cls} extends BaseRetriever {{",
                '  lc_namespace = ["reproduction", "retrievers"];',
                f"  async _getRelevantDocuments() {{ {found} }}", "}",
                f"const {var} = new {cls}({_object(fields)});",
                f"{var}.name = {_s(label)};"]
    return [f"// unknown node kind {kind}"]


def _postorder(chain: Chain) -> list[str]:
    seen: set[str] = set()
    order: list[str] = []

    def visit(label: str) -> None:
        if label in seen:
            return
        seen.add(label)
        for child in chain[label].children:
            visit(child)
        order.append(label)

    visit(chain.root)
    return order


def _registered(scenario: Scenario) -> set[str]:
    found = set(scenario.invocation.all_runtime_handlers())
    for node in scenario.chain.nodes:
        found.update(node.callbacks)
    return found


def _config(scenario: Scenario, ids: tuple[str, ...]) -> str:
    inv = scenario.invocation
    parts = []
    if ids:
        parts.append(f"callbacks: {_handler_list(ids, inv.callbacks_as_manager)}")
    if inv.tags:
        parts.append(f"tags: {_s(list(inv.tags))}")
    if inv.metadata:
        parts.append(f"metadata: {_s(dict(inv.metadata))}")
    if inv.run_name is not None:
        parts.append(f"runName: {_s(inv.run_name)}")
    if inv.run_id is not None:
        parts.append(f"runId: {_s(inv.run_id)}")
    return "{ " + ", ".join(parts) + " }" if parts else "{}"


def render_js(scenario: Scenario, package: str = "@langchain/core") -> str:
    """An ES module that builds and invokes ``scenario`` with LangChain.js as the harness does.

    It imports and defines only what the case uses; run with node (next to a ``node_modules``
    holding ``package``), it prints one line per start, end and error event each handler gets
    (``<handler> <event> [<run name>] run <id> parent <id>``), then ``returned``/``threw``.
    """
    chain, inv = scenario.chain, scenario.invocation
    kinds = {n.kind for n in chain.nodes}
    names = _names(scenario)
    registered = _registered(scenario)
    handlers = [h for h in scenario.handlers if h.id in registered]
    managed = inv.callbacks_as_manager or any(n.callbacks_as_manager for n in chain.nodes)
    runnables = [name for name, wanted in (
        ("RunnableLambda", bool(kinds & {"lambda", "dynamic"})),
        ("RunnableMap", "parallel" in kinds),
        ("RunnableSequence", "sequence" in kinds)) if wanted]
    imports = [("callbacks/base", ["BaseCallbackHandler"])]
    if managed:
        imports.append(("callbacks/manager", ["CallbackManager"]))
    if "retriever" in kinds and not all(n.fail for n in chain.nodes if n.kind == "retriever"):
        imports.append(("documents", ["Document"]))
    for kind, module, name in (("parser", "output_parsers", "StringOutputParser"),
                               ("prompt", "prompts", "ChatPromptTemplate"),
                               ("retriever", "retrievers", "BaseRetriever")):
        if kind in kinds:
            imports.append((module, [name]))
    if runnables:
        imports.append(("runnables", runnables))
    if "tool" in kinds:
        imports.append(("tools", ["DynamicTool"]))
    if "chat_model" in kinds:
        imports.append(("utils/testing", ["FakeListChatModel"]))
    out = [f"// node repro.mjs (next to a node_modules with {package})",
           f'import "{package}/context"; // the implicit context (AsyncLocalStorage), as the '
           "harness loads it"]
    out += [f'import {{ {", ".join(names_)} }} from "{package}/{module}";'
            for module, names_ in imports]
    out.append("")
    if any(n.slow for n in chain.nodes):
        out += ["const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));", ""]
    out += _printer(scenario)
    out.append("")
    if managed:
        out += ["function managerOf(handlers) {",
                "  const manager = new CallbackManager();",
                "  for (const handler of handlers) manager.addHandler(handler, true);",
                "  return manager;", "}", ""]
    for h in handlers:
        cls = "AsyncPrinter" if h.asynchronous else "Printer"
        fault = f", {_s(h.fault)}, {_s(h.fault_on)}" if h.fault != "none" else ""
        out.append(f"const {h.id} = new {cls}({_s(h.id)}{fault});")
    for label in _postorder(chain):
        out.extend(_node_code(chain[label], names, chain))
    out.append("")
    root = names[chain.root]
    out += ["const brief = (v) => v instanceof Error ? `Error: ${v.message}`",
            "  : Array.isArray(v) ? v.map(brief)",
            "  : v && typeof v === \"object\" ? (\"content\" in v ? v.content"
            " : \"pageContent\" in v ? v.pageContent",
            "    : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, brief(x)]))) : v;"]
    if inv.mode in ("batch", "abatch"):
        if inv.item_callbacks:
            configs = "[" + ", ".join(_config(scenario, ids) for ids in inv.item_callbacks) + "]"
        else:
            configs = _config(scenario, inv.callbacks)
        call = [f"const result = await {root}.batch({_s(list(inv.inputs))}, {configs}, "
                "{ returnExceptions: true });"]
    elif inv.mode in ("stream", "astream"):
        call = ["const result = [];",
                f"for await (const chunk of await {root}.stream({_s(inv.inputs[0])}, "
                f"{_config(scenario, inv.callbacks)})) result.push(chunk);"]
    else:
        call = [f"const result = await {root}.invoke({_s(inv.inputs[0])}, "
                f"{_config(scenario, inv.callbacks)});"]
    out += ["try {", *("  " + line for line in call),
            '  console.log("returned", JSON.stringify(brief(result)));',
            "} catch (error) {",
            '  console.log("threw", String(error?.message ?? error));',
            "}"]
    return "\n".join(out) + "\n"
