// The callback-conformance harness for LangChain.js (@langchain/core): it speaks the JSON harness
// protocol (docs/harness-protocol.md) on stdin/stdout, builds every case of the suite's chain
// model out of @langchain/core objects, runs it with recording handlers, and reports what they
// received. Run it through the suite:
//   python -m conformance run --impl 'harness:node harnesses/langchainjs/harness.mjs'
import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import "@langchain/core/context"; // installs the AsyncLocalStorage that carries the run context
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { CallbackManager } from "@langchain/core/callbacks/manager";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Document } from "@langchain/core/documents";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { BaseRetriever } from "@langchain/core/retrievers";
import { RunnableLambda, RunnableMap, RunnableSequence } from "@langchain/core/runnables";
import { DynamicTool } from "@langchain/core/tools";
import { FakeListChatModel } from "@langchain/core/utils/testing";

const PROTOCOL = 1;
const CORE_VERSION = createRequire(import.meta.url)("@langchain/core/package.json").version;

// -- what leaves do (the suite's probe) ----------------------------------------------------------

class InjectedFailure extends Error {
  constructor(label) {
    super(`injected failure in '${label}'`);
    this.name = "InjectedFailure";
    this.label = label;
  }
}

class HandlerFault extends Error {
  constructor(handler, kind) {
    super(`handler ${handler} fails on purpose (${kind})`);
    this.name = "HandlerFault";
    this.handler = handler;
  }
}

// Per request: the failures thrown (to tell the very object from a copy), events, faults, and
// the warnings the engine printed about handler faults.
const current = new AsyncLocalStorage();

class Probe {
  constructor() {
    this.thrown = new Set();
    this.waiting = null; // the release of a slow lambda waiting for a partner
  }
  failure(label) {
    const error = new InjectedFailure(label);
    this.thrown.add(error);
    return error;
  }
  // A slow lambda's pause: until another slow lambda pauses too (both are then inside their
  // runs at once), or 2 ms when none comes.
  pause() {
    if (this.waiting) {
      const release = this.waiting;
      this.waiting = null;
      release();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.waiting === release) this.waiting = null;
        resolve();
      }, 2);
      const release = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiting = release;
    });
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// -- canonical values ---------------------------------------------------------------------------

const ROLES = new Set(["human", "ai", "system", "tool", "chat", "function"]);

function role(message) {
  let type = typeof message.getType === "function" ? message.getType()
    : typeof message._getType === "function" ? message._getType() : message.type;
  if (typeof type !== "string") type = message.constructor?.name ?? "message";
  type = type.replace("Chunk", "").replace("Message", "").toLowerCase();
  return ROLES.has(type) ? type : type || "message";
}

function canonical(value) {
  if (value === null || value === undefined) return null;
  if (["string", "number", "boolean"].includes(typeof value)) return value;
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== "object") return String(value);
  if (Array.isArray(value.generations)) { // an LLM result: its first generation
    const first = value.generations[0]?.[0];
    if (!first) return null;
    return canonical(first.message ?? first.text);
  }
  if ("content" in value && (typeof value.getType === "function" || typeof value._getType === "function"
      || "lc_kwargs" in value)) {
    return { type: role(value), content: canonical(value.content) };
  }
  if ("pageContent" in value) return { document: value.pageContent };
  if (Array.isArray(value.messages) && typeof value.toString === "function"
      && value.constructor?.name?.endsWith("PromptValue")) {
    return { prompt: value.toString() };
  }
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = canonical(v);
  return out;
}

// SPEC §9: an engine that wraps a bare chain input as {input: v} (or output as {output: v})
// reports the same payload as one that passes v.
function unwrap(value, key) {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === key) return value[key];
  }
  return value;
}

function describeError(error, probe) {
  if (error instanceof InjectedFailure) return { label: error.label, original: probe.thrown.has(error) };
  return { type: error?.constructor?.name ?? typeof error };
}

// What a serialized object says about the run's name: {name} when it carries one at its top
// level (as Python's do), {} when it carries none (LangChain.js's never do: a handler has only
// the run name argument), null when there was no serialized object.
function serializedName(serialized) {
  if (serialized === null || serialized === undefined) return null;
  return typeof serialized === "object" && typeof serialized.name === "string" ? { name: serialized.name } : {};
}

