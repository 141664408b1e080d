export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small HTTP client for tests: JSON in, JSON (or problem+json) out, never throws on 4xx/5xx. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    protected readonly token?: string,
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

  /** GET a file: the bytes as they came (an XLSX or CSV export). */
  async download(path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
      signal: AbortSignal.timeout(15_000),
    });
    return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  /** POST a file as multipart/form-data (an upload form's `file` field, or another). */
  async upload<T = any>(path: string, filename: string, bytes: Buffer, field = 'file'): Promise<ApiResponse<T>> {
    const form = new FormData();
    form.append(field, new Blob([new Uint8Array(bytes)]), filename);
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
      body: form,
      signal: AbortSignal.timeout(60_000),
    });
    return answerOf<T>(response);
  }

  /** Sends bytes exactly as given (for malformed-input tests). */
  send<T = any>(method: string, path: string, raw?: string | Uint8Array, contentType = 'application/json', headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    return this.sendTo<T>(this.baseUrl, method, path, raw, contentType, headers);
  }

  /** POST with extra headers (e.g. `Idempotency-Key`). */
  postWith<T = any>(path: string, body: unknown, headers: Record<string, string>): Promise<ApiResponse<T>> {
    return this.send<T>('POST', path, JSON.stringify(body), 'application/json', headers);
  }

  protected async sendTo<T>(baseUrl: string, method: string, path: string, raw: string | Uint8Array | undefined, contentType: string, headers: Record<string, string>): Promise<ApiResponse<T>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(raw !== undefined ? { 'content-type': contentType } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: raw,
      signal: AbortSignal.timeout(15_000),
    });
    return answerOf<T>(response);
  }
}

/** The answer as tests read it: the body parsed as JSON when it is JSON, else its text. */
async function answerOf<T>(response: Response): Promise<ApiResponse<T>> {
  const text = await response.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

/**
 * What a load balancer in front of several instances does: requests go round-robin; one that cannot
 * reach its instance (killed, restarting) goes to the next, and a 503 (a backing service away) is
 * retried after a pause, for up to `timeoutMs`. A request cut off after it was sent is retried too,
 * so callers must make their writes safe to repeat (Idempotency-Key, or a 409 that means "done").
 */
export class BalancedApiClient extends ApiClient {
  private next = 0;

  constructor(
    readonly baseUrls: string[],
    token?: string,
    private readonly timeoutMs = 120_000,
    /** Where the 503s and failed connections it met are noted (share one between clients to see them all). */
    readonly retries = new RetryLog(),
  ) {
    super(baseUrls[0], token);
  }

  override as(token: string): BalancedApiClient {
    return new BalancedApiClient(this.baseUrls, token, this.timeoutMs, this.retries);
  }

  protected override async sendTo<T>(_baseUrl: string, method: string, path: string, raw: string | Uint8Array | undefined, contentType: string, headers: Record<string, string>): Promise<ApiResponse<T>> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const baseUrl = this.baseUrls[this.next++ % this.baseUrls.length];
      try {
        const response = await super.sendTo<T>(baseUrl, method, path, raw, contentType, headers);
        if (response.status !== 503) {
          this.retries.answered.push(Date.now());
          return response;
        }
        this.retries.unavailable.push({ at: Date.now(), method, path, baseUrl });
        if (Date.now() > deadline) return response;
      } catch (error) {
        this.retries.unreachable.push({ at: Date.now(), method, path, baseUrl });
        if (Date.now() > deadline) throw error;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** One answer a BalancedApiClient did not take as final. */
export interface RetriedCall {
  at: number;
  method: string;
  path: string;
  baseUrl: string;
}

/**
 * What BalancedApiClients met and retried: each 503 (a backing service away) and each request that
 * could not reach its instance or was cut off. For tests that must show an outage was seen by callers.
 */
export class RetryLog {
  readonly unavailable: RetriedCall[] = [];
  readonly unreachable: RetriedCall[] = [];
  /** When each final answer other than a 503 came (ms since the epoch). */
  readonly answered: number[] = [];

  /** The 503s answered between `from` and `to` (ms since the epoch). */
  unavailableBetween(from: number, to: number): RetriedCall[] {
    return this.unavailable.filter((c) => c.at >= from && c.at <= to);
  }
}
