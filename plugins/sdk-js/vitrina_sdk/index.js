// The JavaScript SDK for Vitrina collector plugins.
//
// A plugin is a class with `describe`, `check` (optional) and `collect`,
// the shape of the Rust SDK's `Plugin` trait; `exportPlugin` turns it into
// the component's exports:
//
//   import { Plugin, PluginInfo, Stream, Field, exportPlugin } from "./vitrina_sdk/index.js";
//   class Hello extends Plugin {
//     describe() {
//       return new PluginInfo("hello", "0.1.0", "Says hello.").stream(
//         new Stream("greetings", "One greeting.")
//           .field(Field.text("id", "Greeting id.").key())
//           .field(Field.text("text", "The greeting.")));
//     }
//     collect(run) { run.emit(run.row("greetings").set("id", "1").set("text", "Здравей")); }
//   }
//   export const { describe, check, collect } = exportPlugin(Hello);
//
// `vitrina plugin build <folder>` copies this folder beside the plugin's
// `app.js` and runs componentize-js against `wit/v0.2.0`. Bulgarian
// normalization is the host's, called through the contract (`normalize`),
// exactly as in the Rust and Python SDKs. TypeScript types of the contract
// are in `../types/`, generated from the WIT (`tools/types.mjs`).

import * as config from "vitrina:plugin/config@0.2.0";
import * as hostFetch from "vitrina:plugin/fetch@0.2.0";
import * as hostLog from "vitrina:plugin/log@0.2.0";
import * as hostNormalize from "vitrina:plugin/normalize@0.2.0";
import * as sink from "vitrina:plugin/sink@0.2.0";
import * as state from "vitrina:plugin/state@0.2.0";
import { PROFILES } from "./profiles.js";

export const CONTRACT_VERSION = "0.2.0";

// Send a batch once it holds this many rows, or this many bytes.
const BATCH_ROWS = 512;
const BATCH_BYTES = 512 * 1024;

// ---------------------------------------------------------------- errors

/** A failure the plugin reports; the kind decides what the host does. */
export class PluginError extends Error {
  constructor(message, kind = "internal") {
    super(message);
    this.kind = kind;
  }
}
/** The dataset's configuration is wrong: not retried. */
export class ConfigError extends PluginError {
  constructor(message) { super(message, "config"); }
}
/** The source did not answer or answered a server error: retried. */
export class SourceUnavailable extends PluginError {
  constructor(message) { super(message, "source-unavailable"); }
}
/** The source's format moved: a person must look. */
export class SourceChanged extends PluginError {
  constructor(message) { super(message, "source-changed"); }
}
/** The host refused something the plugin asked for. */
export class Denied extends PluginError {
  constructor(message) { super(message, "denied"); }
}

// The message of a host refusal (a result's error, thrown by the bindings).
function refusal(e) {
  const payload = e && e.payload !== undefined ? e.payload : e;
  return payload && payload.message !== undefined ? payload.message : String(payload);
}

// ---------------------------------------------------------------- schema

const TYPES = ["boolean", "integer", "decimal", "float", "text", "date", "datetime", "json"];

// A Table Schema type as the host maps it.
const PROFILE_TYPES = {
  string: "text", integer: "integer", number: "decimal", boolean: "boolean",
  date: "date", datetime: "datetime", array: "json", object: "json",
};

/** One column: a machine name, a type, what it means. */
export class Field {
  constructor(name, type, description) {
    if (!TYPES.includes(type)) {
      throw new PluginError(`field \`${name}\`: type ${type} is not one of ${TYPES.join(", ")}`);
    }
    Object.assign(this, { name, type, description, nullable: false, isKey: false, unit: undefined });
  }
  static boolean(name, d) { return new Field(name, "boolean", d); }
  static integer(name, d) { return new Field(name, "integer", d); }
  static decimal(name, d) { return new Field(name, "decimal", d); }
  static float(name, d) { return new Field(name, "float", d); }
  static text(name, d) { return new Field(name, "text", d); }
  static date(name, d) { return new Field(name, "date", d); }
  static datetime(name, d) { return new Field(name, "datetime", d); }
  static json(name, d) { return new Field(name, "json", d); }
  /** The field may be null. */
  optional() { this.nullable = true; return this; }
  /** Part of the primary key (never null). */
  key() { this.isKey = true; return this; }
  /** The unit of a numeric field (`BGN`, `EUR`, `months`). */
  withUnit(unit) { this.unit = unit; return this; }
}

