/// <reference path="./vitrina-plugin-types.d.ts" />
declare module 'vitrina:plugin/sink@0.2.0' {
  /**
   * Declares the schema of a stream described with no fields: its
   * fields and primary key as the source gave them this run. Call it
   * before writing any row of the run; the rows are then validated
   * against it like any other stream's. A field list that differs from
   * the last published version's is published as a schema change.
   */
  export function declare(schema: StreamSchema): void;
  /**
   * Sends a batch of rows for the stream `stream-name`. The host validates every row
   * against the declared schema as it arrives and enforces the run's
   * row and byte limits. Send batches of a few hundred rows: one call per
   * row is slow, one call per run is large.
   */
  export function write(streamName: string, rows: Array<Row>): void;
  /**
   * Records the bookmark to save for the stream `stream-name` if this run publishes.
   * It is committed in the same transaction as the rows, so a crash can
   * repeat a run but never lose or double a row.
   */
  export function checkpoint(streamName: string, state: string): void;
  /**
   * Reports progress (items done, and the total when known) for the
   * operator's progress bar.
   */
  export function progress(done: bigint, total: bigint | undefined): void;
  export type Row = import('vitrina:plugin/types@0.2.0').Row;
  export type StreamSchema = import('vitrina:plugin/types@0.2.0').StreamSchema;
  /**
   * Why the host refused a batch. The run has failed once this is
   * returned: the plugin should stop and return its error.
   */
  export interface SinkError {
    /**
     * What went wrong, naming the stream, row number and field.
     */
    message: string,
  }
}
