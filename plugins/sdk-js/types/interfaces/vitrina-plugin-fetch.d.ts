declare module 'vitrina:plugin/fetch@0.2.0' {
  /**
   * Performs a request under the dataset's fetch policy. Redirects are
   * followed by the host (each hop checked); a 4xx/5xx status is a
   * response, not an error.
   */
  export function fetch(req: Request): Response;
  /**
   * Why a fetch failed.
   * # Variants
   * 
   * ## `"denied"`
   * 
   * The policy refused the URL, a redirect target, or a resolved address.
   * ## `"invalid-url"`
   * 
   * The URL could not be parsed or uses an unsupported scheme.
   * ## `"timeout"`
   * 
   * Connecting, the first byte or the whole transfer took too long.
   * ## `"too-large"`
   * 
   * The body is larger than the dataset's cap.
   * ## `"unreachable"`
   * 
   * The host could not be resolved or connected to.
   * ## `"protocol"`
   * 
   * The server spoke broken HTTP, or too many redirects.
   * ## `"not-found"`
   * 
   * A `file:` path that does not exist.
   */
  export type FetchErrorKind = 'denied' | 'invalid-url' | 'timeout' | 'too-large' | 'unreachable' | 'protocol' | 'not-found';
  /**
   * A failed fetch.
   */
  export interface FetchError {
    kind: FetchErrorKind,
    /**
     * Human-readable detail, naming the URL.
     */
    message: string,
  }
  /**
   * An HTTP request. Method `GET` unless set.
   */
  export interface Request {
    /**
     * `GET`, `POST`, `HEAD`, ...
     */
    method: string,
    /**
     * Absolute `http:`, `https:` or `file:` URL.
     */
    url: string,
    /**
     * Extra request headers. The host sets `User-Agent` itself.
     */
    headers: Array<[string, string]>,
    /**
     * The request body, for POST APIs.
     */
    body?: Uint8Array,
  }
  /**
   * A response: status and headers are here; the body is read from `body`.
   */
  export interface Response {
    /**
     * The HTTP status (200 for a `file:` read).
     */
    status: number,
    /**
     * The URL finally answered, after redirects.
     */
    url: string,
    /**
     * Response headers, names in lowercase.
     */
    headers: Array<[string, string]>,
    /**
     * The body, to read in chunks.
     */
    body: Body,
  }
  
  export class Body implements Disposable {
    /**
     * This type does not have a public constructor.
     */
    private constructor();
    /**
    * Reads up to `max-bytes` more bytes. An empty list means the end
    * of the body.
    */
    read(maxBytes: number): Uint8Array;
    [Symbol.dispose](): void;
  }
}
