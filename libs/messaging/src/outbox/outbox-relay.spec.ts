import type { Model } from 'mongoose';
import type { Producer, ProducerBatch } from 'kafkajs';
import { headerText } from '../cloud-event.codec';
import type { OutboxEntry } from './outbox-entry';
import { OutboxRelay } from './outbox-relay';

type Doc = { _id: string; outbox: OutboxEntry[] };

const entry = (id: string, key: string, topic = 'techtransfer.contracts.deal.v1'): OutboxEntry => ({
  id,
  type: 'cn.techtransfer.contract.registered.v1',
  topic,
  key,
  source: '/techtransfer/contract-tracking',
  time: '2025-04-20T03:00:00.000Z',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  data: { dealId: key, n: id },
});

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value));

/** Just enough of a mongoose model: find(...).sort().limit().lean().exec() and collection.updateOne with $pull by id. */
function fakeModel(docs: Doc[]) {
  const updates: { filter: unknown; update: any }[] = [];
  const filters: Record<string, unknown>[] = [];
  const model = {
    find: jest.fn((filter: Record<string, unknown>, projection: Record<string, unknown>) => {
      const { _id: idFilter, ...rest } = filter as { _id?: { $gt?: string; $in?: string[] } } & Record<string, unknown>;
      filters.push(rest);
      const stagedBefore = (rest['outbox.0.time'] as { $lt?: string } | undefined)?.$lt;
      expect(projection).toEqual({ outbox: 1 });
      let limit = Infinity;
      const query = {
        sort: (order: Record<string, number>) => (expect(order).toEqual({ _id: 1 }), query),
        limit: (n: number) => ((limit = n), query),
        lean: () => query,
        exec: async () =>
          copy(
            docs
              .filter((d) => d.outbox.length > 0 && (stagedBefore === undefined || d.outbox[0].time < stagedBefore))
              .filter((d) => idFilter?.$gt === undefined || d._id > idFilter.$gt)
              .filter((d) => idFilter?.$in === undefined || idFilter.$in.includes(d._id))
              .sort((a, b) => (a._id < b._id ? -1 : 1))
              .slice(0, limit),
          ),
      };
      return query;
    }),
    collection: {
      bulkWrite: jest.fn(async (operations: Array<{ updateOne: { filter: { _id: string }; update: { $pull: { outbox: { id: { $in: string[] } } } } } }>) => {
        for (const { updateOne } of operations) await model.collection.updateOne(updateOne.filter, updateOne.update);
        return {};
      }),
      updateOne: jest.fn(async (filter: { _id: string }, update: { $pull: { outbox: { id: { $in: string[] } } } }) => {
        updates.push({ filter, update });
        const doc = docs.find((d) => d._id === filter._id);
        if (!doc) return { matchedCount: 0, modifiedCount: 0 };
        const before = doc.outbox.length;
        const pulled = new Set(update.$pull.outbox.id.$in);
        doc.outbox = doc.outbox.filter((e) => !pulled.has(e.id));
        return { matchedCount: 1, modifiedCount: before === doc.outbox.length ? 0 : 1 };
      }),
    },
  };
  return { model: model as unknown as Model<any>, updates, docs, filters };
}

function fakeProducer(fail?: (batch: ProducerBatch) => Error | undefined) {
  const batches: ProducerBatch[] = [];
  const producer = {
    sendBatch: jest.fn(async (batch: ProducerBatch) => {
      const error = fail?.(batch);
      if (error) throw error;
      batches.push(batch);
      return [];
    }),
  };
  const sentIds = () =>
    batches.flatMap((b) => b.topicMessages!.flatMap((tm) => tm.messages.map((m) => headerText(m.headers, 'ce_id'))));
  return { producer: producer as unknown as Producer, batches, sentIds };
}

