/**
 * One side of a two-process race for the store conformance suite (`store.conformance-spec.ts`).
 * The suite spawns two of these, so the concurrent writes come from two OS processes with their own
 * connections, as two service instances (or a service and its relay after a restart) would:
 *
 *   node -r @swc-node/register test/conformance/concurrent-writer.ts <mode> <db> <collection> [args…]
 *
 * Protocol, one JSON object per line on stdout:
 * - prints `{"ready":true}` once connected, then waits for commands on stdin;
 * - `go` starts the mode's work; a mode that runs until told (`outbox`) stops on `stop`;
 * - mode `uniq` instead answers each `round <n>` with `{"round":n,…}` and ends on `stop`;
 * - the last line is `{"result":{…}}` (exit 0), or `{"fatal":"…"}` (exit 1).
 *
 * Server errors are counted and reported, never thrown: the suite decides what is acceptable.
 */
import { createInterface } from 'node:readline';
import { MongoClient, type Collection } from 'mongodb';

// The driver's update typings reject $inc/$push on an index-signature schema, hence the `as never`s below.
type Doc = { _id: string; [field: string]: any };

const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false';
const [mode, dbName, collectionName, ...args] = process.argv.slice(2);
const me = String(process.pid);

function emit(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Runs `count` calls of `fn`, at most `inflight` at a time. */
async function inPool(count: number, inflight: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inflight, count) }, lane));
}

/** Errors the suite will see: the first few messages, and how many by code. */
class Errors {
  readonly byCode: Record<string, number> = {};
  readonly samples: string[] = [];
  add(error: unknown): void {
    const code = String((error as { code?: unknown }).code ?? 'none');
    this.byCode[code] = (this.byCode[code] ?? 0) + 1;
    if (this.samples.length < 5) this.samples.push(`${code}: ${(error as Error).message}`);
  }
  count(code?: number): number {
    if (code !== undefined) return this.byCode[String(code)] ?? 0;
    return Object.values(this.byCode).reduce((a, b) => a + b, 0);
  }
}

const pad = (i: number) => String(i).padStart(4, '0');

/** Commands from the parent: `go`, `stop`, `round <n>`. */
const commands = createInterface({ input: process.stdin });
let stopRequested = false;
let resolveGo!: () => void;
const go = new Promise<void>((resolve) => (resolveGo = resolve));
const roundHandlers: Array<(round: number) => Promise<void>> = [];
let roundsDone: Promise<void> = Promise.resolve();
let resolveStop!: () => void;
const stopped = new Promise<void>((resolve) => (resolveStop = resolve));
commands.on('line', (raw) => {
  const [command, arg] = raw.trim().split(/\s+/);
  if (command === 'go') resolveGo();
  else if (command === 'stop') {
    stopRequested = true;
    resolveStop();
  } else if (command === 'round') {
    const handler = roundHandlers[0];
    roundsDone = roundsDone.then(() => handler?.(Number(arg)));
  }
});
// A parent that dies leaves no orphan behind.
commands.on('close', () => {
  stopRequested = true;
  resolveStop();
});

async function main(): Promise<object> {
  const client = new MongoClient(MONGO_URL, { serverSelectionTimeoutMS: 10_000, maxPoolSize: 32 });
  await client.connect();
  try {
    const c: Collection<Doc> = client.db(dbName).collection<Doc>(collectionName);
    // Open the pool's connections before the start line, so neither side starts late on connecting.
    await Promise.all(Array.from({ length: 24 }, () => c.estimatedDocumentCount()));
    emit({ ready: true });
    return await run(c);
  } finally {
    await client.close();
  }
}