/** One table the plugin produces. */
export class Stream {
  constructor(name, description) {
    this.name = name;
    this.description = description;
    this.fields = [];
  }
  /**
   * The stream of a canonical profile (`budget`, `decision`, `procurement`,
   * `project`): its fields in order, typed, required ones not nullable, its
   * key; the profile files the host holds plugins to, built in.
   */
  static fromProfile(name, profile) {
    const schema = PROFILES[profile];
    if (!schema) throw new PluginError(`no profile \`${profile}\`; the profiles are ${Object.keys(PROFILES).join(", ")}`);
    const stream = new Stream(name, schema.description || "");
    const key = schema.primaryKey || [];
    for (const spec of schema.fields) {
      const field = new Field(spec.name, PROFILE_TYPES[spec.type] || "text", spec.description || spec.title || spec.name);
      if (key.includes(spec.name)) field.key();
      else if (!(spec.constraints && spec.constraints.required)) field.optional();
      stream.field(field);
    }
    return stream;
  }
  /** Fields from the source, declared with `run.declare` before the run's first row. */
  static fromSource(name, description) { return new Stream(name, description); }
  field(field) { this.fields.push(field); return this; }
  position(name) { return this.fields.findIndex((f) => f.name === name); }
  get primaryKey() { return this.fields.filter((f) => f.isKey).map((f) => f.name); }
}

/** A key of `[config]` in `dataset.toml`. */
export class ConfigKey {
  constructor(name, description, required = false) {
    Object.assign(this, { name, description, required, secret: false });
  }
  static required(name, d) { return new ConfigKey(name, d, true); }
  static optional(name, d) { return new ConfigKey(name, d, false); }
  /** Read with `run.secret`; the host never logs it. */
  asSecret() { this.secret = true; return this; }
}

/** What a plugin says about itself. */
export class PluginInfo {
  constructor(id, version, description) {
    Object.assign(this, { id, version, description, profile: undefined, streams: [], config: [] });
  }
  stream(stream) { this.streams.push(stream); return this; }
  key(key) { this.config.push(key); return this; }
  claims(profile) { this.profile = profile; return this; }
}

function witField(f) {
  return { name: f.name, kind: f.type, nullable: f.nullable && !f.isKey, description: f.description, unit: f.unit };
}

function witStream(s) {
  return { name: s.name, description: s.description, fields: s.fields.map(witField), primaryKey: s.primaryKey };
}

function witInfo(info) {
  return {
    id: info.id,
    version: info.version,
    description: info.description,
    profile: info.profile,
    streams: info.streams.map(witStream),
    config: info.config.map((k) => ({ name: k.name, description: k.description, required: k.required, secret: k.secret })),
  };
}

// ---------------------------------------------------------------- cells

const NULL = { tag: "null" };
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** A value as the cell its field's type takes; throws when it cannot be one. */
function cell(type, value) {
  if (value === null || value === undefined) return NULL;
  switch (type) {
    case "boolean":
      if (typeof value === "boolean") return { tag: "boolean", val: value };
      break;
    case "integer":
      if (typeof value === "bigint") return { tag: "integer", val: value };
      if (Number.isSafeInteger(value)) return { tag: "integer", val: BigInt(value) };
      break;
    case "decimal": {
      // Money never travels as a float: decimals are given as text.
      const text = typeof value === "bigint" || Number.isSafeInteger(value) ? String(value) : value;
      if (typeof text === "string" && DECIMAL.test(text)) return { tag: "decimal", val: text };
      break;
    }
    case "float":
      if (typeof value === "number" && Number.isFinite(value)) return { tag: "float", val: value };
      break;
    case "text":
      if (typeof value === "string") return { tag: "text", val: value };
      break;
    case "date":
      if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return { tag: "date", val: value };
      break;
    case "datetime":
      if (typeof value === "string" && /(Z|[+-]\d{2}:\d{2})$/.test(value)) return { tag: "datetime", val: value };
      break;
    case "json":
      return { tag: "json", val: JSON.stringify(value) };
  }
  throw new PluginError(`${JSON.stringify(String(value))} is not a ${type}`);
}

function cellSize(c) {
  return typeof c.val === "string" ? c.val.length : 8;
}

// ---------------------------------------------------------------- run

function configValue(key, fallback) {
  const value = config.get(key);
  return value === undefined ? fallback : value;
}

function requiredValue(key) {
  const value = config.get(key);
  if (value === undefined || value.trim() === "") {
    throw new ConfigError(`\`${key}\` is not set in [config] of the dataset's dataset.toml`);
  }
  return value;
}

