// `opendatasoft`: a dataset of an OpenDataSoft portal (Ghent's, among many
// European cities'), in JavaScript.
//
// The dataset's fields come from the portal's catalog
// (`/api/explore/v2.1/catalog/datasets/{id}`: names and types), declared
// as the stream's schema before the first row (contract 0.2.0). Records
// come from the dataset's JSON Lines export (`exports/jsonl`, the whole
// dataset in one answer), or, with `method = "records"`, from the records
// API page by page (`limit` 100, `offset`; the API serves the first 10,000
// records this way). Incremental where the portal allows: with
// `modified_field` and `publish = "merge"`, only records whose field is
// after the last run's bookmark are read (an ODSQL `where`).

import {
  ConfigError,
  ConfigKey,
  Field,
  Plugin,
  PluginInfo,
  SourceChanged,
  Stream,
  exportPlugin,
  fetch,
  log,
  normalize,
} from "./vitrina_sdk/index.js";

const STREAM = "records";
const PAGE = 100;
const RECORDS_WINDOW = 10000;

// OpenDataSoft field types, as the contract's.
const TYPES = {
  text: "text",
  int: "integer",
  double: "float",
  date: "date",
  datetime: "datetime",
  boolean: "boolean",
  geo_point_2d: "json",
  geo_shape: "json",
  json: "json",
  file: "json",
};

class Portal {
  constructor(base, dataset, apiKey) {
    this.base = `${base.replace(/\/+$/, "")}/api/explore/v2.1/catalog/datasets/${encodeURIComponent(dataset)}`;
    this.headers = apiKey ? { Authorization: `Apikey ${apiKey}` } : {};
  }
  get(path, params = {}) {
    const query = Object.entries(params)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join("&");
    const url = `${this.base}${path}${query ? `?${query}` : ""}`;
    const response = fetch.get(url, this.headers);
    if (response.status === 404) {
      throw new ConfigError(`${url}: the portal has no such dataset; check \`dataset\` in [config]`);
    }
    if (response.status !== 200) {
      let reason = "";
      try {
        reason = response.json().message || "";
      } catch (_) {
        // Not JSON: the status says it.
      }
      throw new SourceChanged(`${url}: the portal answered ${response.status} ${reason}`.trim());
    }
    return response;
  }
}

/** The catalog's fields as the declared stream: names, types, the key. */
function columns(fields, keys) {
  const taken = new Set();
  const list = fields.map((f) => {
    let name = normalize.machineName(f.name).slice(0, 60);
    for (let n = 2, base = name; taken.has(name); n++) name = `${base}_${n}`;
    taken.add(name);
    return { source: f.name, name, type: TYPES[f.type] || "text", label: f.label || f.name, description: f.description };
  });
  const missing = keys.filter((k) => k !== "row" && !list.some((c) => c.source === k || c.name === k));
  if (missing.length > 0) {
    throw new ConfigError(`key field(s) ${missing.join(", ")} are not among the dataset's: ${list.map((c) => c.source).join(", ")}`);
  }
  return list;
}

function stream(list, keys, description) {
  const s = Stream.fromSource(STREAM, description);
  if (keys.includes("row")) s.field(Field.integer("row", "The record's position in the export, from 1.").key());
  for (const c of list) {
    const field = new Field(c.name, c.type, `${c.label}${c.description ? `: ${c.description}` : ""} (the portal's \`${c.source}\`).`);
    s.field(keys.includes(c.source) || keys.includes(c.name) ? field.key() : field.optional());
  }
  return s;
}

/** A record's value as its field's type takes it. */
function value(type, raw) {
  if (raw === null || raw === undefined || raw === "") return undefined;
  switch (type) {
    case "integer":
      return typeof raw === "number" ? raw : Number(raw);
    case "float":
      return typeof raw === "number" ? raw : Number(raw);
    case "text":
      return normalize.cleanText(String(raw));
    case "datetime":
      return /(Z|[+-]\d{2}:\d{2})$/.test(raw) ? raw : `${raw}Z`;
    case "boolean":
      return raw === true || raw === "true";
    default:
      return raw;
  }
}

class OpenDataSoft extends Plugin {
  describe() {
    return new PluginInfo(
      "opendatasoft",
      "0.1.0",
      "A dataset of an OpenDataSoft portal: its JSON Lines export, or its records page by page; fields as the portal's catalog gives them.",
    )
      .key(ConfigKey.required("portal", "The portal's base URL (`https://data.stad.gent`)."))
      .key(ConfigKey.required("dataset", "The dataset's identifier on the portal."))
      .key(ConfigKey.optional("key", "The fields that identify a record, comma-separated; default: its position (`row`)."))
      .key(ConfigKey.optional("method", "`exports` (default: the JSON Lines export, one request) or `records` (pages of 100, the first 10,000 records)."))
      .key(ConfigKey.optional("modified_field", "A date or datetime field: with a bookmark and publish = \"merge\", only records after it are read."))
      .key(ConfigKey.optional("api_key", "An API key, for a restricted dataset.").asSecret())
      .stream(Stream.fromSource(STREAM, "One record of the dataset, with the portal's own fields."));
  }

  check(check) {
    check.requireConfig();
    const portal = new Portal(check.require("portal"), check.require("dataset"));
    const meta = portal.get("").json();
    check.note(`${meta.dataset_id}: ${(meta.fields || []).length} fields`);
  }

  collect(run) {
    const portal = new Portal(run.require("portal"), run.require("dataset"), run.secret("api_key"));
    const meta = portal.get("").json();
    const keys = run.config("key", "row").split(",").map((k) => k.trim()).filter(Boolean);
    const list = columns(meta.fields || [], keys);
    const title = (meta.metas && meta.metas.default && meta.metas.default.title) || meta.dataset_id;
    run.declare(stream(list, keys, `One record of ${title}, with the portal's own fields.`));

    const modified = run.config("modified_field");
    const since = modified ? run.state(STREAM) : undefined;
    const where = since ? `${modified} > "${since.replace(/"/g, "")}"` : undefined;
    const method = run.config("method", "exports");
    let newest = since;
    let position = 0;
    const emit = (record) => {
      position += 1;
      const row = run.row(STREAM);
      if (keys.includes("row")) row.set("row", position);
      for (const c of list) row.set(c.name, value(c.type, record[c.source]));
      run.emit(row);
      if (modified && record[modified] && (!newest || String(record[modified]) > newest)) {
        newest = String(record[modified]);
      }
    };
    if (method === "exports") {
      const text = portal.get("/exports/jsonl", { where }).text();
      for (const line of text.split("\n")) {
        if (line.trim()) emit(JSON.parse(line));
      }
    } else if (method === "records") {
      const orderBy = keys.filter((k) => k !== "row").join(",") || undefined;
      for (let offset = 0; ; offset += PAGE) {
        if (offset + PAGE > RECORDS_WINDOW) {
          run.warn(`the records API serves only the first ${RECORDS_WINDOW} records; use method = "exports" for the rest`);
          break;
        }
        const page = portal.get("/records", { limit: PAGE, offset, order_by: orderBy, where }).json();
        const results = page.results || [];
        results.forEach(emit);
        run.progress(offset + results.length, page.total_count);
        if (results.length < PAGE) break;
      }
    } else {
      throw new ConfigError(`method = "${method}": \`exports\` or \`records\``);
    }
    log.info("harvested", { records: position });
    if (modified && newest) run.checkpoint(STREAM, newest);
  }
}

export const { describe, check, collect } = exportPlugin(OpenDataSoft);
