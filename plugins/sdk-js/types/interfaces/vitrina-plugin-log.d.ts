/// <reference path="./vitrina-plugin-types.d.ts" />
declare module 'vitrina:plugin/log@0.2.0' {
  /**
   * Records one line in the run log, with key-value context
   * (`url`, `row`, ...). Lines are kept with the run's history.
   */
  export function log(level: LogLevel, message: string, fields: Array<[string, string]>): void;
  export type LogLevel = import('vitrina:plugin/types@0.2.0').LogLevel;
}
