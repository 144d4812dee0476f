/** Options of the response-headers stage. */
export interface ResponseHeadersOptions {
  /** This gateway's region, sent to clients as x-setgate-region. */
  readonly region: string;
}
