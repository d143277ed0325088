/** An error answered by the server: REST `{code, message}` or a KaosTalk Error op. */
export class KaosApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    readonly op?: number,
  ) {
    super(message);
    this.name = 'KaosApiError';
  }
}

/** No reply within the request timeout. */
export class KaosTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'KaosTimeoutError';
  }
}
