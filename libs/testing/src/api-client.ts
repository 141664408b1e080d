export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small HTTP client for tests: JSON in, JSON (or problem+json) out, never throws on 4xx/5xx. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  as(token: string): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  get<T = any>(path: string): Promise<ApiResponse<T>> {
    return this.send<T>('GET', path);
  }

  post<T = any>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.send<T>('POST', path, body === undefined ? undefined : JSON.stringify(body));
  }

  /** Sends bytes exactly as given (for malformed-input tests). */
  async send<T = any>(method: string, path: string, raw?: string | Uint8Array, contentType = 'application/json'): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(raw !== undefined ? { 'content-type': contentType } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: raw,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body };
  }
}
