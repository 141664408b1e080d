/**
 * Event consumption (one figure per service of `npm run bench`): how fast a built service consumes a
 * backlog of valid events, beside a raw kafkajs `eachBatch` loop doing the same store work, on the
 * same broker and store, in one run.
 *
 * For each service, in a scratch scope of the running system (its own namespace: nothing else reads
 * these events):
 * 1. `events` valid CloudEvents are produced onto the topic (3 partitions, unique ids and keys;
 *    payloads from EVENT_EXAMPLES, staged with `stageEvent` as the owner's outbox would);
 * 2. ONE extra instance of the service starts with a fresh consumer group and database, and the
 *    group's committed offsets are polled (waitForGroupCatchUp) until they reach the end;
 * 3. the raw loop reads the same records with its own group into a scratch database with the same
 *    indexes, polled the same way.
 * Both are polled the same way every 200 ms: the group's committed offsets, and the effects stored
 * (documents in the collection each event writes). The rate is the backlog left at the first poll
 * that saw progress over the time from there to the first poll where the group had committed up to
 * the end (start-up excluded, the same for both; see catchUpRate).
 *
 * - matching, need captured: the instance runs with an EMPTY catalogue (CATALOGUE_PATH → []), so the
 *   scoring job each event enqueues is cheap and no catalogue seeding or rescoring fan-out competes
 *   for the cores; the enqueue itself (BullMQ, Redis) is measured.
 * - reporting, transaction logged (v1): each deal's ledger entry (opened, signed, registered) is
 *   seeded into both databases first, so every transaction is valid for reporting's checks.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Partitioners, type Kafka, type KafkaMessage, type Message } from 'kafkajs';
import type { Collection, Db } from 'mongodb';
import { EVENT_EXAMPLES, EVENT_SOURCES, TOPICS, type EventType, type PayloadOf } from '@tt/contracts';
import { encodeCloudEvent, stageEvent, toCloudEvent } from '@tt/messaging';
import { sampleEndOffsets, waitForGroupCatchUp, type PartitionEnd, type ServiceProcess, type TestSystem } from '@tt/testing';
import { copyIndexes, mongo, recordsOn, say, ScratchScope } from './scratch';
import { catchUpRate, ratio, type LagPoint } from './summary';
import { contributionOf, rollupDeltas } from '../../services/reporting/src/totals/rollup';

export interface ConsumptionOptions {
  events: number;
  timeoutMs: number;
}

export interface ConsumeRun {
  what: string;
  group: string;
  /** msg/s from catchUpRate, with the records and seconds it is computed from. */
  msgPerSecond: number;
  rateRecords: number;
  rateSeconds: number;
  coarse: boolean;
  /** From the consumer's start (process spawn, or consumer.run) until the group caught up. */
  wallSeconds: number;
  /** Effects found in the database afterwards (must equal the events). */
  stored: number;
  polls: number;
}

export interface ConsumptionFigure {
  service: 'matching' | 'reporting';
  eventType: EventType;
  topic: string;
  events: number;
  ours: ConsumeRun;
  baseline: ConsumeRun;
  ratio: number;
  /** Records the service dead-lettered (must be 0: the events are valid). */
  deadLettered: number;
  order: string;
}

type Need = PayloadOf<'cn.techtransfer.need.captured.v1'>;
type Logged = PayloadOf<'cn.techtransfer.transaction.logged.v1'>;

const ofBatch = <T>(items: T[], size: number) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

async function produce(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (const chunk of ofBatch(messages, 500)) await producer.send({ topic, acks: -1, messages: chunk });
  } finally {
    await producer.disconnect();
  }
}

const encode = <T extends EventType>(type: T, payload: PayloadOf<T>, source: string): Message => encodeCloudEvent(toCloudEvent(stageEvent(type, payload, source)));

/**
 * Polls `group` until it caught up with `ends`, counting the effects in `effects` at each poll (see
 * catchUpRate); `check` may throw to abort (e.g. the consumer died).
 */
