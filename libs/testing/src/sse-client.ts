import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * A Server-Sent Events client for tests, as a browser's EventSource behaves: it remembers the last
 * `id:` (an id-only message moves it too) and sends it as Last-Event-ID when it connects again.
 * Built on fetch so it can send the bearer token.
 */
export class SseClient {
  readonly messages: EventSourceMessage[] = [];
  lastEventId?: string;
  private abort?: AbortController;
  private done?: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  /** Opens the stream (again, resuming from lastEventId) and resolves once the server has answered. */
  async connect(): Promise<void> {
    this.abort = new AbortController();
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' };
    if (this.lastEventId !== undefined) headers['last-event-id'] = this.lastEventId;
    const response = await fetch(this.url, { headers, signal: this.abort.signal });
    if (response.status !== 200 || !response.body) throw new Error(`SSE connect: ${response.status} ${await response.text()}`);
    const parser = createParser({
      onEvent: (message) => {
        this.messages.push(message);
      },
      onRetry: () => undefined,
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    // The id of each field block is tracked here: eventsource-parser reports an event's id, and
    // an id-only block (no data) is not reported, but a browser keeps its id as Last-Event-ID.
    const ids = /(?:^|\n)id: ?([^\n]*)\n/g;
    this.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          for (const match of value.matchAll(ids)) this.lastEventId = match[1];
          parser.feed(value);
        }
      } catch {
        // aborted: disconnect() was called
      }
    })();
  }

  async disconnect(): Promise<void> {
    this.abort?.abort();
    await this.done;
  }
}
