import { Logger } from '@nestjs/common';
import { MongoClient } from 'mongodb';
import type { Connection } from 'mongoose';

export interface StoreWatchdogOptions {
  /** How often the service's own client is pinged. */
  intervalMs?: number;
  /** How long its pings must have failed while a fresh client reaches the server before it reconnects. */
  stuckAfterMs?: number;
  /** Timeout of each ping, and of the fresh client's connection. */
  probeTimeoutMs?: number;
}

/**
 * Reconnects the service's MongoDB client when it is wedged rather than the server being away.
 *
 * Why: the Node driver (6.x) can be left with a server monitor whose check never completes when the
 * server closes its connections at the moment an operation fails on one of them (seen here: after
 * the store restarted, one service of four answered "server selection timed out" for minutes, its
 * monitor's last heartbeat "started" and never ended, while the other services and a fresh client
 * reached the server at once). Nothing inside the driver recovers from that, so every `intervalMs`
 * this pings through the service's client; while those pings fail it asks a fresh client too, and
 * once the fresh client has reached the server for `stuckAfterMs` while the service's client could
 * not (the server is there; the service's client is what is wrong) it closes the service's client
 * and connects it again. Operations in flight fail with a transient error (MongoClientClosedError)
 * and are retried by their callers; mongoose follows the client back to "connected".
 */
export class StoreWatchdog {
  private readonly logger = new Logger(StoreWatchdog.name);
  private timer?: NodeJS.Timeout;
  private running = false;
  private failingSince?: number;

  constructor(
    private readonly connection: Connection,
    private readonly url: string,
    private readonly options: StoreWatchdogOptions = {},
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 5_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One check; exposed for tests. Resolves to what it did. */
  async tick(): Promise<'ok' | 'failing' | 'server-away' | 'reconnected' | 'busy'> {
    if (this.running) return 'busy';
    this.running = true;
    try {
      const timeoutMs = this.options.probeTimeoutMs ?? 3_000;
      if (await pings(this.connection.getClient(), timeoutMs)) {
        this.failingSince = undefined;
        return 'ok';
      }
      // Only time during which the server answers others counts: an outage is not a wedge, and the
      // driver usually finds the server again by itself once it is back.
      if (!(await freshClientReaches(this.url, timeoutMs))) {
        this.failingSince = undefined;
        return 'server-away';
      }
      this.failingSince ??= Date.now();
      if (Date.now() - this.failingSince < (this.options.stuckAfterMs ?? 20_000)) return 'failing';
      this.logger.error('the MongoDB server answers a new client but not this service\'s client: reconnecting it');
      const client = this.connection.getClient();
      await client.close(true).catch(() => undefined);
      await client.connect();
      this.failingSince = undefined;
      return 'reconnected';
    } catch (error) {
      this.logger.warn(`store watchdog check failed: ${(error as Error).message}`);
      return 'failing';
    } finally {
      this.running = false;
    }
  }
}

async function pings(client: MongoClient, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([
      client
        .db('admin')
        .command({ ping: 1 })
        .then(() => true, () => false),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function freshClientReaches(url: string, timeoutMs: number): Promise<boolean> {
  const probe = new MongoClient(url, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs, maxPoolSize: 1 });
  try {
    await probe.connect();
    await probe.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await probe.close(true).catch(() => undefined);
  }
}