async function track(kafka: Kafka, group: string, topic: string, ends: PartitionEnd[], timeoutMs: number, effects: Collection<any>, check: () => void): Promise<LagPoint[]> {
  const points: LagPoint[] = [];
  await waitForGroupCatchUp(kafka, group, [topic], {
    ends,
    timeoutMs,
    intervalMs: 200,
    onPoll: async (progress) => {
      const at = Date.now();
      const stored = await effects.estimatedDocumentCount();
      points.push({ at, lag: progress.reduce((n, p) => n + p.lag, 0), stored });
      check();
    },
  });
  return points;
}

function runOf(what: string, group: string, points: LagPoint[], total: number, startedAt: number, stored: number): ConsumeRun {
  const rate = catchUpRate(points, total);
  return {
    what,
    group,
    msgPerSecond: Math.round(rate.msgPerSecond * 10) / 10,
    rateRecords: rate.records,
    rateSeconds: Math.round(rate.seconds * 100) / 100,
    coarse: rate.coarse,
    wallSeconds: Math.round((points[points.length - 1].at - startedAt) / 10) / 100,
    stored,
    polls: points.length,
  };
}

/** The extra service instance: started with the backlog in place, tracked until its group caught up. */
async function serviceRun(system: TestSystem, service: ServiceProcess, group: string, topic: string, effects: Collection<any>, timeoutMs: number): Promise<{ points: LagPoint[]; startedAt: number }> {
  const ends = await sampleEndOffsets(system.kafka, [topic]);
  let failure: unknown;
  const startedAt = Date.now();
  const starting = service.start().catch((error) => (failure = error));
  const points = await track(system.kafka, group, topic, ends, timeoutMs, effects, () => {
    if (failure) throw failure;
    if (Date.now() - startedAt > 60_000 && !service.running) throw new Error(`${service.instanceName} is not running`);
  });
  await starting;
  if (failure) throw failure;
  return { points, startedAt };
}

/**
 * The raw baseline: kafkajs `eachBatch` (3 partitions concurrently, as the transport), `perMessage`
 * in offset order (heartbeating along, as the transport does), then `perBatch` with the batch's
 * records, then one commit per batch.
 */
async function rawRun(
  system: TestSystem,
  group: string,
  topic: string,
  timeoutMs: number,
  effects: Collection<any>,
  perMessage: (message: KafkaMessage) => Promise<void>,
  perBatch: (messages: KafkaMessage[]) => Promise<void>,
): Promise<{ points: LagPoint[]; startedAt: number }> {
  const ends = await sampleEndOffsets(system.kafka, [topic]);
  const consumer = system.kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 3_000, allowAutoTopicCreation: false });
  let failure: unknown;
  consumer.on(consumer.events.CRASH, (e) => (failure = e.payload.error));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const startedAt = Date.now();
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const done: KafkaMessage[] = [];
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          await perMessage(message);
          resolveOffset(message.offset);
          done.push(message);
          await heartbeat(); // kafkajs sends one only once heartbeatInterval has passed: a long batch keeps its partitions
        }
        if (done.length === 0) return;
        await perBatch(done);
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(done[done.length - 1].offset) + 1n).toString() }]);
        await heartbeat();
      },
    });
    const points = await track(system.kafka, group, topic, ends, timeoutMs, effects, () => {
      if (failure) throw failure;
    });
    return { points, startedAt };
  } finally {
    await consumer.disconnect();
  }
}

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString() ?? '';

