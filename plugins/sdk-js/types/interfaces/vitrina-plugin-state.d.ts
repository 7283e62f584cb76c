declare module 'vitrina:plugin/state@0.2.0' {
  /**
   * The bookmark last committed for the stream `stream-name` by a run that published,
   * or none on a first run or a full refresh. Bookmarks are plugin-defined
   * text (usually JSON).
   */
  export function get(streamName: string): string | undefined;
}