// -- recording handlers -------------------------------------------------------------------------

const FAULT_KINDS = { any: ["start", "token", "end", "error"], start: ["start"], end: ["end", "error"] };

// JS method -> [canonical method, kind, and the positions of the runId, run name (starts),
// parentRunId, tags and metadata (starts) arguments, as @langchain/core's manager passes them]
const METHODS = {
  handleChainStart: ["on_chain_start", "start", 2, 7, 3, 4, 5],
  handleChatModelStart: ["on_chat_model_start", "start", 2, 7, 3, 5, 6],
  handleLLMStart: ["on_llm_start", "start", 2, 7, 3, 5, 6],
  handleToolStart: ["on_tool_start", "start", 2, 6, 3, 4, 5],
  handleRetrieverStart: ["on_retriever_start", "start", 2, 6, 3, 4, 5],
  handleLLMNewToken: ["on_llm_new_token", "token", 2, null, 3, 4, null],
  handleChainEnd: ["on_chain_end", "end", 1, null, 2, 3, null],
  handleLLMEnd: ["on_llm_end", "end", 1, null, 2, 3, null],
  handleToolEnd: ["on_tool_end", "end", 1, null, 2, 3, null],
  handleRetrieverEnd: ["on_retriever_end", "end", 1, null, 2, 3, null],
  handleChainError: ["on_chain_error", "error", 1, null, 2, 3, null],
  handleLLMError: ["on_llm_error", "error", 1, null, 2, 3, null],
  handleToolError: ["on_tool_error", "error", 1, null, 2, 3, null],
  handleRetrieverError: ["on_retriever_error", "error", 1, null, 2, 3, null],
};

class RecordingHandler extends BaseCallbackHandler {
  // copy() builds `new this.constructor(this)`: a copy records as the same handler.
  constructor(spec, state) {
    const from = spec instanceof RecordingHandler ? spec : null;
    const theSpec = from ? from.spec : spec;
    super({ _awaitHandler: true, raiseError: theSpec.fault === "raise_error" });
    this.spec = theSpec;
    this.state = from ? from.state : state;
    this.name = theSpec.id;
    this.faultKinds = theSpec.fault && theSpec.fault !== "none" ? FAULT_KINDS[theSpec.fault_on ?? "any"] : [];
  }

  record(jsMethod, args) {
    const [method, kind, runAt, nameAt, parentAt, tagsAt, metadataAt] = METHODS[jsMethod];
    const { state, spec } = this;
    const event = {
      handler: spec.id, method, run_id: String(args[runAt]),
      parent_run_id: args[parentAt] ? String(args[parentAt]) : null,
      tags: Array.isArray(args[tagsAt]) ? args[tagsAt].map(String) : [],
    };
    if (kind === "start") {
      event.name = typeof args[nameAt] === "string" ? args[nameAt] : null;
      event.serialized = serializedName(args[0]);
      event.metadata = args[metadataAt] && typeof args[metadataAt] === "object" ? canonical(args[metadataAt]) : {};
      event.payload = method === "on_chain_start" ? canonical(unwrap(args[1], "input")) : canonical(args[1]);
    } else if (kind === "error") {
      event.payload = describeError(args[0], state.probe);
    } else if (method === "on_chain_end") {
      event.payload = canonical(unwrap(args[0], "output"));
    } else {
      event.payload = canonical(args[0]);
    }
    state.events.push(event);
    if (this.faultKinds.includes(kind)) {
      if (spec.fault === "raise") state.faults.push({ handler: spec.id, method });
      throw new HandlerFault(spec.id, kind);
    }
  }
}

class AsyncRecordingHandler extends RecordingHandler {}

for (const jsMethod of Object.keys(METHODS)) {
  RecordingHandler.prototype[jsMethod] = function (...args) { return this.record(jsMethod, args); };
  AsyncRecordingHandler.prototype[jsMethod] = async function (...args) { return this.record(jsMethod, args); };
}

function handlerList(ids, handlers, asManager) {
  const list = ids.map((id) => handlers[id]);
  if (!asManager) return list;
  const manager = new CallbackManager();
  for (const handler of list) manager.addHandler(handler, true);
  return manager;
}

