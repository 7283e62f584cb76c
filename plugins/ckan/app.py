"""`ckan`: one dataset's records from a CKAN portal, in Python.

Most partner portals run CKAN (data.egov.bg's predecessor did, Ghent's
neighbours do). The plugin reads the dataset with `package_show`, picks
its resource, and collects the records:

- from the DataStore when the resource is in it (`datastore_search`,
  page by page, `limit`/`offset`), with the fields and types the DataStore
  reports, declared as the stream's schema before the first row;
- else from the resource's CSV file, every column as text.

The stream's fields come from the source (contract 0.2.0): a field the
portal adds or drops is published as a schema change. Incremental where
the source allows: with `modified_field` (a DataStore column of
modification times) and `publish = "merge"`, a run reads only the records
modified since the last published run; for a CSV, with `incremental =
"true"` and merge, a run whose resource is unchanged (`last_modified`)
reads nothing.
"""

import csv
import decimal
import io
import json
import urllib.parse

from vitrina_sdk import (
    ConfigError,
    ConfigKey,
    Field,
    Plugin,
    PluginInfo,
    SourceChanged,
    SourceUnavailable,
    Stream,
    export,
    fetch,
    log,
    normalize,
)

STREAM = "records"
DEFAULT_PAGE = 1000
MAX_PAGE = 32000

# DataStore column types, as the contract's.
TYPES = {
    "int": "integer",
    "int2": "integer",
    "int4": "integer",
    "int8": "integer",
    "integer": "integer",
    "bigint": "integer",
    "numeric": "decimal",
    "float4": "float",
    "float8": "float",
    "float": "float",
    "double precision": "float",
    "bool": "boolean",
    "boolean": "boolean",
    "date": "date",
    "json": "json",
    "jsonb": "json",
}


def machine_name(column, taken):
    """A column's title as a field name, by the host's transliteration
    (`Сума` → `suma`), made unique among the stream's."""
    name = normalize.machine_name(column)[:60]
    base, n = name, 2
    while name in taken:
        name = f"{base}_{n}"
        n += 1
    taken.add(name)
    return name


class Portal:
    """The CKAN Action API of one portal."""

    def __init__(self, base, api_key=None):
        self.base = base.rstrip("/")
        self.headers = {"Authorization": api_key} if api_key else {}

    def action(self, name, **params):
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        url = f"{self.base}/api/3/action/{name}?{query}"
        response = fetch.request(url, headers=self.headers, ok=(200, 400, 403, 404, 409))
        try:
            body = json.loads(response.text(), parse_float=decimal.Decimal)
        except ValueError:
            raise SourceChanged(f"{url}: the portal answered {response.status} with something other than JSON")
        if not body.get("success"):
            error = body.get("error") or {}
            message = error.get("message") or error.get("__type") or "no reason given"
            if response.status == 404:
                raise ConfigError(f"{name}: {message} ({url}); check `dataset` and `resource` in [config]")
            raise SourceChanged(f"{name}: the portal refused: {message} ({url})")
        return body["result"]


def pick_resource(package, wanted):
    resources = package.get("resources") or []
    if wanted:
        for resource in resources:
            if wanted in (resource.get("id"), resource.get("name")):
                return resource
        names = ", ".join(r.get("name") or r.get("id", "?") for r in resources)
        raise ConfigError(f"the dataset has no resource `{wanted}`; it has: {names}")
    for resource in resources:
        if resource.get("datastore_active"):
            return resource
    for resource in resources:
        if (resource.get("format") or "").lower() == "csv":
            return resource
    raise SourceChanged("the dataset has no DataStore resource and no CSV resource")


class Columns:
    """The source's columns as declared fields: names, types, the key."""

    def __init__(self, columns, keys, key_description):
        taken = set()
        self.columns = []  # (source id, field name, type)
        for column_id, kind in columns:
            self.columns.append((column_id, machine_name(column_id, taken), kind))
        names = {c[0]: c[1] for c in self.columns}
        missing = [k for k in keys if k not in names]
        if missing:
            raise ConfigError(
                f"key column(s) {', '.join(missing)} are not among the source's columns: {', '.join(names)}"
            )
        self.keys = {names[k] for k in keys}
        self.key_description = key_description

    def stream(self, description):
        stream = Stream(STREAM, description)
        for column_id, name, kind in self.columns:
            field = Field(name, kind, f"The source's `{column_id}` column.")
            stream.field(field.key() if name in self.keys else field.optional())
        return stream

    def fingerprint(self):
        return [(c[0], c[2]) for c in self.columns]


def value(kind, raw):
    """A DataStore value as the field's type takes it."""
    if raw is None or raw == "":
        return None
    if kind == "integer":
        return int(raw)
    if kind == "decimal":
        return decimal.Decimal(str(raw))
    if kind == "float":
        return float(raw)
    if kind == "boolean":
        return raw if isinstance(raw, bool) else str(raw).lower() in ("true", "t", "1")
    if kind == "date":
        return str(raw)[:10]
    if kind == "json":
        return raw
    return normalize.clean_text(str(raw))


