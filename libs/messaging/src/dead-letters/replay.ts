import { Partitioners, type IHeaders, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { ALL_TOPICS, deadLetterTopicOf } from '@tt/contracts';
import { CE_HEADERS, headerText } from '../cloud-event.codec';
import { wireTopic } from '../kafka/kafka-client';
import { UNREPLAYABLE_REASONS, type DeadLetterReason } from './dead-letter-reasons';

/** Headers `KafkaEventTransport` adds to a dead letter all start with this; a replay drops them. */
export const DEAD_LETTER_HEADER_PREFIX = 'dlq_';

/** Provenance a replayed record carries (not `dlq_*`, so a consumer sees an ordinary event). */
export const REPLAY_HEADERS = {
  /** `<dlq topic>[<partition>]@<offset>` of the letter it was replayed from. */
  from: 'replayed_from',
  at: 'replayed_at',
} as const;

/**
 * Reasons that are properties of the record itself, not of the consumer's code (UNREPLAYABLE_REASONS):
 * a record without a CloudEvents envelope, from a service that does not own its type, or on a topic
 * its type does not belong to. No fix makes them valid, and republishing them would only make every
 * consumer group of the topic dead-letter them again (a record without `ce_id` cannot even be
 * recognised as a duplicate, so each replay would multiply them). They are skipped and committed:
 * they never become replayable.
 */
export { UNREPLAYABLE_REASONS };

export interface ReplayDeadLettersOptions {
  kafka: Kafka;
  /** The logical topic (e.g. `techtransfer.contracts.deal.v1`); its wire name and `.dlq` follow from KAFKA_TOPIC_NAMESPACE. */
  topic: string;
  /** Only letters of this consumer group (`dlq_consumer_group`); see replayGroupOf for the offsets. */
  consumerGroup?: string;
  /** Read and report, publish and commit nothing. */
  dryRun?: boolean;
  /** Stop (and report the partitions not finished) when no letter arrives for this long (default 60 s). */
  idleTimeoutMs?: number;
  /** One line per letter, as it is handled. */
  log?: (line: string) => void;
}

export interface ReplaySummary {
  sourceTopic: string;
  deadLetterTopic: string;
  replayGroup: string;
  consumerGroup: string | null;
  dryRun: boolean;
  /** Letters read between the replay group's committed offsets and the end offsets sampled at start. */
  scanned: number;
  /** Republished (or, in a dry run, would have been). */
  replayed: number;
  skipped: number;
  /** Replayed letters per `dlq_reason`. */
  replayedByReason: Record<string, number>;
  /** Skipped letters per why-skipped (`other-consumer-group`, `unreplayable:<dlq_reason>`, ...). */
  skippedByReason: Record<string, number>;
  /** DLQ partitions not read up to their sampled end (idle timeout); a later run continues them. */
  unfinishedPartitions: number[];
}

/**
 * The consumer group whose committed offsets say which letters of `<sourceTopic>.dlq` a replay has
 * dealt with: one group per filter.
 *
 * Why per filter: a replay for `--consumer-group A` must move past the letters of group B (or it would
 * read them again on every run), but committing past them in a group shared with B's replay would
 * lose them for B for good. So each filter keeps its own position: `dlq-replay.<wire topic>` for all
 * letters, `dlq-replay.<wire topic>.<group>` for one group's. Letters of other groups are committed
 * only in the filtered replay group, and stay unread for the unfiltered one and for their own group's.
 * The cost: a letter can be replayed once per filter that selects it (first for A, later by an
 * unfiltered run). That is harmless: a replay keeps the event's `ce_id`, so every consumer group that
 * has handled it drops it as a duplicate.
 */
export function replayGroupOf(sourceWireTopic: string, consumerGroup?: string): string {
  return consumerGroup ? `dlq-replay.${sourceWireTopic}.${consumerGroup}` : `dlq-replay.${sourceWireTopic}`;
}

/** The headers of a dead letter minus the `dlq_*` ones: what the record had when it was first published. */
export function originalHeaders(headers: IHeaders | undefined): IHeaders {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !name.startsWith(DEAD_LETTER_HEADER_PREFIX)));
}

/**
 * Republishes the letters of `<topic>.dlq` to the topic they came from, with their original key,
 * value and headers (the same `ce_id`), from the replay group's committed offsets up to the end
 * offsets sampled at the start. Each letter's offset is committed only after its republish is
 * acknowledged by all in-sync replicas (idempotent producer, acks -1): a second run replays nothing
 * twice, and a run that crashes continues where it stopped (a letter republished but not yet committed
 * is republished again, and its consumers drop the duplicate). Letters of one partition are replayed in
 * order; a failed publish stops the run without committing that letter or any after it.
 */