// -- building the chain model -------------------------------------------------------------------

class ProbeChatModel extends FakeListChatModel {
  async _generate(messages, options, runManager) {
    if (this.probeFail) throw this.probe.failure(this.probeLabel);
    return super._generate(messages, options, runManager);
  }
  async *_streamResponseChunks(messages, options, runManager) {
    if (this.probeFail) throw this.probe.failure(this.probeLabel);
    yield* super._streamResponseChunks(messages, options, runManager);
  }
}

class ProbePrompt extends ChatPromptTemplate {
  // The chain model's prompts take any input that is not a mapping as their one variable, as
  // Python's do (SPEC §9: bare inputs).
  async invoke(input, options) {
    const mapping = input !== null && typeof input === "object" && input.constructor === Object;
    return super.invoke(mapping ? input : { input }, options);
  }
  async formatPromptValue(values) {
    if (this.probeFail) throw this.probe.failure(this.probeLabel);
    return super.formatPromptValue(values);
  }
}

class ProbeParser extends StringOutputParser {
  async parse(text) {
    if (this.probeFail) throw this.probe.failure(this.probeLabel);
    return super.parse(text);
  }
}

class ProbeRetriever extends BaseRetriever {
  lc_namespace = ["callback_conformance", "retrievers"];
  async _getRelevantDocuments() {
    if (this.probeFail) throw this.probe.failure(this.probeLabel);
    return [new Document({ pageContent: this.probeLabel })];
  }
}

function local(node, handlers) {
  const fields = {};
  if (node.callbacks?.length) fields.callbacks = handlerList(node.callbacks, handlers, node.callbacks_as_manager);
  if (node.tags?.length) fields.tags = [...node.tags];
  if (node.metadata && Object.keys(node.metadata).length) fields.metadata = { ...node.metadata };
  return fields;
}

async function callChildren(children, label, config, concurrent) {
  const call = (child) => (config === undefined ? child.invoke(label) : child.invoke(label, config));
  if (!concurrent) {
    for (const child of children) await call(child);
    return;
  }
  const settled = await Promise.allSettled(children.map(call));
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw failed.reason;
}

function build(chain, handlers, probe) {
  const byLabel = Object.fromEntries(chain.nodes.map((n) => [n.label, n]));
  const built = {};
  const get = (label) => (built[label] ??= buildNode(byLabel[label], get, handlers, probe));
  return get(chain.root);
}

function buildNode(node, get, handlers, probe) {
  const { label, kind } = node;
  const fields = local(node, handlers);
  const mark = (obj) => Object.assign(obj, { probe, probeLabel: label, probeFail: Boolean(node.fail) });
  switch (kind) {
    case "binding": {
      const config = {};
      if (node.callbacks?.length) config.callbacks = fields.callbacks;
      if (node.tags?.length) config.tags = fields.tags;
      if (node.metadata && Object.keys(node.metadata).length) config.metadata = fields.metadata;
      if (typeof node.run_name === "string") config.runName = node.run_name;
      return get(node.children[0]).withConfig(config);
    }
    case "sequence":
      return RunnableSequence.from(node.children.map(get), label);
    case "parallel": {
      const map = RunnableMap.from(Object.fromEntries(node.children.map((c) => [c, get(c)])));
      map.name = label;
      return map;
    }
    case "lambda": {
      const lambda = RunnableLambda.from(async () => {
        if (node.slow) await probe.pause();
        if (node.fail) throw probe.failure(label);
        return label;
      });
      lambda.name = label;
      return lambda;
    }
    case "dynamic":
    case "tool": {
      const children = (node.children ?? []).map(get);
      const forward = node.forward_config !== false;
      const body = async (config) => {
        await callChildren(children, label, forward ? config : undefined, Boolean(node.concurrent));
        if (node.fail) throw probe.failure(label);
        return label;
      };
      if (kind === "tool") {
        return new DynamicTool({ name: label, description: `tool ${label}`,
          func: async (input, runManager, config) => body(config), ...fields });
      }
      const lambda = RunnableLambda.from(async (input, config) => body(config));
      lambda.name = label;
      return lambda;
    }
    case "chat_model":
      return mark(new ProbeChatModel({ responses: [`${label} says hi`], name: label, ...fields }));
    case "prompt": {
      const prompt = mark(ProbePrompt.fromMessages([["human", "{input}"]]));
      prompt.name = label;
      return prompt;
    }
    case "parser": {
      const parser = mark(new ProbeParser());
      parser.name = label;
      return parser;
    }
    case "retriever": {
      const retriever = mark(new ProbeRetriever(fields));
      retriever.name = label;
      return retriever;
    }
    default:
      throw new Error(`unknown node kind ${kind}`);
  }
}

