import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { MongoClient, type Collection, type Db } from 'mongodb';

/**
 * The MongoDB behaviour the four services rely on, checked against whatever MongoDB-wire server
 * MONGO_URL names (see README.md beside this file). Each case asserts exact outcomes; concurrency
 * comes from two separate OS processes (`concurrent-writer.ts`).
 */
const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false';
const ROOT = resolve(__dirname, '../..');
const DB_NAME = `conf_${randomBytes(5).toString('hex')}`;
const RACE_TIMEOUT = 180_000;
const CASE_TIMEOUT = 60_000;

// The driver's update typings reject $push on an index-signature schema, hence the `as never`s below.
type Doc = { _id: string; [field: string]: any };

let client: MongoClient;
let db: Db;
const collection = (name: string): Collection<Doc> => db.collection<Doc>(name);

beforeAll(async () => {
  client = new MongoClient(MONGO_URL, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  db = client.db(DB_NAME);
});

afterAll(async () => {
  for (const writer of Writer.live) writer.kill();
  await db?.dropDatabase().catch(() => undefined);
  await client?.close();
});

/** 'ok' when the write succeeded, 11000 for a duplicate key, otherwise the error's code and message. */
async function outcome(write: Promise<unknown>): Promise<number | string> {
  try {
    await write;
    return 'ok';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return code === 11000 ? 11000 : `error ${String(code)}: ${(error as Error).message}`;
  }
}

const pad = (i: number) => String(i).padStart(4, '0');

// ---------------------------------------------------------------------------------------------
// Two-process races: each side is `concurrent-writer.ts` in its own node process.

type Line = Record<string, any>;

class Writer {
  static readonly live = new Set<Writer>();
  private readonly queue: Line[] = [];
  private readonly waiters: Array<{ resolve: (line: Line) => void; reject: (error: Error) => void }> = [];
  private stderr = '';
  private ended?: string;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    Writer.live.add(this);
    createInterface({ input: child.stdout }).on('line', (raw) => {
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        this.stderr += `(stdout) ${raw}\n`;
        return;
      }
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(line);
      else this.queue.push(line);
    });
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    child.on('exit', (code, signal) => {
      Writer.live.delete(this);
      this.ended = `writer ${child.pid} exited (${code ?? signal}); stderr: ${this.stderr.slice(-2000)}`;
      for (const waiter of this.waiters.splice(0)) waiter.reject(new Error(this.ended));
    });
  }

  static spawn(mode: string, collectionName: string, args: Array<string | number>): Writer {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'test/conformance/concurrent-writer.ts', mode, DB_NAME, collectionName, ...args.map(String)],
      { cwd: ROOT, env: { ...process.env, MONGO_URL }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    return new Writer(child);
  }

  send(command: string): void {
    this.child.stdin.write(`${command}\n`);
  }

  /** The next JSON line; a `fatal` line fails the test with the writer's error. */
  async next(): Promise<Line> {
    const line =
      this.queue.shift() ??
      (await new Promise<Line>((resolve, reject) => {
        if (this.ended) reject(new Error(this.ended));
        else this.waiters.push({ resolve, reject });
      }));
    if ('fatal' in line) throw new Error(`writer ${this.child.pid} failed: ${line.fatal}`);
    return line;
  }

  async result(): Promise<Line> {
    for (;;) {
      const line = await this.next();
      if ('result' in line) return line.result as Line;
    }
  }

  kill(): void {
    if (!this.ended) this.child.kill('SIGKILL');
  }
}

/** Starts both writers, waits until both are connected, then releases them at the same moment. */
async function startRace(a: Writer, b: Writer): Promise<void> {
  expect(await a.next()).toEqual({ ready: true });
  expect(await b.next()).toEqual({ ready: true });
  a.send('go');
  b.send('go');
}

async function race(mode: string, collectionName: string, args: Array<string | number>): Promise<[Line, Line]> {
  const a = Writer.spawn(mode, collectionName, args);
  const b = Writer.spawn(mode, collectionName, args);
  await startRace(a, b);
  return Promise.all([a.result(), b.result()]);
}

const noErrors = { byCode: {}, samples: [] };

// ---------------------------------------------------------------------------------------------

