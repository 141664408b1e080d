import { createConnection as connectTcp, createServer, type Server, type Socket } from 'node:net';
import mongoose, { type Connection } from 'mongoose';
import { StoreWatchdog } from './store-watchdog';

/**
 * A TCP proxy in front of the real MongoDB-wire server. `wedge()` reproduces what was seen when the
 * store restarted under load: the driver's monitor connection (the first one a client opens) goes
 * silent while its operation connections are cut, so an operation fails, the server is marked
 * unknown, and the monitor's re-check never answers. New connections are relayed as usual (the server
 * is there). `freeze()` silences every open connection.
 */
class FreezingProxy {
  private readonly pairs: { client: Socket; upstream: Socket }[] = [];
  private readonly all: Socket[] = [];
  private constructor(private readonly server: Server) {}

  static async start(target: { host: string; port: number }): Promise<FreezingProxy> {
    const server = createServer();
    const proxy = new FreezingProxy(server);
    server.on('connection', (client) => {
      const upstream = connectTcp(target);
      client.pipe(upstream);
      upstream.pipe(client);
      const close = () => (client.destroy(), upstream.destroy());
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      proxy.pairs.push({ client, upstream });
      proxy.all.push(client, upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    const address = this.server.address() as { port: number };
    return `mongodb://127.0.0.1:${address.port}/?retryWrites=false&directConnection=true`;
  }

  wedge(): void {
    const [monitor, ...operations] = this.pairs.splice(0);
    for (const { client, upstream } of operations) client.destroy(), upstream.destroy();
    this.pairs.push(monitor);
    this.freeze();
  }

  freeze(): void {
    for (const { client, upstream } of this.pairs.splice(0)) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  async close(): Promise<void> {
    for (const socket of this.all) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe(StoreWatchdog.name, () => {
  const target = new URL((process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false').replace(/^mongodb:/, 'http:'));
  let proxy: FreezingProxy;
  let connection: Connection;
  const dbName = `int_watchdog_${Date.now().toString(36)}`;

  beforeAll(async () => {
    proxy = await FreezingProxy.start({ host: target.hostname, port: Number(target.port || 27017) });
    // Timeouts long enough that the driver would stay stuck for the length of the test on its own;
    // no read retry, so the cut operation fails at once instead of waiting for server selection.
    connection = await mongoose.createConnection(proxy.url, { dbName, connectTimeoutMS: 120_000, heartbeatFrequencyMS: 60_000, serverSelectionTimeoutMS: 120_000, retryReads: false }).asPromise();
  });

  afterAll(async () => {
    await proxy?.close(); // first: closing the client must not wait on frozen sockets
    await connection?.close(true);
    const cleanup = await mongoose.createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false', { dbName }).asPromise();
    await cleanup.dropDatabase();
    await cleanup.close();
  });

  it('leaves a healthy client alone, and reconnects a wedged one once a fresh client reaches the server', async () => {
    const watchdog = new StoreWatchdog(connection, proxy.url, { stuckAfterMs: 1_000, probeTimeoutMs: 1_000 });
    const things = connection.collection('things');
    await things.insertOne({ _id: 'a' as never, n: 1 });
    await expect(watchdog.tick()).resolves.toBe('ok');

    proxy.wedge();
    await expect(things.findOne({ _id: 'a' as never })).rejects.toThrow(); // cut: the server is marked unknown
    await expect(watchdog.tick()).resolves.toBe('failing'); // the monitor's check hangs; not yet stuck for long
    await new Promise((r) => setTimeout(r, 1_100));
    await expect(watchdog.tick()).resolves.toBe('reconnected');

    await things.updateOne({ _id: 'a' as never }, { $inc: { n: 1 } });
    expect((await things.findOne({ _id: 'a' as never }))?.n).toBe(2);
    await expect(watchdog.tick()).resolves.toBe('ok');
  });

  it('does not reconnect when the server itself is away', async () => {
    const away = new StoreWatchdog(connection, 'mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=500', { stuckAfterMs: 0, probeTimeoutMs: 500 });
    proxy.freeze();
    await expect(away.tick()).resolves.toBe('server-away');
  });
});
