import { Redis } from 'ioredis';
import mongoose from 'mongoose';

/**
 * Direct pings of the backing servers, from the test and not through a service: true when the server
 * answers within `timeoutMs`, false when it does not (refused, timed out). Each opens its own connection.
 */
export async function pingMongo(url = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false', timeoutMs = 2_000): Promise<boolean> {
  const connection = mongoose.createConnection(url, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    await connection.asPromise();
    const answer = await connection.db!.admin().ping();
    return answer?.ok === 1;
  } catch {
    return false;
  } finally {
    await connection.close(true).catch(() => undefined);
  }
}

export async function pingRedis(url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6380', timeoutMs = 2_000): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  client.on('error', () => undefined); // the outcome is the answer below
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** One answer of a service's `/health/ready`. */
export interface ReadinessSample {
  service: string;
  /** When the probe was sent (ms since the epoch). */
  at: number;
  /** When its answer (or its failure) came back: a probe sent before an outage may be answered during it. */
  answeredAt: number;
  /** The HTTP status; 0 when the process did not answer. */
  status: number;
  /** Each dependency's state as the service reported it. */
  checks: Record<string, string>;
}

/**
 * Polls `/health/ready` of the given instances until stopped, keeping every answer. An answer that
 * takes longer than `timeoutMs` (by default the 4 s of the deployment's health check) is "no answer".
 */
export class ReadinessWatch {
  readonly samples: ReadinessSample[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(
    targets: Record<string, string>,
    private readonly intervalMs = 250,
    private readonly timeoutMs = 4_000,
  ) {
    this.loops = Object.entries(targets).map(([service, url]) => this.poll(service, url));
  }

  private async poll(service: string, url: string): Promise<void> {
    while (this.running) {
      const at = Date.now();
      try {
        const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(this.timeoutMs) });
        const body = (await res.json().catch(() => ({}))) as { checks?: Record<string, string> };
        this.samples.push({ service, at, answeredAt: Date.now(), status: res.status, checks: body.checks ?? {} });
      } catch {
        this.samples.push({ service, at, answeredAt: Date.now(), status: 0, checks: {} });
      }
      await new Promise((r) => setTimeout(r, this.intervalMs));
    }
  }

  /** The answers of `service` to the probes sent between `from` and `to` (ms since the epoch). */
  between(service: string, from: number, to = Date.now()): ReadinessSample[] {
    return this.samples.filter((s) => s.service === service && s.at >= from && s.at <= to);
  }

  /** The last answer of `service` that came back before `at`: what it said just before then. */
  lastAnsweredBefore(service: string, at: number): ReadinessSample | undefined {
    return this.samples.filter((s) => s.service === service && s.answeredAt < at).at(-1);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}