// -- invoking -----------------------------------------------------------------------------------

function oneConfig(invocation, handlers, ids) {
  const config = {};
  if (ids.length) config.callbacks = handlerList(ids, handlers, invocation.callbacks_as_manager);
  if (invocation.tags?.length) config.tags = [...invocation.tags];
  if (invocation.metadata && Object.keys(invocation.metadata).length) config.metadata = { ...invocation.metadata };
  if (invocation.run_name !== null && invocation.run_name !== undefined) config.runName = invocation.run_name;
  if (invocation.run_id !== null && invocation.run_id !== undefined) config.runId = invocation.run_id;
  return config;
}

function outcomeOf(value, probe) {
  if (!(value instanceof Error)) return { value: canonical(value) };
  if (value instanceof InjectedFailure) {
    return { error: { kind: "injected", label: value.label, original: probe.thrown.has(value) } };
  }
  if (value instanceof HandlerFault) {
    return { error: { kind: "handler_fault", handler: value.handler, message: value.message } };
  }
  return { error: { kind: "other", type: value.constructor?.name ?? "Error", message: String(value.message ?? value) } };
}

async function call(root, invocation, handlers, probe) {
  const mode = invocation.mode ?? "invoke";
  const inputs = invocation.inputs ?? ["input"];
  if (mode === "batch" || mode === "abatch") {
    const configs = invocation.item_callbacks?.length
      ? invocation.item_callbacks.map((ids) => oneConfig(invocation, handlers, ids))
      : oneConfig(invocation, handlers, invocation.callbacks ?? []);
    try {
      const results = await root.batch([...inputs], configs, { returnExceptions: true });
      return results.map((r) => outcomeOf(r, probe));
    } catch (error) {
      return inputs.map(() => outcomeOf(error, probe));
    }
  }
  const config = oneConfig(invocation, handlers, invocation.callbacks ?? []);
  try {
    if (mode === "stream" || mode === "astream") {
      const chunks = [];
      for await (const chunk of await root.stream(inputs[0], config)) chunks.push(canonical(chunk));
      return [{ value: chunks }];
    }
    return [outcomeOf(await root.invoke(inputs[0], config), probe)];
  } catch (error) {
    return [outcomeOf(error instanceof Error ? error : new Error(String(error)), probe)];
  }
}

function makeHandlers(specs, state) {
  return Object.fromEntries(specs.map((spec) => [spec.id,
    new (spec.asynchronous ? AsyncRecordingHandler : RecordingHandler)(spec, state)]));
}

// Parallel branches that fail may leave siblings running (late events): give them a moment.
function mayStraggle(chain) {
  return chain.nodes.some((n) => n.fail) && chain.nodes.some((n) => n.kind === "parallel" || n.concurrent);
}

async function runCases(chain, cases) {
  const probe = new Probe();
  const states = cases.map(() => ({ probe, events: [], faults: [], reports: [] }));
  const handlerMaps = cases.map((c, i) => makeHandlers(c.handlers, states[i]));
  // One build: its constructor and bound handlers come from the first (and only) case's set.
  const root = build(chain, handlerMaps[0], probe);
  const returned = [];
  const outcomes = await Promise.all(cases.map((c, i) => current.run(states[i], async () => {
    const got = await call(root, c.invocation, handlerMaps[i], probe);
    returned[i] = states[i].events.length;
    return got;
  })));
  if (mayStraggle(chain)) {
    await awaitAllCallbacks();
    await sleep(20);
  } else {
    await new Promise((resolve) => setImmediate(resolve)); // one turn for anything just queued
  }
  return cases.map((c, i) => ({ outcomes: outcomes[i], events: states[i].events, returned: returned[i],
    faults: states[i].faults, reports: states[i].reports }));
}