describe(OutboxRelay.name, () => {
  const namespace = process.env.KAFKA_TOPIC_NAMESPACE;
  beforeEach(() => delete process.env.KAFKA_TOPIC_NAMESPACE);
  afterAll(() => (namespace === undefined ? delete process.env.KAFKA_TOPIC_NAMESPACE : (process.env.KAFKA_TOPIC_NAMESPACE = namespace)));

  it('publishes each aggregate’s entries in staging order, then pulls exactly those entries', async () => {
    const { model, updates, docs } = fakeModel([
      { _id: 'deal-1', outbox: [entry('e1', 'deal-1'), entry('e2', 'deal-1'), entry('e3', 'deal-1', 'techtransfer.matching.match.v1')] },
      { _id: 'deal-2', outbox: [] },
      { _id: 'deal-3', outbox: [entry('e4', 'deal-3')] },
    ]);
    const { producer, batches, sentIds } = fakeProducer();

    await expect(new OutboxRelay(producer, [model]).drain()).resolves.toBe(4);

    // One request for both aggregates, grouped per topic, each aggregate's entries in staging order.
    expect(batches).toHaveLength(1);
    expect(sentIds()).toEqual(['e1', 'e2', 'e4', 'e3']);
    expect(batches[0].acks).toBe(-1);
    expect(batches[0].topicMessages!.map((tm) => tm.topic)).toEqual(['techtransfer.contracts.deal.v1', 'techtransfer.matching.match.v1']);
    const first = batches[0].topicMessages![0].messages[0];
    expect(first.key).toBe('deal-1');
    expect(JSON.parse(first.value as string)).toEqual({ dealId: 'deal-1', n: 'e1' });
    expect(headerText(first.headers, 'ce_type')).toBe('cn.techtransfer.contract.registered.v1');

    expect(updates).toEqual([
      { filter: { _id: 'deal-1' }, update: { $pull: { outbox: { id: { $in: ['e1', 'e2', 'e3'] } } } } },
      { filter: { _id: 'deal-3' }, update: { $pull: { outbox: { id: { $in: ['e4'] } } } } },
    ]);
    expect(docs.every((d) => d.outbox.length === 0)).toBe(true);
  });

  it('pulls only what it published: an entry staged meanwhile stays for the next pass', async () => {
    const { model, docs } = fakeModel([{ _id: 'deal-1', outbox: [entry('e1', 'deal-1')] }]);
    const { producer, sentIds } = fakeProducer((batch) => {
      // A write stages another event while the first is being published.
      if (batch.topicMessages!.length === 1 && docs[0].outbox.length === 1) docs[0].outbox.push(entry('e2', 'deal-1'));
      return undefined;
    });
    const relay = new OutboxRelay(producer, [model]);
    await relay.drain();
    expect(sentIds()).toEqual(['e1']);
    expect(docs[0].outbox.map((e) => e.id)).toEqual(['e2']);
    await relay.drain();
    expect(sentIds()).toEqual(['e1', 'e2']);
    expect(docs[0].outbox).toEqual([]);
  });

  it('reads in batches until a short batch, across every model', async () => {
    const a = fakeModel([1, 2, 3].map((i) => ({ _id: `deal-${i}`, outbox: [entry(`a${i}`, `deal-${i}`)] })));
    const b = fakeModel([{ _id: 'need-1', outbox: [entry('b1', 'need-1', 'techtransfer.matching.match.v1')] }]);
    const { producer, sentIds } = fakeProducer();
    await expect(new OutboxRelay(producer, [a.model, b.model], { batchSize: 2 }).drain()).resolves.toBe(4);
    expect(sentIds()).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect(a.model.find).toHaveBeenCalledTimes(2);
  });

  it('leaves the entries in place when the producer fails, so the next pass publishes them again', async () => {
    const { model, updates, docs } = fakeModel([{ _id: 'deal-1', outbox: [entry('e1', 'deal-1'), entry('e2', 'deal-1')] }]);
    let down = true;
    const { producer, sentIds } = fakeProducer(() => (down ? new Error('KafkaJSNumberOfRetriesExceeded') : undefined));
    const relay = new OutboxRelay(producer, [model]);

    await expect(relay.drain()).rejects.toThrow('KafkaJSNumberOfRetriesExceeded');
    expect(updates).toEqual([]);
    expect(docs[0].outbox.map((e) => e.id)).toEqual(['e1', 'e2']);

    down = false;
    await expect(relay.drain()).resolves.toBe(2);
    expect(sentIds()).toEqual(['e1', 'e2']);
    expect(docs[0].outbox).toEqual([]);
  });

  it('never lets one aggregate Kafka refuses hold back the others', async () => {
    const { model, docs } = fakeModel([
      { _id: 'deal-1', outbox: [entry('e1', 'deal-1')] },
      { _id: 'deal-2', outbox: [entry('too-large', 'deal-2')] },
      { _id: 'deal-3', outbox: [entry('e3', 'deal-3')] },
    ]);
    const refuses = (batch: ProducerBatch) =>
      batch.topicMessages!.some((tm) => tm.messages.some((m) => headerText(m.headers, 'ce_id') === 'too-large')) ? new Error('KafkaJSProtocolError: MESSAGE_TOO_LARGE') : undefined;
    const { producer, sentIds } = fakeProducer(refuses);
    await expect(new OutboxRelay(producer, [model]).drain()).rejects.toThrow('MESSAGE_TOO_LARGE');
    expect(sentIds()).toEqual(['e1', 'e3']);
    expect(docs.map((d) => [d._id, d.outbox.map((e) => e.id)])).toEqual([
      ['deal-1', []],
      ['deal-2', ['too-large']],
      ['deal-3', []],
    ]);
  });

  it('publishes a just-created aggregate’s entries without reading it back, and reads back one changed again before its pass', async () => {
    const fresh = (id: string, key: string) => ({ ...entry(id, key), time: new Date().toISOString() });
    const { model, docs } = fakeModel([
      { _id: 'deal-new', outbox: [fresh('n1', 'deal-new')] },
      { _id: 'deal-twice', outbox: [fresh('t1', 'deal-twice'), fresh('t2', 'deal-twice')] },
    ]);
    const { producer, sentIds } = fakeProducer();
    const relay = new OutboxRelay(producer, [model], { scanGraceMs: 60_000 });
    const settled = async () => {
      while (relay['running']) await relay['running'];
    };
    relay['stopped'] = false; // started, without its timer
    relay.kick(model, 'deal-new', [fresh('n1', 'deal-new')]);
    await settled();
    expect(model.find).not.toHaveBeenCalled();
    expect(sentIds()).toEqual(['n1']);
    expect(docs[0].outbox).toEqual([]);
    // Created, then changed again before its pass: read back, so both entries leave, in order.
    relay.kick(model, 'deal-new', [fresh('n1', 'deal-new')]); // keeps the relay busy while the next two kicks arrive
    relay.kick(model, 'deal-twice', [fresh('t1', 'deal-twice')]);
    relay.kick(model, 'deal-twice');
    await settled();
    expect(sentIds()).toEqual(['n1', 'n1', 't1', 't2']);
    expect(docs[1].outbox).toEqual([]);
  });

  it('publishes to the namespaced topic when KAFKA_TOPIC_NAMESPACE is set', async () => {
    process.env.KAFKA_TOPIC_NAMESPACE = 'run42.';
    const { model } = fakeModel([{ _id: 'deal-1', outbox: [entry('e1', 'deal-1')] }]);
    const { producer, batches } = fakeProducer();
    await new OutboxRelay(producer, [model]).drain();
    expect(batches[0].topicMessages!.map((tm) => tm.topic)).toEqual(['run42.techtransfer.contracts.deal.v1']);
  });

  it('does nothing when every outbox is empty', async () => {
    const { model, updates } = fakeModel([{ _id: 'deal-1', outbox: [] }]);
    const { producer } = fakeProducer();
    await expect(new OutboxRelay(producer, [model]).drain()).resolves.toBe(0);
    expect(producer.sendBatch).not.toHaveBeenCalled();
    expect(updates).toEqual([]);
  });

  it('kick() runs a pass after start() and stop() waits for it', async () => {
    const { model, docs } = fakeModel([{ _id: 'deal-1', outbox: [entry('e1', 'deal-1')] }]);
    const { producer, sentIds } = fakeProducer();
    const relay = new OutboxRelay(producer, [model], { pollIntervalMs: 60_000 });
    relay.kick(); // before start(): ignored
    expect(producer.sendBatch).not.toHaveBeenCalled();
    relay.start();
    await relay.stop();
    expect(sentIds()).toEqual(['e1']);
    expect(docs[0].outbox).toEqual([]);
  });

  it('does not turn the passes of writes that arrive during a pass into full scans', async () => {
    const fresh = (id: string, key: string) => ({ ...entry(id, key), time: new Date().toISOString() });
    const { model, filters } = fakeModel([1, 2, 3].map((i) => ({ _id: `deal-${i}`, outbox: [fresh(`e${i}`, `deal-${i}`)] })));
    const { producer, sentIds } = fakeProducer();
    const relay = new OutboxRelay(producer, [model], { pollIntervalMs: 60_000 });
    relay.start(); // one scan, at start
    relay.kick(model, 'deal-1'); // these arrive while that scan runs
    relay.kick(model, 'deal-2');
    await relay['running'];
    relay.kick(model, 'deal-3');
    await relay.stop();
    expect(sentIds()).toEqual(['e1', 'e2', 'e3']);
    const scans = filters.filter((f) => Object.keys(f).some((k) => k.startsWith('outbox.')));
    expect(scans).toHaveLength(1);
  });

  /** Runs one scan on a store that takes 50 ms a read; returns the delays the relay then set for its next scan. */
  async function nextScanDelaysAfterASlowScan(options: ConstructorParameters<typeof OutboxRelay>[2]): Promise<number[]> {
    const { model } = fakeModel([{ _id: 'deal-1', outbox: [] }]);
    const find = model.find as jest.Mock;
    const original = find.getMockImplementation()!;
    find.mockImplementation((...args: unknown[]) => {
      const query = original(...args);
      const exec = query.exec;
      query.exec = async () => (await new Promise((resolve) => setTimeout(resolve, 50)), exec()); // a slow store, or one the scan waited for
      return query;
    });
    const { producer } = fakeProducer();
    const delays: number[] = [];
    const setTimeoutSpy = jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      if (ms !== 50) delays.push(ms ?? 0);
      return ms === 50 ? (jest.requireActual('timers').setTimeout(fn, ms) as NodeJS.Timeout) : ({ unref: () => undefined } as unknown as NodeJS.Timeout);
    }) as typeof setTimeout);
    try {
      const relay = new OutboxRelay(producer, [model], options);
      relay.start();
      while (relay['running']) await relay['running'];
      await relay.stop();
    } finally {
      setTimeoutSpy.mockRestore();
    }
    return delays;
  }

  it('waits scanCostFactor times as long as the last scan took before scanning again', async () => {
    const delays = await nextScanDelaysAfterASlowScan({ pollIntervalMs: 100, scanCostFactor: 40 });
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(40 * 45); // the scan took ~50 ms: not the 100 ms interval
  });

  it('never waits more than maxScanIntervalMs for the next scan, however long the last one took', async () => {
    const delays = await nextScanDelaysAfterASlowScan({ pollIntervalMs: 100, scanCostFactor: 40, maxScanIntervalMs: 1_000 });
    expect(delays).toEqual([1_000]); // 40 × ~50 ms would be ~2 s
  });

  it('tries a kicked aggregate again soon after its pass failed, without waiting for the next scan', async () => {
    const { model, docs } = fakeModel([{ _id: 'deal-1', outbox: [entry('e1', 'deal-1')] }]);
    let storeAway = true;
    const find = model.find as jest.Mock;
    const original = find.getMockImplementation()!;
    find.mockImplementation((...args: unknown[]) => {
      if (storeAway) throw new Error('connect ECONNREFUSED 127.0.0.1:27018');
      return original(...args);
    });
    const { producer, sentIds } = fakeProducer();
    const relay = new OutboxRelay(producer, [model], { pollIntervalMs: 60_000 });
    relay['stopped'] = false; // started, without the first scan (this is about the kicked pass)
    relay.kick(model, 'deal-1'); // the write landed, then the store went away before its read-back
    while (relay['running']) await relay['running'];
    expect(sentIds()).toEqual([]);
    storeAway = false; // back: the retry (0.5 s later) reads it back and publishes it
    for (let waited = 0; sentIds().length === 0 && waited < 5_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    await relay.stop();
    expect(sentIds()).toEqual(['e1']);
    expect(docs[0].outbox).toEqual([]);
  });

  it('backs off from an aggregate Kafka keeps refusing, doubling with each failed retry whatever else passes', async () => {
    const { model, docs } = fakeModel([
      { _id: 'deal-bad', outbox: [entry('e-bad', 'deal-bad')] },
      { _id: 'deal-ok', outbox: [] },
    ]);
    const { producer, sentIds } = fakeProducer((batch) => (batch.topicMessages!.some((tm) => tm.messages.some((m) => headerText(m.headers, 'ce_id') === 'e-bad')) ? new Error('MESSAGE_TOO_LARGE') : undefined));
    const timers: Array<{ ms: number; fn: () => void }> = [];
    const setTimeoutSpy = jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      timers.push({ ms: ms ?? 0, fn });
      return { unref: () => undefined } as unknown as NodeJS.Timeout;
    }) as typeof setTimeout);
    const settle = async () => {
      while (relay['running']) await relay['running'];
    };
    const relay = new OutboxRelay(producer, [model], { pollIntervalMs: 60_000 });
    try {
      relay['stopped'] = false; // started, without the first scan
      relay.kick(model, 'deal-bad');
      await settle();
      const retries = () => timers.filter((t) => t.ms !== 60_000).map((t) => t.ms);
      for (let round = 0; round < 3; round++) {
        docs[1].outbox.push(entry(`e-ok-${round}`, 'deal-ok'));
        relay.kick(model, 'deal-ok'); // another write passes meanwhile
        await settle();
        timers.filter((t) => t.ms !== 60_000).at(-1)!.fn(); // the retry is due
        await settle();
      }
      expect(retries()).toEqual([500, 1_000, 2_000, 4_000]);
      expect(sentIds()).toEqual(['e-ok-0', 'e-ok-1', 'e-ok-2']);
      expect(docs[0].outbox.map((e) => e.id)).toEqual(['e-bad']); // still there for the retries (and the scans)
    } finally {
      setTimeoutSpy.mockRestore();
      await relay.stop();
    }
  });

  it('leaves entries staged within the grace period to their writer, and scans up the older ones', async () => {
    const fresh = { ...entry('e-new', 'deal-new'), time: new Date().toISOString() };
    const { model, docs, filters } = fakeModel([
      { _id: 'deal-new', outbox: [fresh] },
      { _id: 'deal-old', outbox: [entry('e-old', 'deal-old')] }, // staged in 2025: its writer died
    ]);
    const { producer, sentIds } = fakeProducer();
    const relay = new OutboxRelay(producer, [model], { pollIntervalMs: 60_000, scanGraceMs: 5_000 });
    relay.start(); // the first pass is a scan: with the grace period
    await relay.stop();
    expect(filters[0]).toEqual({ 'outbox.0.time': { $lt: expect.any(String) } });
    expect(sentIds()).toEqual(['e-old']);
    expect(docs.find((d) => d._id === 'deal-new')!.outbox).toEqual([fresh]);
  });

  // When the removal matches nothing (another instance removed the entries, or they could not be
  // matched), one pass still ends: the fake find() gives up after 20 reads so this cannot hang.
  it('stops after one pass when the published entries cannot be pulled', async () => {
    const { model } = fakeModel([1, 2].map((i) => ({ _id: `deal-${i}`, outbox: [entry(`e${i}`, `deal-${i}`)] })));
    (model.collection.updateOne as jest.Mock).mockImplementation(async () => ({ matchedCount: 1, modifiedCount: 0 }));
    const find = model.find as jest.Mock;
    const original = find.getMockImplementation()!;
    find.mockImplementation((...args: unknown[]) => {
      if (find.mock.calls.length > 20) throw new Error('drain() keeps re-reading the same aggregates');
      return original(...args);
    });
    const { producer, sentIds } = fakeProducer();
    await new OutboxRelay(producer, [model], { batchSize: 2 }).drain();
    expect(sentIds()).toEqual(['e1', 'e2']);
  });
});
