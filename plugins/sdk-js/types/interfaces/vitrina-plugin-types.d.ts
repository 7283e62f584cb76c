declare module 'vitrina:plugin/types@0.2.0' {
  /**
   * One cell of a row. The variant must match the field's declared type
   * (or be `null` where the field is nullable); the host rejects the row
   * otherwise.
   */
  export type Cell = CellNull | CellBoolean | CellInteger | CellDecimal | CellFloat | CellText | CellDate | CellDatetime | CellJson;
  /**
   * No value. Allowed only in fields declared nullable.
   */
  export interface CellNull {
    tag: 'null',
  }
  /**
   * A boolean: `Да`/`Не` in Bulgarian sources.
   */
  export interface CellBoolean {
    tag: 'boolean',
    val: boolean,
  }
  /**
   * A whole number in the signed 64-bit range.
   */
  export interface CellInteger {
    tag: 'integer',
    val: bigint,
  }
  /**
   * An exact decimal number written as text: an optional `-`, digits,
   * and an optional `.` with digits (`454090.00`, `-12.5`). No
   * exponent, no thousands separators. Money always travels this way,
   * never as a float.
   */
  export interface CellDecimal {
    tag: 'decimal',
    val: string,
  }
  /**
   * A binary floating point number, for measurements only (never money).
   * Must be finite.
   */
  export interface CellFloat {
    tag: 'float',
    val: number,
  }
  /**
   * Text, valid UTF-8, normalized by the plugin (NFC, trimmed).
   */
  export interface CellText {
    tag: 'text',
    val: string,
  }
  /**
   * A calendar date as `YYYY-MM-DD`.
   */
  export interface CellDate {
    tag: 'date',
    val: string,
  }
  /**
   * A point in time as RFC 3339 with an offset (`2024-03-26T10:00:00+02:00`).
   */
  export interface CellDatetime {
    tag: 'datetime',
    val: string,
  }
  /**
   * A JSON document (object, array or scalar) as text, for lists such
   * as a project's activities.
   */
  export interface CellJson {
    tag: 'json',
    val: string,
  }
  /**
   * One row: one cell per declared field, in the stream's field order.
   * The SDK builds rows by field name, so plugin code never counts
   * positions.
   */
  export type Row = Array<Cell>;
  /**
   * The type a field declares; a cell of another type is rejected.
   * # Variants
   * 
   * ## `"boolean"`
   * 
   * ## `"integer"`
   * 
   * ## `"decimal"`
   * 
   * ## `"float"`
   * 
   * ## `"text"`
   * 
   * ## `"date"`
   * 
   * ## `"datetime"`
   * 
   * ## `"json"`
   */
  export type FieldType = 'boolean' | 'integer' | 'decimal' | 'float' | 'text' | 'date' | 'datetime' | 'json';
  /**
   * One column of a stream.
   */
  export interface Field {
    /**
     * Machine name: lowercase ASCII, digits and `_`, starting with a letter.
     */
    name: string,
    /**
     * The cell type every non-null value must have.
     */
    kind: FieldType,
    /**
     * Whether the field may be `null`. Primary-key fields never may.
     */
    nullable: boolean,
    /**
     * What the field means, for the published schema and documentation.
     */
    description: string,
    /**
     * The unit of a numeric field (`BGN`, `EUR`, `months`), if any.
     */
    unit?: string,
  }
  /**
   * One table a plugin produces.
   * 
   * A stream whose fields come from the source (a harvester learns a
   * portal's columns only when it reads them) is described with no
   * fields and no primary key, and declared with `sink.declare` during
   * the run, before any row of the run is written.
   */
  export interface StreamSchema {
    /**
     * Machine name of the stream, unique within the plugin.
     */
    name: string,
    /**
     * What one row of the stream is.
     */
    description: string,
    /**
     * The columns, in row order.
     */
    fields: Array<Field>,
    /**
     * Names of the fields that identify a row; never empty. The host
     * keys versions and changes on it.
     */
    primaryKey: Array<string>,
  }
  /**
   * One configuration key the plugin reads.
   */
  export interface ConfigKey {
    /**
     * The key as written under `[config]` in `dataset.toml`.
     */
    name: string,
    /**
     * What the key sets, shown to operators.
     */
    description: string,
    /**
     * Whether a run fails without it.
     */
    required: boolean,
    /**
     * Whether the value is a secret: read it with `config.get-secret`;
     * the host never logs or shows it.
     */
    secret: boolean,
  }
  /**
   * What a plugin says about itself. The host reads it once per plugin
   * build and checks it before running anything.
   */
  export interface PluginInfo {
    /**
     * Short machine name, e.g. `projects`.
     */
    id: string,
    /**
     * The plugin's own version (semver).
     */
    version: string,
    /**
     * One sentence on what the plugin collects and from where.
     */
    description: string,
    /**
     * The canonical profile the plugin's main stream claims to follow
     * (`budget`, `decision`, `procurement`, `project`), if any.
     */
    profile?: string,
    /**
     * The streams the plugin produces.
     */
    streams: Array<StreamSchema>,
    /**
     * The configuration keys the plugin reads.
     */
    config: Array<ConfigKey>,
  }
  /**
   * Why a run is happening.
   * # Variants
   * 
   * ## `"schedule"`
   * 
   * The dataset's cron schedule came due.
   * ## `"startup"`
   * 
   * The daemon started and the dataset was stale or empty.
   * ## `"manual"`
   * 
   * A person asked for it (command line or admin API).
   * ## `"retry"`
   * 
   * A retry after a transient failure.
   */
  export type Trigger = 'schedule' | 'startup' | 'manual' | 'retry';
  /**
   * What the host tells the plugin about the run it starts.
   */
  export interface RunContext {
    /**
     * Unique id of this run, for log correlation.
     */
    runId: string,
    /**
     * The dataset being collected.
     */
    dataset: string,
    /**
     * Why the run happens.
     */
    trigger: Trigger,
    /**
     * When true, ignore saved bookmarks and collect everything.
     */
    fullRefresh: boolean,
  }
  /**
   * What a successful `check` found.
   */
  export interface CheckReport {
    /**
     * One line per thing checked, for the operator.
     */
    messages: Array<string>,
  }
  /**
   * What a successful `collect` reports. Row counts are kept by the host.
   */
  export interface RunSummary {
    /**
     * Things a person should look at although the run succeeded
     * (a totals row that does not add up, a skipped page).
     */
    warnings: Array<string>,
  }
  /**
   * Why a plugin could not collect. The kind decides what the host does
   * next, so choose it with care.
   */
  export type CollectError = CollectErrorConfig | CollectErrorSourceUnavailable | CollectErrorSourceChanged | CollectErrorDenied | CollectErrorInternal;
  /**
   * The dataset's configuration is wrong or incomplete. Not retried:
   * an operator must fix `dataset.toml`.
   */
  export interface CollectErrorConfig {
    tag: 'config',
    val: string,
  }
  /**
   * The source did not answer, or answered with a server error.
   * Transient: the host retries later with backoff.
   */
  export interface CollectErrorSourceUnavailable {
    tag: 'source-unavailable',
    val: string,
  }
  /**
   * The source answered, but its format moved (a column renamed, a
   * page restructured). Not retried: a person must update the plugin.
   */
  export interface CollectErrorSourceChanged {
    tag: 'source-changed',
    val: string,
  }
  /**
   * The host refused something the plugin asked for (a host not
   * allowed, a limit reached). Not retried.
   */
  export interface CollectErrorDenied {
    tag: 'denied',
    val: string,
  }
  /**
   * A bug in the plugin. Not retried.
   */
  export interface CollectErrorInternal {
    tag: 'internal',
    val: string,
  }
  /**
   * Severity of a log line.
   * # Variants
   * 
   * ## `"trace"`
   * 
   * ## `"debug"`
   * 
   * ## `"info"`
   * 
   * ## `"warn"`
   * 
   * ## `"error"`
   */
  export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
}