export async function replayDeadLetters(options: ReplayDeadLettersOptions): Promise<ReplaySummary> {
  const { kafka, consumerGroup, dryRun = false, idleTimeoutMs = 60_000, log = () => undefined } = options;
  if (!(ALL_TOPICS as string[]).includes(options.topic)) {
    throw new Error(`unknown topic ${options.topic}: expected one of ${ALL_TOPICS.join(', ')} (the logical name, without namespace or .dlq)`);
  }
  const sourceTopic = wireTopic(options.topic);
  const deadLetterTopic = deadLetterTopicOf(sourceTopic);
  const replayGroup = replayGroupOf(sourceTopic, consumerGroup);
  const summary: ReplaySummary = {
    sourceTopic,
    deadLetterTopic,
    replayGroup,
    consumerGroup: consumerGroup ?? null,
    dryRun,
    scanned: 0,
    replayed: 0,
    skipped: 0,
    replayedByReason: {},
    skippedByReason: {},
    unfinishedPartitions: [],
  };

  // Where each partition starts (the group's committed offset, else the earliest kept) and must end.
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<number, bigint>(); // partition -> sampled end, for partitions with letters to read
  try {
    if (!(await admin.listTopics()).includes(deadLetterTopic)) throw new Error(`topic ${deadLetterTopic} does not exist`);
    const [described] = (await admin.describeGroups([replayGroup])).groups;
    if (described && described.members.length > 0) {
      throw new Error(`replay group ${replayGroup} has ${described.members.length} member(s): another replay of these letters is running`);
    }
    const [committed] = await admin.fetchOffsets({ groupId: replayGroup, topics: [deadLetterTopic] });
    const committedOf = new Map(committed.partitions.map((p) => [p.partition, BigInt(p.offset)]));
    for (const p of await admin.fetchTopicOffsets(deadLetterTopic)) {
      const low = BigInt(p.low);
      const at = committedOf.get(p.partition) ?? -1n;
      const start = at < low ? low : at;
      if (start < BigInt(p.high)) remaining.set(p.partition, BigInt(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  if (remaining.size === 0) return summary;

  let producer: Producer | undefined;
  if (!dryRun) {
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  }
  const consumer = kafka.consumer({ groupId: replayGroup, allowAutoTopicCreation: false });
  const replayedIds = new Set<string>();
  let failure: unknown;
  let lastActivity = Date.now();
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));

  const handle = async (partition: number, message: KafkaMessage): Promise<void> => {
    const where = `${deadLetterTopic}[${partition}]@${message.offset}`;
    const h = (name: string) => headerText(message.headers, name);
    const reason = h('dlq_reason') ?? 'unknown';
    const group = h('dlq_consumer_group');
    const source = h('dlq_source_topic');
    const id = h(CE_HEADERS.id);
    const describe = `${id ?? '(no ce_id)'} ${h(CE_HEADERS.type) ?? '(no ce_type)'} key=${message.key?.toString() ?? ''} group=${group ?? '?'} reason=${reason}`;
    summary.scanned++;
    let skip: string | undefined;
    if (consumerGroup !== undefined && group !== consumerGroup) skip = 'other-consumer-group';
    else if (UNREPLAYABLE_REASONS.includes(reason as DeadLetterReason)) skip = `unreplayable:${reason}`;
    else if (source !== sourceTopic) skip = source ? 'other-source-topic' : 'no-source-topic'; // only ever back where it came from
    else if (id !== undefined && replayedIds.has(id)) skip = 'same-event-replayed-in-this-run'; // one republish reaches every group
    if (skip) {
      summary.skipped++;
      summary.skippedByReason[skip] = (summary.skippedByReason[skip] ?? 0) + 1;
      log(`skip   ${where} ${describe} (${skip})`);
      return;
    }
    if (producer) {
      await producer.send({
        topic: sourceTopic,
        acks: -1,
        messages: [
          {
            key: message.key,
            value: message.value,
            headers: { ...originalHeaders(message.headers), [REPLAY_HEADERS.from]: where, [REPLAY_HEADERS.at]: new Date().toISOString() },
          },
        ],
      });
    }
    if (id !== undefined) replayedIds.add(id);
    summary.replayed++;
    summary.replayedByReason[reason] = (summary.replayedByReason[reason] ?? 0) + 1;
    log(`${dryRun ? 'would replay' : 'replay'} ${where} ${describe}`);
  };

  const markDone = (partition: number) => {
    if (!remaining.delete(partition)) return;
    consumer.pause([{ topic: deadLetterTopic, partitions: [partition] }]);
    if (remaining.size === 0) finish();
  };

  consumer.on(consumer.events.CRASH, (event) => {
    failure ??= event.payload.error;
    finish();
  });
  const idle = setInterval(() => {
    if (Date.now() - lastActivity > idleTimeoutMs) finish();
  }, 1_000);

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [deadLetterTopic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachMessage: async ({ partition, message }) => {
        lastActivity = Date.now();
        const end = remaining.get(partition);
        // Past the sampled end, or after a failure: leave it (uncommitted) for the next run.
        if (failure !== undefined || end === undefined) return;
        if (BigInt(message.offset) >= end) return markDone(partition);
        try {
          await handle(partition, message);
          if (!dryRun) {
            await consumer.commitOffsets([{ topic: deadLetterTopic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
          }
        } catch (error) {
          // Nothing after this letter is handled: its partition would be replayed out of order.
          failure = error;
          finish();
          return;
        }
        if (BigInt(message.offset) + 1n >= end) markDone(partition);
      },
    });
    await finished;
  } finally {
    clearInterval(idle);
    await consumer.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }
  if (failure !== undefined) {
    const error = new Error(`replay of ${deadLetterTopic} stopped: ${failure instanceof Error ? failure.message : String(failure)}`, { cause: failure });
    (error as Error & { summary?: ReplaySummary }).summary = summary;
    throw error;
  }
  summary.unfinishedPartitions = [...remaining.keys()].sort((a, b) => a - b);
  return summary;
}