/** A row of one stream, every field null until set. */
export class Row {
  constructor(stream) {
    this.stream = stream;
    this.cells = stream.fields.map(() => NULL);
  }
  /** Sets a field by name, checked against its type; returns the row. */
  set(name, value) {
    const i = this.stream.position(name);
    if (i < 0) {
      const names = this.stream.fields.map((f) => f.name).join(", ");
      throw new PluginError(`stream \`${this.stream.name}\` has no field \`${name}\`; its fields are ${names}`);
    }
    try {
      this.cells[i] = cell(this.stream.fields[i].type, value);
    } catch (e) {
      throw new PluginError(`stream \`${this.stream.name}\`, field \`${name}\`: ${e.message}`);
    }
    return this;
  }
  finish() {
    this.stream.fields.forEach((f, i) => {
      if (this.cells[i].tag === "null" && (!f.nullable || f.isKey)) {
        throw new PluginError(`stream \`${this.stream.name}\`: field \`${f.name}\` is required and was not set`);
      }
    });
    return this.cells;
  }
}

/** One run of `collect`: configuration, bookmarks, a buffered sink. */
export class Run {
  constructor(context, streams) {
    this.context = context;
    this.buffers = new Map(streams.map((s) => [s.name, { stream: s, rows: [], bytes: 0, emitted: 0 }]));
    this.warnings = [];
  }
  get dataset() { return this.context.dataset; }
  get runId() { return this.context.runId; }
  get fullRefresh() { return this.context.fullRefresh; }
  config(key, fallback = undefined) { return configValue(key, fallback); }
  require(key) { return requiredValue(key); }
  secret(key) { return config.getSecret(key); }
  /** The bookmark the last published run saved, unless a full refresh. */
  state(stream) { return this.fullRefresh ? undefined : state.get(stream); }
  row(stream) {
    const buffer = this.buffers.get(stream);
    if (!buffer) throw new PluginError(`stream \`${stream}\` is not described`);
    return new Row(buffer.stream);
  }
  /** Declares a `Stream.fromSource`'s fields, before any row of the run. */
  declare(stream) {
    const buffer = this.buffers.get(stream.name);
    if (!buffer) throw new PluginError(`stream \`${stream.name}\` is not described; describe it with Stream.fromSource`);
    this.flushAll();
    try {
      sink.declare(witStream(stream));
    } catch (e) {
      throw new Denied(refusal(e));
    }
    buffer.stream = stream;
  }
  emit(row) {
    const buffer = this.buffers.get(row.stream.name);
    const cells = row.finish();
    buffer.rows.push(cells);
    buffer.bytes += cells.reduce((n, c) => n + cellSize(c), 0);
    if (buffer.rows.length >= BATCH_ROWS || buffer.bytes >= BATCH_BYTES) this.flush(buffer);
  }
  /** Saves a bookmark, committed only if the run publishes; rows go first. */
  checkpoint(stream, bookmark) {
    const buffer = this.buffers.get(stream);
    if (buffer) this.flush(buffer);
    try {
      sink.checkpoint(stream, bookmark);
    } catch (e) {
      throw new Denied(refusal(e));
    }
  }
  progress(done, total = undefined) {
    sink.progress(BigInt(done), total === undefined ? undefined : BigInt(total));
  }
  warn(message) {
    log.warn(message);
    this.warnings.push(message);
  }
  flush(buffer) {
    if (buffer.rows.length === 0) return;
    const rows = buffer.rows;
    buffer.emitted += rows.length;
    buffer.rows = [];
    buffer.bytes = 0;
    try {
      sink.write(buffer.stream.name, rows);
    } catch (e) {
      throw new Denied(refusal(e));
    }
  }
  flushAll() {
    for (const buffer of this.buffers.values()) this.flush(buffer);
  }
}

/** What `check` works with. */
export class Check {
  constructor(keys) {
    this.keys = keys;
    this.messages = [];
  }
  config(key, fallback = undefined) { return configValue(key, fallback); }
  require(key) { return requiredValue(key); }
  note(message) { this.messages.push(message); }
  requireConfig() { this.keys.filter((k) => k.required).forEach((k) => this.require(k.name)); }
}

/** Subclass it: `describe`, `collect`, and `check` when need be. */
export class Plugin {
  describe() { throw new PluginError("describe() is not written"); }
  check(check) { check.requireConfig(); }
  collect(_run) { throw new PluginError("collect() is not written"); }
}