async function run(c: Collection<Doc>): Promise<object> {
  const errors = new Errors();
  switch (mode) {
    // `$inc` of one counter: inc <id> <count> <inflight>
    case 'inc': {
      const [id, count, inflight] = [args[0], Number(args[1]), Number(args[2])];
      let modified = 0;
      await go;
      await inPool(count, inflight, async () => {
        try {
          // (not `modified += await …`: that reads `modified` before the await and loses counts)
          const result = await c.updateOne({ _id: id }, { $inc: { n: 1 } } as never);
          modified += result.modifiedCount;
        } catch (error) {
          errors.add(error);
        }
      });
      return { pid: me, modified, errors };
    }

    // Compare-and-set over docs cas-0000…: cas <count> <inflight>
    case 'cas': {
      const [count, inflight] = [Number(args[0]), Number(args[1])];
      const won: string[] = [];
      const wrongReturn: string[] = [];
      await go;
      await inPool(count, inflight, async (i) => {
        const id = `cas-${pad(i)}`;
        try {
          const after = await c.findOneAndUpdate(
            { _id: id, status: 'signed' },
            { $set: { status: 'registered', by: me }, $push: { history: me } } as never,
            { returnDocument: 'after' },
          );
          if (after) {
            won.push(id);
            if (after.status !== 'registered' || after.by !== me) wrongReturn.push(`${id}: ${JSON.stringify(after)}`);
          }
        } catch (error) {
          errors.add(error);
        }
      });
      return { pid: me, won, wrongReturn, errors };
    }

    // Distinct top-level fields f<i> of one doc: fields <id> <count> <inflight>
    case 'fields': {
      const [id, count, inflight] = [args[0], Number(args[1]), Number(args[2])];
      let matched = 0;
      await go;
      await inPool(count, inflight, async (i) => {
        try {
          const result = await c.updateOne({ _id: id }, { $set: { [`f${i}`]: i } });
          matched += result.matchedCount;
        } catch (error) {
          errors.add(error);
        }
      });
      return { pid: me, matched, errors };
    }

    // Outbox churn on one doc, as the services stage and the relay removes: outbox <id> <minRounds> <pull|pullAll>
    // Each round pushes two entries, then removes exactly those two; runs until `stop` and minRounds.
    case 'outbox': {
      const [id, minRounds, style] = [args[0], Number(args[1]), args[2]];
      let rounds = 0;
      let removalsThatModifiedNothing = 0;
      await go;
      while (!stopRequested || rounds < minRounds) {
        const entries = ['a', 'b'].map((s) => ({ id: `${me}-${rounds}-${s}`, data: { round: rounds, s } }));
        try {
          await c.updateOne({ _id: id }, { $push: { outbox: { $each: entries } } } as never);
          const removal =
            style === 'pullAll'
              ? { $pullAll: { outbox: entries } }
              : { $pull: { outbox: { id: { $in: entries.map((e) => e.id) } } } };
          const result = await c.updateOne({ _id: id }, removal as never);
          if (result.modifiedCount !== 1) removalsThatModifiedNothing++;
        } catch (error) {
          errors.add(error);
        }
        rounds++;
      }
      return { pid: me, rounds, removalsThatModifiedNothing, errors };
    }

    // Concurrent appends to one array: push <id> <count> <inflight>
    case 'push': {
      const [id, count, inflight] = [args[0], Number(args[1]), Number(args[2])];
      let modified = 0;
      await go;
      await inPool(count, inflight, async (i) => {
        try {
          const entry = { id: `${me}-${i}`, data: { i } };
          const result = await c.updateOne({ _id: id }, { $push: { outbox: entry } } as never);
          modified += result.modifiedCount;
        } catch (error) {
          errors.add(error);
        }
      });
      return { pid: me, modified, errors };
    }

    // Upserts of the same ids from both sides: upsert <count> <inflight>
    case 'upsert': {
      const [count, inflight] = [Number(args[0]), Number(args[1])];
      const upserted: string[] = [];
      let matched = 0;
      await go;
      await inPool(count, inflight, async (i) => {
        const id = `up-${pad(i)}`;
        try {
          const result = await c.updateOne({ _id: id }, { $setOnInsert: { by: me, at: new Date() } }, { upsert: true });
          if (result.upsertedCount === 1) upserted.push(id);
          matched += result.matchedCount;
        } catch (error) {
          errors.add(error); // 11000 is counted here; the services treat it as 'already there'
        }
      });
      return { pid: me, upserted, matched, duplicateKeyErrors: errors.count(11000), errors };
    }

    // One registration per round, driven by the parent: uniq <prefix>
    // `round r` registers <prefix>-r with number RACE-r, as the contract registration does.
    case 'uniq': {
      const prefix = args[0];
      roundHandlers.push(async (round) => {
        try {
          const after = await c.findOneAndUpdate(
            { _id: `${prefix}-${round}`, status: 'signed' },
            { $set: { status: 'registered', registration: { number: `RACE-${round}`, registeredAt: new Date() } } },
            { returnDocument: 'after' },
          );
          emit({ round, ok: after !== null, code: null });
        } catch (error) {
          emit({ round, ok: false, code: (error as { code?: unknown }).code ?? 'none', message: (error as Error).message });
        }
      });
      await stopped;
      await roundsDone;
      return { pid: me };
    }

    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

main().then(
  (result) => {
    emit({ result });
    process.exit(0);
  },
  (error: unknown) => {
    emit({ fatal: (error as Error).stack ?? String(error) });
    process.exit(1);
  },
);