// Warnings the engine prints about handler faults go to the request that caused them (and to
// stderr): R10 requires one per contained fault.
for (const level of ["warn", "error"]) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    const text = args.map(String).join(" ");
    const state = current.getStore();
    if (state && text.includes("fails on purpose")) state.reports.push(text);
    if (!state) original(...args);
  };
}
console.log = console.info = console.debug = (...args) => process.stderr.write(args.map(String).join(" ") + "\n");

// -- the protocol -------------------------------------------------------------------------------

// The kinds it builds (see buildNode), listed so that kinds the chain model gains later are
// reported not applicable rather than sent here.
const NODE_KINDS = ["sequence", "parallel", "lambda", "dynamic", "tool", "chat_model", "prompt",
  "parser", "retriever", "binding"];

const CAPABILITIES = {
  node_kinds: NODE_KINDS,
  constructor_callbacks: ["chat_model", "retriever", "tool"],
  failing_kinds: ["chat_model", "dynamic", "lambda", "parser", "prompt", "retriever", "tool"],
  mode_aliases: { invoke: "ainvoke", batch: "abatch", stream: "astream" },
  threads: false,
  sync_only_callers: false,
  sync_inside_loop: false,
  ignore_flags: [],
  run_inline: false,
  local_handlers: false,
  notes: {
    node_kinds: `the LangChain.js harness builds ${NODE_KINDS.join(", ")}`,
    constructor_callbacks: "in @langchain/core chat models, tools and retrievers take callbacks, tags and metadata in their constructor; RunnableLambda, RunnableSequence, RunnableMap, prompt templates and output parsers take none",
    threads: "JavaScript runs a chain on one thread: concurrency is promises (tasks)",
    sync_only_callers: "JavaScript functions have no sync and async twins",
    sync_inside_loop: "every LangChain.js call is asynchronous: there is no sync call inside a running loop",
    ignore_flags: "the harness does not map the suite's ignore_* handler flags onto LangChain.js's ignoreChain/ignoreLLM/ignoreAgent/ignoreRetriever (it has no ignoreChatModel)",
    run_inline: "LangChain.js handlers have no run_inline (awaitHandlers is another option)",
    local_handlers: "the harness builds callback managers with inheritable handlers only",
  },
};

async function answer(request) {
  const { cmd, id } = request;
  if (cmd === "start") {
    if (request.protocol !== PROTOCOL) return { id, error: { message: `protocol ${request.protocol} is not spoken; this harness speaks ${PROTOCOL}` } };
    return {
      id, protocol: PROTOCOL,
      implementation: { name: "langchainjs", version: CORE_VERSION, language: "javascript",
        package: "@langchain/core", runtime: { name: "node", version: process.versions.node },
        homepage: "https://github.com/langchain-ai/langchainjs" },
      capabilities: CAPABILITIES,
    };
  }
  if (cmd === "run") {
    const { chain, handlers, invocation } = request.scenario;
    return { id, results: await runCases(chain, [{ handlers, invocation }]) };
  }
  if (cmd === "run_concurrently") return { id, results: await runCases(request.chain, request.cases) };
  return { id: Number.isInteger(id) ? id : null, error: { message: `unknown command ${cmd}` } };
}

function send(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

process.on("unhandledRejection", () => {}); // abandoned branches' failures also reached the caller

const inFlight = new Set();
let closed = false;
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (!line.trim()) return;
  let request;
  try {
    request = JSON.parse(line);
  } catch (error) {
    send({ id: null, error: { message: `not JSON: ${error.message}` } });
    return;
  }
  if (request.cmd === "stop") process.exit(0);
  const done = answer(request).then(send, (error) => send({ id: request.id ?? null,
    error: { message: String(error?.message ?? error), detail: String(error?.stack ?? "") } }));
  inFlight.add(done);
  done.finally(() => {
    inFlight.delete(done);
    if (closed && !inFlight.size) process.exit(0);
  });
});
// Standard input ended (the runner is gone, or a script piped its requests): answer what is
// in flight, then exit.
lines.on("close", () => {
  closed = true;
  if (!inFlight.size) process.exit(0);
});