// An exception as the contract's collect-error, thrown for the bindings.
function collectError(e) {
  const kind = e instanceof PluginError ? e.kind : "internal";
  const message = e instanceof PluginError ? e.message : `${e && e.name ? e.name : "Error"}: ${e && e.message ? e.message : e}`;
  return { tag: kind, val: message };
}

/** The world's exports for `PluginClass`. */
export function exportPlugin(PluginClass) {
  return {
    describe() {
      return witInfo(new PluginClass().describe());
    },
    check() {
      const plugin = new PluginClass();
      const check = new Check(plugin.describe().config);
      try {
        plugin.check(check);
      } catch (e) {
        throw collectError(e);
      }
      return { messages: check.messages };
    },
    collect(ctx) {
      const plugin = new PluginClass();
      const run = new Run(ctx, plugin.describe().streams);
      try {
        plugin.collect(run);
        run.flushAll();
      } catch (e) {
        throw collectError(e);
      }
      return { warnings: run.warnings };
    },
  };
}

// ---------------------------------------------------------------- log

function logAt(level, message, fields = {}) {
  hostLog.log(level, String(message), Object.entries(fields).map(([k, v]) => [String(k), String(v)]));
}

export const log = {
  debug: (message, fields) => logAt("debug", message, fields),
  info: (message, fields) => logAt("info", message, fields),
  warn: (message, fields) => logAt("warn", message, fields),
  error: (message, fields) => logAt("error", message, fields),
};

// ---------------------------------------------------------------- normalize

function hostValue(call) {
  try {
    return call();
  } catch (e) {
    throw new Error(refusal(e));
  }
}

/** The host's Bulgarian normalization: the same code as the Rust SDK's. */
export const normalize = {
  cleanText: (text) => hostNormalize.cleanText(text),
  machineName: (title) => hostNormalize.machineName(title),
  /** `1 234,56` → `"1234.56"` (exact, as text); `undefined` for an empty cell. */
  parseNumber: (text) => hostValue(() => hostNormalize.parseNumber(text)),
  /** `26.03.2024` → `"2024-03-26"`. */
  parseDate: (text) => hostValue(() => hostNormalize.parseDate(text)),
  bgnToEur: (amount) => hostValue(() => hostNormalize.bgnToEur(String(amount))),
  currencyOn: (date) => hostValue(() => hostNormalize.currencyOn(date)),
  isValidEik: (text) => hostNormalize.isValidEik(text),
  /** Bytes as text: BOM, else the charset when it fits, else UTF-8, else windows-1251. */
  decode: (bytes, charset = undefined) => hostNormalize.decode(bytes, charset),
};

// ---------------------------------------------------------------- fetch

const CHUNK = 256 * 1024;

function fetchFailure(e) {
  const error = e && e.payload !== undefined ? e.payload : e;
  const message = error && error.message ? error.message : String(error);
  const transient = ["timeout", "unreachable", "protocol"];
  return transient.includes(error && error.kind) ? new SourceUnavailable(message) : new Denied(message);
}

/** A response: status, headers, the whole body, decoded on demand. */
export class Response {
  constructor(status, url, headers, body) {
    Object.assign(this, { status, url, headers, body });
  }
  header(name) {
    const found = this.headers.find(([k]) => k === name.toLowerCase());
    return found ? found[1] : undefined;
  }
  charset() {
    const match = /charset=\s*"?([^";]+)/i.exec(this.header("content-type") || "");
    return match ? match[1] : undefined;
  }
  text() { return normalize.decode(this.body, this.charset()).text; }
  json() { return JSON.parse(this.text()); }
}

/** One request through the host; 5xx and 429 are `SourceUnavailable`. */
export function request(url, { method = "GET", headers = {}, body = undefined } = {}) {
  let response;
  try {
    response = hostFetch.fetch({ method, url, headers: Object.entries(headers), body });
  } catch (e) {
    throw fetchFailure(e);
  }
  const chunks = [];
  let total = 0;
  for (;;) {
    let chunk;
    try {
      chunk = response.body.read(CHUNK);
    } catch (e) {
      throw fetchFailure(e);
    }
    if (chunk.length === 0) break;
    chunks.push(chunk);
    total += chunk.length;
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  const result = new Response(response.status, response.url, response.headers, bytes);
  if (result.status >= 500 || result.status === 429) {
    throw new SourceUnavailable(`${url}: the source answered ${result.status}`);
  }
  return result;
}

export const fetch = {
  request,
  get: (url, headers = {}) => request(url, { headers }),
  getText: (url, headers = {}) => request(url, { headers }).text(),
  getJson: (url, headers = {}) => request(url, { headers }).json(),
};
