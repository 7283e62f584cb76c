declare module 'vitrina:plugin/config@0.2.0' {
  /**
   * The value of a plain configuration key, if set.
   */
  export function get(key: string): string | undefined;
  /**
   * The value of a secret key (an API token, say), if set. The host
   * resolves it from the operator's environment; it never appears in
   * logs or in the effective configuration shown to anyone.
   */
  export function getSecret(key: string): string | undefined;
}