/** The batch's event ids recorded as processed; ids already there (a batch redelivered after a rebalance) are fine. */
async function processedRecords(db: Db, group: string, messages: KafkaMessage[]): Promise<void> {
  try {
    await db
      .collection('processed_events')
      .insertMany(
        messages.map((m) => ({ _id: `${group}/${header(m, 'ce_id')}` as never, type: header(m, 'ce_type'), processedAt: new Date() })),
        { ordered: false },
      );
  } catch (error) {
    const writeErrors = (error as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
    const codes = Array.isArray(writeErrors) ? writeErrors.map((e) => e.code) : writeErrors ? [writeErrors.code] : [(error as { code?: number }).code];
    if (!codes.every((code) => code === 11000)) throw error;
  }
}

async function deadLettered(system: TestSystem, topic: string): Promise<number> {
  const admin = system.kafka.admin();
  await admin.connect();
  try {
    return await recordsOn(admin, [`${topic}.dlq`]);
  } finally {
    await admin.disconnect();
  }
}

/** matching, need captured: snapshot upsert (+ the scoring job enqueued, in the service only). */
export async function benchMatchingConsumption(system: TestSystem, { events, timeoutMs }: ConsumptionOptions): Promise<ConsumptionFigure> {
  const scope = await ScratchScope.open(system, 'cm');
  try {
    const type = 'cn.techtransfer.need.captured.v1' as const;
    const topic = scope.topic(TOPICS.need);
    const example = EVENT_EXAMPLES[type];
    const tag = randomUUID().slice(0, 8);
    const messages = Array.from({ length: events }, (_, i) => encode(type, { ...example, needId: `need-bench-${tag}-${i}`, title: `${example.title} #${i}` }, EVENT_SOURCES.intake));
    say(`consumption (matching): producing ${events} need-captured events`);
    await produce(system.kafka, topic, messages);

    const emptyCatalogue = join(tmpdir(), `bench-empty-catalogue-${system.runId}.json`);
    writeFileSync(emptyCatalogue, '[]\n');
    const store = await mongo();
    const serviceDb = store.db(scope.db('matching'));
    const rawDb = store.db(scope.db('raw'));
    const instance = await scope.service('matching', { CATALOGUE_PATH: emptyCatalogue });
    say(`consumption (matching): one extra instance, fresh group, catching up`);
    const ours = await serviceRun(system, instance, scope.group('matching'), topic, serviceDb.collection('needs'), timeoutMs);
    await instance.kill('SIGTERM');
    const oursStored = await serviceDb.collection('needs').countDocuments();

    await copyIndexes(serviceDb, rawDb, ['needs']);
    const rawGroup = scope.group('raw');
    const snapshots = rawDb.collection<{ _id: string }>('needs');
    say(`consumption (matching): the raw eachBatch loop`);
    const raw = await rawRun(
      system,
      rawGroup,
      topic,
      timeoutMs,
      snapshots,
      async (m) => {
        const { needId, ...rest } = JSON.parse(m.value!.toString('utf8')) as Need;
        await snapshots.updateOne({ _id: needId }, { $setOnInsert: { ...rest, revision: 0, awaitingScore: { revision: 0, since: new Date() } } }, { upsert: true });
      },
      // The service's handler is deduped by its own write (DEDUPED_BY_EFFECT): no processed record, here either.
      async () => undefined,
    );
    const rawStored = await snapshots.countDocuments();
    const figure: ConsumptionFigure = {
      service: 'matching',
      eventType: type,
      topic,
      events,
      ours: runOf(
        'one extra built matching instance (fresh group and database, empty catalogue): KafkaEventTransport (decode, contract validation, owner check, handler, commit; the handler is deduped by its own write) + need snapshot upsert + scoring job enqueued (BullMQ)',
        scope.group('matching'),
        ours.points,
        events,
        ours.startedAt,
        oursStored,
      ),
      baseline: runOf(
        'raw kafkajs eachBatch (3 partitions concurrently): JSON.parse, the same need snapshot upsert per message, one commit per batch; no validation or queue',
        rawGroup,
        raw.points,
        events,
        raw.startedAt,
        rawStored,
      ),
      ratio: NaN,
      deadLettered: await deadLettered(system, topic),
      order: 'service first, then the raw loop (its database gets the indexes the service created)',
    };
    figure.ratio = ratio(figure.ours.msgPerSecond, figure.baseline.msgPerSecond);
    check(figure);
    return figure;
  } finally {
    await scope.close();
  }
}

/** reporting, transaction logged v1: ledger check, transaction row upsert, analysts' event log entry. */
export async function benchReportingConsumption(system: TestSystem, { events, timeoutMs }: ConsumptionOptions): Promise<ConsumptionFigure> {
  const scope = await ScratchScope.open(system, 'cr');
  try {
    const type = 'cn.techtransfer.transaction.logged.v1' as const;
    const topic = scope.topic(TOPICS.deal);
    const example = EVENT_EXAMPLES[type];
    const tag = randomUUID().slice(0, 8);
    const payloads: Logged[] = Array.from({ length: events }, (_, i) => ({
      ...example,
      dealId: `deal-bench-${tag}-${i}`,
      needId: `need-bench-${tag}-${i}`,
      transactionId: `txn-bench-${tag}-${i}`,
      registrationNumber: `2025330108${String(i % 1_000_000).padStart(6, '0')}`,
    }));
    // What reporting holds of each deal before its transaction is logged (opened, signed, registered).
    const ledger = payloads.map((t) => ({
      _id: t.dealId,
      needId: t.needId,
      parkId: t.parkId,
      brokerId: t.brokerId,
      enterpriseId: t.enterpriseId,
      openedAt: new Date(),
      signed: { contractType: t.contractType, signedOn: t.signedOn, contractAmountFen: t.contractAmountFen, techTransactionAmountFen: t.techTransactionAmountFen },
      registered: { registrationNumber: t.registrationNumber, registeredOn: t.registeredOn },
    }));
    const store = await mongo();
    const serviceDb = store.db(scope.db('reporting'));
    const rawDb = store.db(scope.db('raw'));
    say(`consumption (reporting): seeding ${events} deal ledger entries and producing ${events} transaction-logged events`);
    for (const db of [serviceDb, rawDb]) for (const chunk of ofBatch(ledger, 1_000)) await db.collection('deal_ledger').insertMany(chunk as never[]);
    await produce(
      system.kafka,
      topic,
      payloads.map((t) => encode(type, t, EVENT_SOURCES.contractTracking)),
    );

    const instance = await scope.service('reporting', { WEBHOOK_ALLOWED_TARGETS: '127.0.0.1/32' });
    say(`consumption (reporting): one extra instance, fresh group, catching up`);
    const ours = await serviceRun(system, instance, scope.group('reporting'), topic, serviceDb.collection('transactions'), timeoutMs);
    await instance.kill('SIGTERM');
    const oursStored = await serviceDb.collection('transactions').countDocuments();

    await copyIndexes(serviceDb, rawDb, ['transactions', 'analyst_events', 'processed_events', 'deal_ledger']);
    const rawGroup = scope.group('raw');
    const deals = rawDb.collection<(typeof ledger)[number]>('deal_ledger');
    const transactions = rawDb.collection<{ _id: string }>('transactions');
    const log = rawDb.collection<{ _id: number }>('analyst_events');
    const rollups = rawDb.collection<{ _id: string }>('totals_rollups');
    /** The roll-ups' `$inc`s of the batch under way, per roll-up document (summed, one write each at the batch's end). */
    let batchIncs = new Map<string, Record<string, number>>();
    /** The analysts' log position this loop wrote last (0: read the newest). */
    let lastPosition = 0;
    /** The analysts' log entries of the batch under way. */
    let batchLog: { eventId: string | undefined; naturalKey: string; type: string; time: string | undefined; dealId: string; parkId: string; data: Logged }[] = [];
    say(`consumption (reporting): the raw eachBatch loop`);
    const raw = await rawRun(
      system,
      rawGroup,
      topic,
      timeoutMs,
      transactions,
      async (m) => {
        const t = JSON.parse(m.value!.toString('utf8')) as Logged;
        // The ledger check reporting makes (the transaction is the deal's signed and registered contract).
        const deal = await deals.findOne({ _id: t.dealId });
        if (!deal || deal.parkId !== t.parkId || deal.signed.contractAmountFen !== t.contractAmountFen || deal.registered.registrationNumber !== t.registrationNumber) {
          throw new Error(`raw baseline: transaction ${t.dealId} does not match its seeded ledger entry`);
        }
        const row = {
          transactionId: t.transactionId,
          needId: t.needId,
          parkId: t.parkId,
          regionCode: t.regionCode,
          technicalField: t.technicalField,
          contractType: t.contractType,
          brokerId: t.brokerId,
          registrationNumber: t.registrationNumber,
          registeredOn: t.registeredOn,
          month: t.registeredOn.slice(0, 7),
          contractAmountFen: t.contractAmountFen,
          techTransactionAmountFen: t.techTransactionAmountFen,
          loggedAt: new Date(t.loggedAt),
          recordedAt: new Date(),
          revision: 0,
        };
        const written = await transactions.updateOne({ _id: t.dealId }, { $setOnInsert: row }, { upsert: true });
        // The totals' roll-ups: the row's contribution, added to the batch's sums (no guards: a redelivered batch would count twice).
        if (written.upsertedCount === 1) {
          for (const [docId, { inc }] of rollupDeltas(null, contributionOf(row))) {
            const sums = batchIncs.get(docId) ?? {};
            for (const [path, value] of Object.entries(inc)) sums[path] = (sums[path] ?? 0) + value;
            batchIncs.set(docId, sums);
          }
        }
        // The analysts' log entry, as reporting writes it: once per natural key, at the next position,
        // written for the whole batch at its end (as reporting does).
        batchLog.push({ eventId: header(m, 'ce_id'), naturalKey: `${t.dealId}|${type}`, type, time: header(m, 'ce_time'), dealId: t.dealId, parkId: t.parkId, data: t });
      },
      async (ms) => {
        const incs = batchIncs;
        batchIncs = new Map();
        await Promise.all([...incs].map(([docId, inc]) => rollups.updateOne({ _id: docId }, { $inc: inc }, { upsert: true })));
        const entries = batchLog;
        batchLog = [];
        for (;;) {
          // One read for the batch's natural keys, one for the newest position, one ordered insert.
          const present = new Set((await log.find({ naturalKey: { $in: entries.map((e) => e.naturalKey) } }, { projection: { naturalKey: 1 } }).toArray()).map((d) => (d as unknown as { naturalKey: string }).naturalKey));
          const fresh = entries.filter((e) => !present.has(e.naturalKey));
          if (fresh.length === 0) break;
          // The newest position, as reporting finds it: the one last written, while it is there, else the newest-first read.
          if (!(lastPosition > 0 && (await log.countDocuments({ _id: lastPosition }, { limit: 1 })) > 0)) {
            lastPosition = (await log.find({}, { projection: { _id: 1 } }).sort({ _id: -1 }).limit(1).next())?._id ?? 0;
          }
          const first = lastPosition + 1;
          try {
            await log.insertMany(fresh.map((e, i) => ({ _id: first + i, ...e, recordedAt: new Date() })) as never[], { ordered: true });
            lastPosition = first + fresh.length - 1;
            break;
          } catch (error) {
            if ((error as { code?: number }).code !== 11000) throw error; // another partition's batch took a position: again
            lastPosition = 0;
          }
        }
        await processedRecords(rawDb, rawGroup, ms);
      },
    );
    const rawStored = await transactions.countDocuments();
    const figure: ConsumptionFigure = {
      service: 'reporting',
      eventType: type,
      topic,
      events,
      ours: runOf(
        'one extra built reporting instance (fresh group and database, ledger seeded): KafkaEventTransport (decode, contract validation, owner check, dedupe, handler, processed record, commit) + ledger check + transaction row upsert; per batch the guarded roll-ups (rollup-applier) and the analysts\' event log entries',
        scope.group('reporting'),
        ours.points,
        events,
        ours.startedAt,
        oursStored,
      ),
      baseline: runOf(
        'raw kafkajs eachBatch (3 partitions concurrently): JSON.parse, per message the ledger read and the transaction row upsert, per batch the roll-ups (one unguarded $inc per roll-up document, summed over the batch) and the analysts\' log (one natural-key read, the newest position (the one it wrote last, checked by _id), one ordered insertMany), processed_events insertMany + one commit per batch; no validation or dedupe read',
        rawGroup,
        raw.points,
        events,
        raw.startedAt,
        rawStored,
      ),
      ratio: NaN,
      deadLettered: await deadLettered(system, topic),
      order: 'service first, then the raw loop (its database gets the indexes the service created)',
    };
    figure.ratio = ratio(figure.ours.msgPerSecond, figure.baseline.msgPerSecond);
    check(figure);
    return figure;
  } finally {
    await scope.close();
  }
}

/** A figure is only a figure if both sides stored every event and nothing was dead-lettered. */
function check(figure: ConsumptionFigure): void {
  const problems = [
    figure.deadLettered > 0 && `the service dead-lettered ${figure.deadLettered} of the events (see its log)`,
    figure.ours.stored !== figure.events && `the service stored ${figure.ours.stored} of ${figure.events}`,
    figure.baseline.stored !== figure.events && `the raw loop stored ${figure.baseline.stored} of ${figure.events}`,
  ].filter(Boolean);
  if (problems.length) throw new Error(`consumption (${figure.service}) is not valid: ${problems.join('; ')}`);
}
