/// <reference path="./interfaces/vitrina-plugin-config.d.ts" />
/// <reference path="./interfaces/vitrina-plugin-fetch.d.ts" />
/// <reference path="./interfaces/vitrina-plugin-log.d.ts" />
/// <reference path="./interfaces/vitrina-plugin-normalize.d.ts" />
/// <reference path="./interfaces/vitrina-plugin-sink.d.ts" />
/// <reference path="./interfaces/vitrina-plugin-state.d.ts" />
/// <reference path="./interfaces/vitrina-plugin-types.d.ts" />
declare module 'vitrina:plugin/collector@0.2.0' {
  export type PluginInfo = import('vitrina:plugin/types@0.2.0').PluginInfo;
  export type CheckReport = import('vitrina:plugin/types@0.2.0').CheckReport;
  export type RunContext = import('vitrina:plugin/types@0.2.0').RunContext;
  export type RunSummary = import('vitrina:plugin/types@0.2.0').RunSummary;
  export type CollectError = import('vitrina:plugin/types@0.2.0').CollectError;
  export type * as VitrinaPluginConfig020 from 'vitrina:plugin/config@0.2.0'; // import vitrina:plugin/config@0.2.0
  export type * as VitrinaPluginFetch020 from 'vitrina:plugin/fetch@0.2.0'; // import vitrina:plugin/fetch@0.2.0
  export type * as VitrinaPluginLog020 from 'vitrina:plugin/log@0.2.0'; // import vitrina:plugin/log@0.2.0
  export type * as VitrinaPluginNormalize020 from 'vitrina:plugin/normalize@0.2.0'; // import vitrina:plugin/normalize@0.2.0
  export type * as VitrinaPluginSink020 from 'vitrina:plugin/sink@0.2.0'; // import vitrina:plugin/sink@0.2.0
  export type * as VitrinaPluginState020 from 'vitrina:plugin/state@0.2.0'; // import vitrina:plugin/state@0.2.0
  export type * as VitrinaPluginTypes020 from 'vitrina:plugin/types@0.2.0'; // import vitrina:plugin/types@0.2.0
  /**
  * Describes the plugin: id, version, streams with typed fields and
  * primary keys, claimed profile, configuration keys. Must not fetch.
  */
  export function describe(): PluginInfo;
  /**
  * Validates the configuration and reaches the source without
  * collecting anything.
  */
  export function check(): CheckReport;
  /**
  * Collects the dataset: fetches, parses, normalizes, and writes rows
  * through `sink`. Returning an error fails the run; nothing is published.
  */
  export function collect(ctx: RunContext): RunSummary;
  export type Result<T, E> = { tag: 'ok', val: T } | { tag: 'err', val: E };
}
