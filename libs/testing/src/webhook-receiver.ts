import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedDelivery {
  webhookId: string;
  timestamp: number;
  body: string;
  payload: { type: string; timestamp: string; data: Record<string, any> };
  headers: Record<string, string>;
}

/**
 * An analyst's webhook endpoint for tests. It verifies every request as the Standard Webhooks
 * specification tells a receiver to, with the reference library (`standardwebhooks`): signature
 * over `<id>.<timestamp>.<body>` with the subscription's secret, timestamp within the 5-minute
 * tolerance, and a `webhook-id` it has not accepted before (replay protection). A request failing
 * verification gets 400 and is kept in `rejected`.
 */
export class WebhookReceiver {
  readonly accepted: ReceivedDelivery[] = [];
  readonly rejected: { reason: string; headers: Record<string, string> }[] = [];
  /** A webhook id seen again (a deliberate replay from the platform is one). */
  readonly repeated: ReceivedDelivery[] = [];
  secrets: string[] = [];
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(public port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/deals`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => this.server!.once('error', reject).listen(this.port, '127.0.0.1', () => resolve()));
  }

  /** Down hard: the port refuses connections until start() again. */
  async stop(): Promise<void> {
    if (!this.server) return;
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    this.server = undefined;
  }

  /** What the receiver's verification says of a request (used for forged and replayed ones too). */
  verify(body: string, headers: Record<string, string>): { ok: true; payload: ReceivedDelivery['payload'] } | { ok: false; reason: string } {
    let payload: ReceivedDelivery['payload'] | undefined;
    let lastError = 'no secret';
    for (const secret of this.secrets) {
      try {
        payload = new Webhook(secret).verify(body, headers) as ReceivedDelivery['payload'];
        break;
      } catch (error) {
        lastError = (error as Error).message;
      }
    }
    if (!payload) return { ok: false, reason: lastError };
    return { ok: true, payload };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const verdict = this.verify(body, headers);
    if (!verdict.ok) {
      this.rejected.push({ reason: verdict.reason, headers });
      res.writeHead(400).end();
      return;
    }
    const delivery = { webhookId: headers['webhook-id'], timestamp: Number(headers['webhook-timestamp']), body, payload: verdict.payload, headers };
    if (this.accepted.some((d) => d.webhookId === delivery.webhookId)) this.repeated.push(delivery);
    else this.accepted.push(delivery);
    res.writeHead(204).end();
  }
}