describe(`store conformance (${MONGO_URL})`, () => {
  describe('1. concurrent $inc', () => {
    it('1: two processes × 500 $inc (16 in flight each) → n === 1000', async () => {
      const c = collection('c1_inc');
      await c.insertOne({ _id: 'counter', n: 0 });
      const [a, b] = await race('inc', 'c1_inc', ['counter', 500, 16]);
      expect({ a: a.errors, b: b.errors }).toEqual({ a: noErrors, b: noErrors });
      expect(await c.findOne({ _id: 'counter' })).toEqual({ _id: 'counter', n: 1000 });
      expect({ a: a.modified, b: b.modified }).toEqual({ a: 500, b: 500 }); // every $inc reported as a modification
    }, RACE_TIMEOUT);
  });

  describe('2. compare-and-set with findOneAndUpdate', () => {
    it('2: 200 docs raced by two processes → exactly one winner per doc, history of one, `by` = winner', async () => {
      const c = collection('c2_cas');
      const ids = Array.from({ length: 200 }, (_, i) => `cas-${pad(i)}`);
      await c.insertMany(ids.map((_id) => ({ _id, status: 'signed', history: [] })));
      const [a, b] = await race('cas', 'c2_cas', [200, 16]);
      expect({ a: a.errors, b: b.errors }).toEqual({ a: noErrors, b: noErrors });
      expect({ a: a.wrongReturn, b: b.wrongReturn }).toEqual({ a: [], b: [] });
      const winner = new Map<string, string[]>(ids.map((id) => [id, []]));
      for (const side of [a, b]) for (const id of side.won as string[]) winner.get(id)!.push(side.pid);
      const notExactlyOneWinner = [...winner].filter(([, w]) => w.length !== 1).map(([id, w]) => `${id}: ${w.length} winners`);
      expect(notExactlyOneWinner).toEqual([]);
      const docs = await c.find({}).sort({ _id: 1 }).toArray();
      const wrong = docs
        .filter((d) => {
          const w = winner.get(d._id)![0];
          return d.status !== 'registered' || d.by !== w || JSON.stringify(d.history) !== JSON.stringify([w]);
        })
        .map((d) => JSON.stringify(d));
      expect({ docs: docs.length, wrong: wrong.slice(0, 5), wrongCount: wrong.length }).toEqual({ docs: 200, wrong: [], wrongCount: 0 });
      console.log(`2: wins per process ${a.won.length} / ${b.won.length}`);
    }, RACE_TIMEOUT);
  });

  describe('3. concurrent updates of different parts of one document', () => {
    async function fieldsAgainstOutbox(name: string, style: 'pull' | 'pullAll') {
      const c = collection(name);
      await c.insertOne({ _id: 'agg', status: 'open', outbox: [] });
      const fields = Writer.spawn('fields', name, ['agg', 300, 8]);
      const churn = Writer.spawn('outbox', name, ['agg', 50, style]);
      await startRace(fields, churn);
      const f = await fields.result();
      churn.send('stop');
      const o = await churn.result();
      expect({ fields: f.errors, outbox: o.errors }).toEqual({ fields: noErrors, outbox: noErrors });
      expect(f.matched).toBe(300);
      const doc = (await c.findOne({ _id: 'agg' }))!;
      const missing = Array.from({ length: 300 }, (_, i) => i).filter((i) => doc[`f${i}`] !== i);
      expect({
        missingFields: missing.length,
        firstMissing: missing.slice(0, 10),
        outboxLeft: doc.outbox.length,
        removalsThatModifiedNothing: o.removalsThatModifiedNothing,
      }).toEqual({ missingFields: 0, firstMissing: [], outboxLeft: 0, removalsThatModifiedNothing: 0 });
      expect(doc.status).toBe('open');
      console.log(`3 (${style}): ${o.rounds} outbox rounds overlapped 300 $set`);
    }

    it('3a: 300 $set of f<i> vs $push + $pull {outbox: {id: {$in}}} from another process → all fields kept, outbox empty', async () => {
      await fieldsAgainstOutbox('c3a_fields_pull', 'pull');
    }, RACE_TIMEOUT);

    it('3b: same with $pullAll of the exact entries (what the outbox relay used before it removed by id)', async () => {
      await fieldsAgainstOutbox('c3b_fields_pullall', 'pullAll');
    }, RACE_TIMEOUT);

    it('3c: two processes × 200 $push to one array → 400 entries, each once', async () => {
      const c = collection('c3c_push');
      await c.insertOne({ _id: 'agg', outbox: [] });
      const [a, b] = await race('push', 'c3c_push', ['agg', 200, 16]);
      expect({ a: a.errors, b: b.errors }).toEqual({ a: noErrors, b: noErrors });
      const doc = (await c.findOne({ _id: 'agg' }))!;
      const ids = (doc.outbox as Array<{ id: string }>).map((e) => e.id);
      const expected = [a.pid, b.pid].flatMap((pid: string) => Array.from({ length: 200 }, (_, i) => `${pid}-${i}`));
      expect({ length: ids.length, distinct: new Set(ids).size }).toEqual({ length: 400, distinct: 400 });
      expect({ a: a.modified, b: b.modified }).toEqual({ a: 200, b: 200 });
      expect([...ids].sort()).toEqual(expected.sort());
    }, RACE_TIMEOUT);
  });

  describe('4. findOneAndUpdate', () => {
    const t0 = new Date('2024-03-01T08:00:00.000Z');
    const t1 = new Date('2024-03-02T09:30:00.123Z');
    const e0 = { id: 'e0', type: 'deal.opened', time: '2024-03-01T08:00:00.000Z', data: { n: 0 } };
    const e1 = { id: 'e1', type: 'contract.registered', time: '2024-03-02T09:30:00.123Z', data: { n: 1 } };
    const e2 = { id: 'e2', type: 'transaction.logged', time: '2024-03-02T09:30:00.123Z', data: { n: 2, nested: { ok: true } } };
    const initial = () => ({ _id: 'd1', parkId: 'p1', status: 'signed', history: [{ status: 'signed', at: t0, by: 'u1' }], outbox: [e0], createdAt: t0 });

    it('4a: returnDocument "after" returns the updated document ($set + $push with $each)', async () => {
      const c = collection('c4a');
      await c.insertOne(initial());
      const after = await c.findOneAndUpdate(
        { _id: 'd1', parkId: 'p1', status: 'signed' },
        {
          $set: { status: 'registered', registration: { number: 'R-1', registeredAt: t1 } },
          $push: { history: { status: 'registered', at: t1, by: 'u2' }, outbox: { $each: [e1, e2] } },
        } as never,
        { returnDocument: 'after' },
      );
      const expected = {
        ...initial(),
        status: 'registered',
        registration: { number: 'R-1', registeredAt: t1 },
        history: [{ status: 'signed', at: t0, by: 'u1' }, { status: 'registered', at: t1, by: 'u2' }],
        outbox: [e0, e1, e2],
      };
      expect(after).toEqual(expected);
      expect(await c.findOne({ _id: 'd1' })).toEqual(expected);
    });

    it('4b: returnDocument "before" returns the document as it was', async () => {
      const c = collection('c4b');
      await c.insertOne(initial());
      const before = await c.findOneAndUpdate({ _id: 'd1' }, { $set: { status: 'cancelled' } }, { returnDocument: 'before' });
      expect(before).toEqual(initial());
      expect((await c.findOne({ _id: 'd1' }))?.status).toBe('cancelled');
    });

    it('4c: honours a projection {outbox: 0} on the returned document, and still writes the outbox', async () => {
      const c = collection('c4c');
      await c.insertOne(initial());
      const after = await c.findOneAndUpdate(
        { _id: 'd1', status: 'signed' },
        { $set: { status: 'registered' }, $push: { outbox: { $each: [e1] } } } as never,
        { returnDocument: 'after', projection: { outbox: 0 } },
      );
      const { outbox: _outbox, ...withoutOutbox } = initial();
      expect(after).toEqual({ ...withoutOutbox, status: 'registered' });
      expect((await c.findOne({ _id: 'd1' }))?.outbox).toEqual([e0, e1]);
    });

    it('4d: returns null when the filter matches nothing, and changes nothing', async () => {
      const c = collection('c4d');
      await c.insertOne(initial());
      const result = await c.findOneAndUpdate(
        { _id: 'd1', status: 'intent' },
        { $set: { status: 'signed' }, $push: { outbox: e1 } } as never,
        { returnDocument: 'after' },
      );
      expect(result).toBeNull();
      expect(await c.findOne({ _id: 'd1' })).toEqual(initial());
      expect(await c.findOneAndUpdate({ _id: 'nope' }, { $set: { status: 'x' } }, { returnDocument: 'after' })).toBeNull();
      expect(await c.countDocuments({})).toBe(1);
    });

    it('4e: upsert: true inserts (with $setOnInsert) and returns the new document; a second call inserts nothing', async () => {
      const c = collection('c4e');
      const first = await c.findOneAndUpdate(
        { _id: 'u1' },
        { $setOnInsert: { status: 'intent', createdAt: t0 }, $set: { touched: 1 } },
        { upsert: true, returnDocument: 'after' },
      );
      expect(first).toEqual({ _id: 'u1', status: 'intent', createdAt: t0, touched: 1 });
      const second = await c.findOneAndUpdate(
        { _id: 'u1' },
        { $setOnInsert: { status: 'OVERWRITTEN', createdAt: t1 }, $set: { touched: 2 } },
        { upsert: true, returnDocument: 'after' },
      );
      expect(second).toEqual({ _id: 'u1', status: 'intent', createdAt: t0, touched: 2 });
      expect(await c.countDocuments({})).toBe(1);
    });
  });

  describe('5. unique indexes', () => {
    it('5a: a second insert with the same unique key fails with 11000 (single and compound keys, and _id)', async () => {
      const c = collection('c5a');
      await c.createIndex({ proposalId: 1 }, { unique: true });
      await c.createIndex({ parkId: 1, creditCode: 1 }, { unique: true });
      const steps = {
        'insert a P1 p1/C1': await outcome(c.insertOne({ _id: 'a', proposalId: 'P1', parkId: 'p1', creditCode: 'C1' })),
        'insert b P1 (same proposalId)': await outcome(c.insertOne({ _id: 'b', proposalId: 'P1', parkId: 'p1', creditCode: 'C2' })),
        'insert c P2 p2/C1 (other park)': await outcome(c.insertOne({ _id: 'c', proposalId: 'P2', parkId: 'p2', creditCode: 'C1' })),
        'insert d P3 p1/C1 (same park and code)': await outcome(c.insertOne({ _id: 'd', proposalId: 'P3', parkId: 'p1', creditCode: 'C1' })),
        'insert a again (same _id)': await outcome(c.insertOne({ _id: 'a', proposalId: 'P4', parkId: 'p9', creditCode: 'C9' })),
      };
      expect(steps).toEqual({
        'insert a P1 p1/C1': 'ok',
        'insert b P1 (same proposalId)': 11000,
        'insert c P2 p2/C1 (other park)': 'ok',
        'insert d P3 p1/C1 (same park and code)': 11000,
        'insert a again (same _id)': 11000,
      });
      expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([
        { _id: 'a', proposalId: 'P1', parkId: 'p1', creditCode: 'C1' },
        { _id: 'c', proposalId: 'P2', parkId: 'p2', creditCode: 'C1' },
      ]);
    });

    it('5b: unique sparse index on registration.number: absent values allowed, duplicates (insert, updateOne, findOneAndUpdate) fail with 11000 and change nothing', async () => {
      const c = collection('c5b');
      await c.createIndex({ 'registration.number': 1 }, { unique: true, sparse: true });
      const without = [
        { _id: 'n1', status: 'signed' },
        { _id: 'n2', status: 'signed' },
        { _id: 'n3', status: 'signed' },
        { _id: 'n4', status: 'signed', registration: { registeredOn: '2024-01-01' } },
        { _id: 'n5', status: 'signed', registration: { registeredOn: '2024-01-02' } },
      ];
      const steps: Record<string, number | string> = {};
      for (const doc of without) steps[`insert ${doc._id} (no number)`] = await outcome(c.insertOne(doc));
      steps['insert r1 R-1'] = await outcome(c.insertOne({ _id: 'r1', status: 'registered', registration: { number: 'R-1' } }));
      steps['insert r2 R-1'] = await outcome(c.insertOne({ _id: 'r2', status: 'registered', registration: { number: 'R-1' } }));
      // $set of the nested path
      steps['updateOne n1 $set registration.number R-1'] = await outcome(c.updateOne({ _id: 'n1' }, { $set: { 'registration.number': 'R-1' } }));
      // $set of the whole sub-document together with the status, as contract registration does
      steps['findOneAndUpdate n2 $set registration {number R-1} + status'] = await outcome(
        c.findOneAndUpdate(
          { _id: 'n2', status: 'signed' },
          { $set: { status: 'registered', registration: { number: 'R-1', registeredOn: '2024-02-01' } }, $push: { history: 'x' } } as never,
          { returnDocument: 'after' },
        ),
      );
      steps['updateOne n4 (has registration) $set registration.number R-1'] = await outcome(c.updateOne({ _id: 'n4' }, { $set: { 'registration.number': 'R-1' } }));
      const docsAfter = await c.find({ _id: { $in: without.map((d) => d._id) } }).sort({ _id: 1 }).toArray();
      expect({ steps, docsAfter }).toEqual({
        steps: {
          ...Object.fromEntries(without.map((d) => [`insert ${d._id} (no number)`, 'ok'])),
          'insert r1 R-1': 'ok',
          'insert r2 R-1': 11000,
          'updateOne n1 $set registration.number R-1': 11000,
          'findOneAndUpdate n2 $set registration {number R-1} + status': 11000,
          'updateOne n4 (has registration) $set registration.number R-1': 11000,
        },
        docsAfter: without, // the failed updates changed nothing, not even the status
      });
      // a fresh number is accepted
      expect(await outcome(c.updateOne({ _id: 'n3' }, { $set: { 'registration.number': 'R-2' } }))).toBe('ok');
      expect(await c.countDocuments({ 'registration.number': 'R-1' })).toBe(1);
      expect(await c.countDocuments({ 'registration.number': 'R-2' })).toBe(1);
      expect(await c.countDocuments({})).toBe(6);
    });

    it('5c: two processes register the same number on two docs at the same moment, 20 rounds → exactly one succeeds per round', async () => {
      const c = collection('c5c');
      await c.createIndex({ 'registration.number': 1 }, { unique: true, sparse: true });
      const rounds = 20;
      await c.insertMany(['a', 'b'].flatMap((p) => Array.from({ length: rounds }, (_, r) => ({ _id: `${p}-${r}`, status: 'signed' }))));
      const a = Writer.spawn('uniq', 'c5c', ['a']);
      const b = Writer.spawn('uniq', 'c5c', ['b']);
      expect(await a.next()).toEqual({ ready: true });
      expect(await b.next()).toEqual({ ready: true });
      const bad: string[] = [];
      let aWins = 0;
      for (let r = 0; r < rounds; r++) {
        a.send(`round ${r}`);
        b.send(`round ${r}`);
        const [ra, rb] = await Promise.all([a.next(), b.next()]);
        const outcomes = [ra, rb].map((x) => (x.ok ? 'ok' : x.code)).sort();
        if (JSON.stringify(outcomes) !== JSON.stringify([11000, 'ok'])) {
          bad.push(`round ${r}: ${JSON.stringify([ra, rb].map((x) => (x.ok ? 'ok' : `${x.code}: ${x.message}`)))}`);
        }
        if (ra.ok) aWins++;
        const holders = await c.find({ 'registration.number': `RACE-${r}` }).toArray();
        const stillSigned = await c.countDocuments({ _id: { $in: [`a-${r}`, `b-${r}`] }, status: 'signed' });
        if (holders.length !== 1 || stillSigned !== 1) bad.push(`round ${r}: ${holders.length} holders, ${stillSigned} still signed`);
      }
      a.send('stop');
      b.send('stop');
      await Promise.all([a.result(), b.result()]);
      expect(bad).toEqual([]);
      console.log(`5c: process a won ${aWins} of ${rounds} rounds`);
    }, RACE_TIMEOUT);
  });

  describe('6. $group', () => {
    const keys = ['k0', 'k1', 'k2', 'k3'];
    const docs = Array.from({ length: 240 }, (_, i) => ({
      _id: `t-${pad(i)}`,
      key: keys[i % 4],
      month: i % 5 === 0 ? '2023-12' : `2024-${String((i % 12) + 1).padStart(2, '0')}`,
      // int32 and larger integers mixed; each group's total is far above 2^32
      amount: i % 3 === 0 ? i * 1000 + 7 : 3_000_000_000 + i * 12_345_679,
      // a second amount summed beside the first, as the totals sum contract and technology amounts
      tech: i % 4 === 1 ? 0 : 1_500_000_000 + i * 7_654_321,
    }));
    const matched = docs.filter((d) => d.month >= '2024-01' && d.month <= '2024-12');
    const expected = keys.map((key) => {
      const amounts = matched.filter((d) => d.key === key).map((d) => d.amount);
      return {
        _id: key,
        count: amounts.length,
        amount: amounts.reduce((a, b) => a + b, 0),
        max: Math.max(...amounts),
        min: Math.min(...amounts),
      };
    });
    const match = { $match: { month: { $gte: '2024-01', $lte: '2024-12' } } };

    beforeAll(async () => {
      await collection('c6').insertMany(docs);
      expect(Math.min(...expected.map((e) => e.amount))).toBeGreaterThan(2 ** 32);
    });

    it('6a: $match then $group with count, $sum, $max, $min at once equals the sums computed in JS (exact integers > 2^32)', async () => {
      const result = await collection('c6')
        .aggregate([match, { $group: { _id: '$key', count: { $sum: 1 }, amount: { $sum: '$amount' }, max: { $max: '$amount' }, min: { $min: '$amount' } } }, { $sort: { _id: 1 } }])
        .toArray();
      expect(result).toEqual(expected);
    });

    it('6b: each accumulator on its own (diagnostic for 6a)', async () => {
      const accumulators = { count: { $sum: 1 }, amount: { $sum: '$amount' }, max: { $max: '$amount' }, min: { $min: '$amount' } };
      const wrong: string[] = [];
      for (const [name, accumulator] of Object.entries(accumulators)) {
        const want = expected.map((e) => ({ _id: e._id, [name]: e[name as keyof typeof e] }));
        try {
          const result = await collection('c6')
            .aggregate([match, { $group: { _id: '$key', [name]: accumulator } }, { $sort: { _id: 1 } }])
            .toArray();
          if (JSON.stringify(result) !== JSON.stringify(want)) wrong.push(`${name}: got ${JSON.stringify(result)}, want ${JSON.stringify(want)}`);
        } catch (error) {
          wrong.push(`${name}: ${(error as Error).message}`);
        }
      }
      expect(wrong).toEqual([]);
    });

    it('6c: the totals query: $group by null and by month with a count and $sums of two fields; an empty $match yields no group', async () => {
      const totals = (rows: typeof docs) => ({ count: rows.length, amount: rows.reduce((a, d) => a + d.amount, 0), tech: rows.reduce((a, d) => a + d.tech, 0) });
      const sumBy = (filter: object, field: string | null) =>
        collection('c6')
          .aggregate([{ $match: filter }, { $group: { _id: field ? `$${field}` : null, count: { $sum: 1 }, amount: { $sum: '$amount' }, tech: { $sum: '$tech' } } }, { $sort: { _id: 1 } }])
          .toArray();
      expect(await sumBy(match.$match, null)).toEqual([{ _id: null, ...totals(matched) }]);
      const months = [...new Set(matched.map((d) => d.month))].sort();
      expect(await sumBy(match.$match, 'month')).toEqual(months.map((month) => ({ _id: month, ...totals(matched.filter((d) => d.month === month)) })));
      expect(await sumBy({ month: { $gte: '2030-01', $lte: '2030-12' } }, null)).toEqual([]);
    });
  });

  describe('7. removing array entries', () => {
    const entries = ['a', 'b', 'c', 'd'].map((id, i) => ({ id, type: 't', time: `2024-01-0${i + 1}T00:00:00.000Z`, data: { i, tags: [id] } }));

    it('7a: $pull with a condition on a sub-document field removes exactly the matching entries', async () => {
      const c = collection('c7a');
      await c.insertOne({ _id: 'x', status: 'open', outbox: entries });
      const result = await c.updateOne({ _id: 'x' }, { $pull: { outbox: { id: { $in: ['a', 'c'] } } } } as never);
      expect({ matched: result.matchedCount, modified: result.modifiedCount }).toEqual({ matched: 1, modified: 1 });
      expect(await c.findOne({ _id: 'x' })).toEqual({ _id: 'x', status: 'open', outbox: [entries[1], entries[3]] });
    });

    it('7b: $pullAll with entries exactly as read removes them and nothing else', async () => {
      const c = collection('c7b');
      await c.insertOne({ _id: 'x', status: 'open', outbox: entries });
      const read = (await c.findOne({ _id: 'x' }, { projection: { outbox: 1 } }))!.outbox as unknown[];
      const result = await c.updateOne({ _id: 'x' }, { $pullAll: { outbox: [read[0], read[2]] } } as never);
      expect({ matched: result.matchedCount, modified: result.modifiedCount }).toEqual({ matched: 1, modified: 1 });
      expect(await c.findOne({ _id: 'x' })).toEqual({ _id: 'x', status: 'open', outbox: [entries[1], entries[3]] });
      const none = await c.updateOne({ _id: 'x' }, { $pullAll: { outbox: [read[0]] } } as never);
      expect(none.modifiedCount).toBe(0);
    });
  });

  describe('8. upserts', () => {
    it('8a: bulkWrite (ordered: false) of updateOne+$setOnInsert+upsert and replaceOne+upsert: counts right; a rerun inserts nothing and $setOnInsert does not overwrite', async () => {
      const c = collection('c8a');
      const ops = (rank: number, name: string) => [
        ...['p1', 'p2', 'p3'].map((id, i) => ({
          updateOne: { filter: { _id: id }, update: { $setOnInsert: { _id: id, status: 'proposed', rank: rank + i } }, upsert: true },
        })),
        ...['s1', 's2'].map((id) => ({ replaceOne: { filter: { _id: id }, replacement: { _id: id, name, kind: 'lab' }, upsert: true } })),
      ];
      const first = await c.bulkWrite(ops(1, 'first'), { ordered: false });
      expect({
        upserted: first.upsertedCount,
        matched: first.matchedCount,
        modified: first.modifiedCount,
        inserted: first.insertedCount,
        upsertedIds: first.upsertedIds,
      }).toEqual({ upserted: 5, matched: 0, modified: 0, inserted: 0, upsertedIds: { 0: 'p1', 1: 'p2', 2: 'p3', 3: 's1', 4: 's2' } });
      await c.updateOne({ _id: 'p1' }, { $set: { status: 'accepted' } });
      const second = await c.bulkWrite(ops(100, 'second'), { ordered: false });
      expect({ upserted: second.upsertedCount, matched: second.matchedCount, modified: second.modifiedCount, inserted: second.insertedCount }).toEqual({
        upserted: 0,
        matched: 5,
        modified: 2, // the two replacements changed `name`; $setOnInsert on a match changes nothing
        inserted: 0,
      });
      expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([
        { _id: 'p1', status: 'accepted', rank: 1 },
        { _id: 'p2', status: 'proposed', rank: 2 },
        { _id: 'p3', status: 'proposed', rank: 3 },
        { _id: 's1', name: 'second', kind: 'lab' },
        { _id: 's2', name: 'second', kind: 'lab' },
      ]);
    });

    it('8b: updateOne + $setOnInsert + upsert reports the insert once, then matches without overwriting', async () => {
      const c = collection('c8b');
      const at = new Date('2024-05-01T00:00:00.000Z');
      const first = await c.updateOne({ _id: 'g/e1' }, { $setOnInsert: { type: 't1', processedAt: at } }, { upsert: true });
      expect({ upserted: first.upsertedCount, id: first.upsertedId, matched: first.matchedCount }).toEqual({ upserted: 1, id: 'g/e1', matched: 0 });
      const again = await c.updateOne({ _id: 'g/e1' }, { $setOnInsert: { type: 'OVERWRITTEN', processedAt: new Date() } }, { upsert: true });
      expect({ upserted: again.upsertedCount, id: again.upsertedId, matched: again.matchedCount, modified: again.modifiedCount }).toEqual({
        upserted: 0,
        id: null,
        matched: 1,
        modified: 0,
      });
      expect(await c.find({}).toArray()).toEqual([{ _id: 'g/e1', type: 't1', processedAt: at }]);
    });

    it('8c: replaceOne + upsert inserts, then replaces the whole document (fields not in the replacement are gone)', async () => {
      const c = collection('c8c');
      const first = await c.replaceOne({ _id: 'n1' }, { _id: 'n1', title: 'a', extra: true }, { upsert: true });
      expect({ upserted: first.upsertedCount, matched: first.matchedCount }).toEqual({ upserted: 1, matched: 0 });
      const second = await c.replaceOne({ _id: 'n1' }, { _id: 'n1', title: 'b' }, { upsert: true });
      expect({ upserted: second.upsertedCount, matched: second.matchedCount, modified: second.modifiedCount }).toEqual({ upserted: 0, matched: 1, modified: 1 });
      expect(await c.find({}).toArray()).toEqual([{ _id: 'n1', title: 'b' }]);
    });
  });

  describe('9. queries the services use', () => {
    const entry = (id: string, time: string) => ({ id, type: 't', time, data: {} });
    const createdAt = (i: number) => new Date(Date.UTC(2024, 0, 1 + Math.floor(i / 3))); // ties in threes
    const docs = Array.from({ length: 250 }, (_, i) => {
      const doc: Doc = { _id: `d-${pad(i)}`, parkId: `p${i % 2}`, status: ['intent', 'signed', 'registered'][i % 3], createdAt: createdAt(i), name: `n${i % 7}` };
      if (i % 10 === 0) doc.outbox = [entry(`e${i}`, `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`), entry(`f${i}`, '2030-01-01T00:00:00.000Z')];
      else if (i % 10 === 1) doc.outbox = [];
      else if (i % 10 === 2) doc.outbox = [entry(`e${i}`, '2030-01-01T00:00:00.000Z')];
      // others: no outbox field
      if (i % 25 === 0) doc.registration = { number: `R-${i % 50}` };
      return doc;
    });
    const ids = (list: Doc[]) => list.map((d) => d._id);
    const withOutbox = docs.filter((d) => Array.isArray(d.outbox) && d.outbox.length > 0);

    beforeAll(async () => {
      await collection('c9').insertMany(docs);
    });

    it("9a: {'outbox.0': {$exists: true}} finds exactly the documents with a non-empty outbox", async () => {
      const found = await collection('c9').find({ 'outbox.0': { $exists: true } }).sort({ _id: 1 }).toArray();
      expect(ids(found)).toEqual(ids(withOutbox));
      const empty = await collection('c9').find({ 'outbox.0': { $exists: false } }, { projection: { _id: 1 } }).toArray();
      expect(empty.length).toBe(docs.length - withOutbox.length);
    });

    it("9b: {'outbox.0.time': {$lt: iso}} compares the first entry's ISO time", async () => {
      const cutoff = '2024-01-01T00:00:30.000Z';
      const found = await collection('c9').find({ 'outbox.0.time': { $lt: cutoff } }).sort({ _id: 1 }).toArray();
      expect(ids(found)).toEqual(ids(withOutbox.filter((d) => d.outbox[0].time < cutoff)));
      expect(found.length).toBeGreaterThan(0);
    });

    it('9c: paging by {_id: {$gt}} with sort {_id: 1} and limit, as the relay scans', async () => {
      const pages: string[][] = [];
      let after: string | undefined;
      for (;;) {
        const page = await collection('c9')
          .find({ 'outbox.0': { $exists: true }, ...(after !== undefined ? { _id: { $gt: after } } : {}) }, { projection: { outbox: 1 } })
          .sort({ _id: 1 })
          .limit(10)
          .toArray();
        if (page.length === 0) break;
        pages.push(ids(page));
        after = page[page.length - 1]._id;
        if (pages.length > 100) break;
      }
      expect(pages.flat()).toEqual(ids(withOutbox));
      expect(pages.map((p) => p.length)).toEqual([10, 10, 10, 10, 10]);
      const plain: string[] = [];
      after = undefined;
      for (;;) {
        const page = await collection('c9').find(after !== undefined ? { _id: { $gt: after } } : {}).sort({ _id: 1 }).limit(100).toArray();
        if (page.length === 0 || plain.length > 1000) break;
        plain.push(...ids(page));
        after = page[page.length - 1]._id;
      }
      expect(plain).toEqual(ids(docs));
    });

    it('9d: $ne and $in', async () => {
      const c = collection('c9');
      expect(ids(await c.find({ 'registration.number': 'R-0', _id: { $ne: 'd-0000' } }).sort({ _id: 1 }).toArray())).toEqual(['d-0050', 'd-0100', 'd-0150', 'd-0200']);
      const other = await c.findOne({ 'registration.number': 'R-25', _id: { $ne: 'd-0025' } }, { projection: { _id: 1 } });
      expect(Object.keys(other ?? {})).toEqual(['_id']);
      expect(['d-0075', 'd-0125', 'd-0175', 'd-0225']).toContain(other?._id);
      expect(await c.findOne({ 'registration.number': 'R-99', _id: { $ne: 'x' } }, { projection: { _id: 1 } })).toBeNull();
      const inIds = ['d-0003', 'd-0007', 'd-0249', 'missing'];
      expect(ids(await c.find({ _id: { $in: inIds } }).sort({ _id: 1 }).toArray())).toEqual(['d-0003', 'd-0007', 'd-0249']);
      expect(await c.countDocuments({ status: { $in: ['intent', 'registered'] }, parkId: 'p1' })).toBe(
        docs.filter((d) => ['intent', 'registered'].includes(d.status) && d.parkId === 'p1').length,
      );
      expect(await c.countDocuments({ status: { $ne: 'signed' } })).toBe(docs.filter((d) => d.status !== 'signed').length);
    });

    it('9e: countDocuments(filter, {limit: 1}) is 1 when something matches, 0 when nothing does', async () => {
      const c = collection('c9');
      expect(await c.countDocuments({ _id: 'd-0042' }, { limit: 1 })).toBe(1);
      expect(await c.countDocuments({ parkId: 'p0' }, { limit: 1 })).toBe(1);
      expect(await c.countDocuments({ _id: 'nope' }, { limit: 1 })).toBe(0);
      expect(await c.countDocuments({ parkId: 'p0' })).toBe(125);
    });

    it('9f: sort on two keys ({createdAt: -1, _id: 1}) with skip and limit', async () => {
      const c = collection('c9');
      const expected = docs
        .filter((d) => d.parkId === 'p1')
        .sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime() || (x._id < y._id ? -1 : 1));
      const page2 = await c.find({ parkId: 'p1' }, { projection: { outbox: 0 } }).sort({ createdAt: -1, _id: 1 }).skip(20).limit(20).toArray();
      expect(ids(page2)).toEqual(ids(expected.slice(20, 40)));
      const last = await c.find({ parkId: 'p1' }).sort({ createdAt: -1, _id: 1 }).skip(120).limit(20).toArray();
      expect(ids(last)).toEqual(ids(expected.slice(120)));
      const byName = await c.find({ parkId: 'p0' }).sort({ name: 1, _id: 1 }).skip(5).limit(7).toArray();
      const expectedByName = docs.filter((d) => d.parkId === 'p0').sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x._id < y._id ? -1 : 1));
      expect(ids(byName)).toEqual(ids(expectedByName.slice(5, 12)));
    });

    it('9g: projections: exclusion {outbox: 0}, inclusion {outbox: 1}, {_id: 1}', async () => {
      const c = collection('c9');
      const { outbox: _o, ...rest } = docs[10];
      expect(await c.findOne({ _id: 'd-0010' }, { projection: { outbox: 0 } })).toEqual(rest);
      expect(await c.findOne({ _id: 'd-0010' }, { projection: { outbox: 1 } })).toEqual({ _id: 'd-0010', outbox: docs[10].outbox });
      expect(await c.findOne({ _id: 'd-0010' }, { projection: { _id: 1 } })).toEqual({ _id: 'd-0010' });
      const listed = await c.find({ parkId: 'p0' }, { projection: { outbox: 0 } }).toArray();
      expect(listed.filter((d) => 'outbox' in d)).toEqual([]);
      expect(listed.length).toBe(125);
    });

    it('9h: Date values round-trip as Date (top level and inside arrays of sub-documents)', async () => {
      const c = collection('c9h');
      const at = new Date('2024-07-08T09:10:11.123Z');
      await c.insertOne({ _id: 'x', at, history: [{ status: 'intent', at }], nested: { at } });
      const back = (await c.findOne({ _id: 'x' }))!;
      expect([back.at instanceof Date, back.history[0].at instanceof Date, back.nested.at instanceof Date]).toEqual([true, true, true]);
      expect(back).toEqual({ _id: 'x', at, history: [{ status: 'intent', at }], nested: { at } });
      expect(ids(await c.find({ at: { $gte: at, $lt: new Date(at.getTime() + 1) } }).toArray())).toEqual(['x']);
    });

    it("9i: string ranges {month: {$gte: '2024-01', $lte: '2024-12'}}", async () => {
      const c = collection('c9i');
      const months = ['2023-12', '2024-01', '2024-06', '2024-12', '2025-01'];
      await c.insertMany(months.map((month, i) => ({ _id: `m${i}`, month, parkId: 'p' })));
      const found = await c.find({ parkId: 'p', month: { $gte: '2024-01', $lte: '2024-12' } }).sort({ month: 1 }).toArray();
      expect(found.map((d) => d.month)).toEqual(['2024-01', '2024-06', '2024-12']);
    });
  });

  describe('10. concurrent upserts of the same _id', () => {
    it('10: two processes × 200 updateOne($setOnInsert, upsert) of the same ids → one document per id, inserted once', async () => {
      const c = collection('c10');
      const [a, b] = await race('upsert', 'c10', [200, 16]);
      const otherErrors = (side: Line) => Object.entries(side.errors.byCode as Record<string, number>).filter(([code]) => code !== '11000');
      expect({ a: otherErrors(a), b: otherErrors(b) }).toEqual({ a: [], b: [] });
      const docs = await c.find({}).sort({ _id: 1 }).toArray();
      const expectedIds = Array.from({ length: 200 }, (_, i) => `up-${pad(i)}`);
      expect(ids(docs)).toEqual(expectedIds);
      // every id was inserted by exactly one call, and the document is that caller's
      const inserter = new Map<string, string[]>(expectedIds.map((id) => [id, []]));
      for (const side of [a, b]) for (const id of side.upserted as string[]) inserter.get(id)!.push(side.pid);
      const wrong = docs.filter((d) => inserter.get(d._id)!.length !== 1 || inserter.get(d._id)![0] !== d.by).map((d) => `${d._id}: by ${d.by}, upserted by [${inserter.get(d._id)}]`);
      expect(wrong).toEqual([]);
      // a call that neither inserted nor raised 11000 must have matched
      expect(a.upserted.length + b.upserted.length + a.matched + b.matched + a.duplicateKeyErrors + b.duplicateKeyErrors).toBe(400);
      console.log(`10: duplicate-key errors raised ${a.duplicateKeyErrors} + ${b.duplicateKeyErrors}; inserts ${a.upserted.length} / ${b.upserted.length}`);
    }, RACE_TIMEOUT);

    function ids(list: Doc[]) {
      return list.map((d) => d._id);
    }
  });

  describe('11. index management', () => {
    it('11: createIndex twice with the same spec is idempotent; listIndexes shows key, unique and sparse', async () => {
      const c = collection('c11');
      await c.insertOne({ _id: 'x', proposalId: 'P1' });
      const specs: Array<[Record<string, 1 | -1>, { unique?: boolean; sparse?: boolean }]> = [
        [{ proposalId: 1 }, { unique: true }],
        [{ 'registration.number': 1 }, { unique: true, sparse: true }],
        [{ parkId: 1, status: 1, createdAt: -1 }, {}],
      ];
      const names1: string[] = [];
      for (const [key, options] of specs) names1.push(await c.createIndex(key, options));
      const names2: string[] = [];
      for (const [key, options] of specs) names2.push(await c.createIndex(key, options));
      expect(names2).toEqual(names1);
      expect(names1).toEqual(['proposalId_1', 'registration.number_1', 'parkId_1_status_1_createdAt_-1']);
      const listed = await c.listIndexes().toArray();
      const summary = listed
        // key order matters for a compound index, so keys are compared as entries; the _id index is
        // unique by definition whatever its listing says
        .map((ix) => ({ name: ix.name, key: Object.entries(ix.key), unique: ix.name === '_id_' ? 'n/a' : ix.unique === true, sparse: ix.sparse === true }))
        .sort((x, y) => (x.name < y.name ? -1 : 1));
      expect(summary).toEqual([
        { name: '_id_', key: [['_id', 1]], unique: 'n/a', sparse: false },
        { name: 'parkId_1_status_1_createdAt_-1', key: [['parkId', 1], ['status', 1], ['createdAt', -1]], unique: false, sparse: false },
        { name: 'proposalId_1', key: [['proposalId', 1]], unique: true, sparse: false },
        { name: 'registration.number_1', key: [['registration.number', 1]], unique: true, sparse: true },
      ]);
      // the index from the listing is in force
      expect(await outcome(c.insertOne({ _id: 'y', proposalId: 'P1' }))).toBe(11000);
    }, CASE_TIMEOUT);

    it('11b: a named unique sparse index can be created beside an existing non-unique index on the same key (MongoDB ≥ 5.0), and is enforced', async () => {
      // contract-tracking's deal schema does this: earlier versions made a plain index on registration.number
      const c = collection('c11b');
      await c.insertMany([{ _id: 'a', registration: { number: 'R-1' } }, { _id: 'b' }]);
      const steps = {
        'plain index': await outcome(c.createIndex({ 'registration.number': 1 })),
        'unique sparse, own name': await outcome(c.createIndex({ 'registration.number': 1 }, { unique: true, sparse: true, name: 'registration_number_unique' })),
        'unique sparse again': await outcome(c.createIndex({ 'registration.number': 1 }, { unique: true, sparse: true, name: 'registration_number_unique' })),
        'insert without number': await outcome(c.insertOne({ _id: 'c' })),
        'insert duplicate number': await outcome(c.insertOne({ _id: 'd', registration: { number: 'R-1' } })),
      };
      const listed = (await c.listIndexes().toArray())
        .filter((ix) => ix.name !== '_id_')
        .map((ix) => ({ name: ix.name, key: Object.entries(ix.key), unique: ix.unique === true, sparse: ix.sparse === true }))
        .sort((x, y) => (x.name < y.name ? -1 : 1));
      expect({ steps, listed }).toEqual({
        steps: {
          'plain index': 'ok',
          'unique sparse, own name': 'ok',
          'unique sparse again': 'ok',
          'insert without number': 'ok',
          'insert duplicate number': 11000,
        },
        listed: [
          { name: 'registration.number_1', key: [['registration.number', 1]], unique: false, sparse: false },
          { name: 'registration_number_unique', key: [['registration.number', 1]], unique: true, sparse: true },
        ],
      });
    }, CASE_TIMEOUT);
  });

  describe('12. a capped $push', () => {
    it("pushes only while the list is under its cap: {'list.<cap-1>': {$exists: false}} in the filter", async () => {
      // intake's and contract-tracking's follow-ups: at most MAX_FOLLOW_UPS, guarded in the update itself
      const c = collection('c12');
      await c.insertMany([{ _id: 'full', list: [1, 2, 3] }, { _id: 'room', list: [1, 2] }, { _id: 'none' }]);
      const push = async (_id: string) => (await c.updateOne({ _id, 'list.2': { $exists: false } }, { $push: { list: 9 } as never })).matchedCount;
      expect({ full: await push('full'), room: await push('room'), none: await push('none'), roomAgain: await push('room') }).toEqual({ full: 0, room: 1, none: 1, roomAgain: 0 });
      expect((await c.findOne({ _id: 'room' }))!.list).toEqual([1, 2, 9]);
    }, CASE_TIMEOUT);
  });
});