class Ckan(Plugin):
    def describe(self):
        return (
            PluginInfo(
                "ckan",
                "0.1.0",
                "One dataset's records from a CKAN portal: its DataStore resource page by page, or its CSV file; fields as the portal reports them.",
            )
            .key(ConfigKey.required_key("portal", "The portal's base URL (`https://data.example.org`)."))
            .key(ConfigKey.required_key("dataset", "The dataset's name or id on the portal."))
            .key(ConfigKey.optional_key("resource", "The resource's name or id; default: the first in the DataStore, else the first CSV."))
            .key(ConfigKey.optional_key("key", "The columns that identify a record, comma-separated; default `_id` for the DataStore, the row number for a CSV."))
            .key(ConfigKey.optional_key("page_size", f"Records per DataStore page (default {DEFAULT_PAGE}, at most {MAX_PAGE})."))
            .key(ConfigKey.optional_key("modified_field", "A DataStore column of modification times: with a bookmark and publish = \"merge\", only records modified since are read."))
            .key(ConfigKey.optional_key("incremental", "`true`: with publish = \"merge\", a CSV resource that did not change since the last run is not read again."))
            .key(ConfigKey.optional_key("api_key", "A CKAN API token, for a private dataset.").as_secret())
            .stream(Stream.from_source(STREAM, "One record of the harvested resource, with the portal's own columns."))
        )

    def check(self, check):
        check.require_config()
        portal = Portal(check.require("portal"))
        package = portal.action("package_show", id=check.require("dataset"))
        resource = pick_resource(package, check.config("resource"))
        check.note(f"{package.get('title') or package.get('name')}: resource {resource.get('name') or resource.get('id')}")

    def collect(self, run):
        portal = Portal(run.require("portal"), run.secret("api_key"))
        package = portal.action("package_show", id=run.require("dataset"))
        resource = pick_resource(package, run.config("resource"))
        log.info("harvesting", dataset=package.get("name"), resource=resource.get("id"))
        if resource.get("datastore_active"):
            self.datastore(run, portal, package, resource)
        else:
            self.csv_file(run, package, resource)

    def page_size(self, run):
        text = run.config("page_size", str(DEFAULT_PAGE))
        if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
            raise ConfigError(f"page_size = {text!r}: a number from 1 to {MAX_PAGE}")
        return int(text)

    def datastore(self, run, portal, package, resource):
        limit = self.page_size(run)
        modified = run.config("modified_field")
        since = run.state(STREAM) if modified else None
        keys = [k.strip() for k in run.config("key", "_id").split(",") if k.strip()]
        sort = f"{modified} desc" if modified else "_id asc"
        offset, columns, newest, done = 0, None, since, False
        while not done:
            page = portal.action(
                "datastore_search", resource_id=resource["id"], limit=limit, offset=offset, sort=sort
            )
            fields = [(f["id"], TYPES.get(str(f.get("type", "text")).lower(), "text")) for f in page["fields"]]
            if columns is None:
                columns = Columns(fields, keys, "")
                run.declare(columns.stream(self.description(package, resource)))
            elif columns.fingerprint() != fields:
                raise SourceChanged("the DataStore's columns changed while the run read it; the next run reads them afresh")
            records = page.get("records") or []
            for record in records:
                if modified is not None:
                    stamp = str(record.get(modified) or "")
                    if since is not None and stamp <= since:
                        done = True
                        break
                    newest = max(newest or stamp, stamp)
                row = run.row(STREAM)
                for column_id, name, kind in columns.columns:
                    row.set(name, value(kind, record.get(column_id)))
                run.emit(row)
            offset += len(records)
            total = page.get("total")
            run.progress(offset, total)
            if len(records) < limit or (total is not None and offset >= total):
                done = True
        if modified and newest:
            run.checkpoint(STREAM, newest)

    def csv_file(self, run, package, resource):
        url = resource.get("url")
        if not url:
            raise SourceChanged(f"resource {resource.get('id')} has no URL")
        stamp = resource.get("last_modified") or resource.get("metadata_modified") or ""
        incremental = run.config("incremental", "false") == "true"
        if incremental and stamp and run.state(STREAM) == stamp:
            log.info("the resource has not changed since the last run", last_modified=stamp)
            return
        text = fetch.get_text(url)
        sample = text[:4096]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        header = next(reader, None)
        if not header:
            raise SourceChanged(f"{url}: the file is empty")
        keys = [k.strip() for k in run.config("key", "").split(",") if k.strip()]
        columns = [("_row", "integer")] if not keys else []
        columns += [(h.strip(), "text") for h in header]
        table = Columns(columns, keys or ["_row"], "")
        run.declare(table.stream(self.description(package, resource)))
        for number, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                continue
            values = ([number] if not keys else []) + record
            row = run.row(STREAM)
            for (column_id, name, kind), raw in zip(table.columns, values):
                row.set(name, raw if kind == "integer" else (normalize.clean_text(raw) or None))
            run.emit(row)
        if incremental and stamp:
            run.checkpoint(STREAM, stamp)

    @staticmethod
    def description(package, resource):
        title = package.get("title") or package.get("name")
        name = resource.get("name") or resource.get("id")
        return f"One record of `{name}` of {title}, with the portal's own columns."


WitWorld = export(Ckan)
