import type { Admin, Kafka } from 'kafkajs';

/** One partition's offsets, sampled once: `end` is the high watermark, `low` the earliest offset still kept. */
export interface PartitionEnd {
  topic: string;
  partition: number;
  low: string;
  end: string;
}

/** How far a consumer group has got on one partition, against a sampled end. */
export interface PartitionProgress extends PartitionEnd {
  /** The group's committed offset (the next offset it will read), null when it has committed none. */
  committed: string | null;
  /** Records between the committed offset (or the earliest kept one) and the sampled end. */
  lag: number;
  done: boolean;
}

/** The end offsets of every partition of `topics` now: what "caught up" means for a later wait. */
export async function sampleEndOffsets(kafka: Kafka, topics: string[]): Promise<PartitionEnd[]> {
  return withAdmin(kafka, (admin) => sampleWith(admin, topics));
}

/**
 * A consumer group's committed offsets against `ends`. A partition is done when the group has
 * committed up to its end, or when there is nothing to read in it: end offset 0, or every record
 * before the end already removed by retention (a group never commits on a partition it had nothing
 * to read from).
 */
export async function groupProgress(kafka: Kafka, groupId: string, ends: PartitionEnd[]): Promise<PartitionProgress[]> {
  return withAdmin(kafka, (admin) => progressWith(admin, groupId, ends));
}

export interface CatchUpOptions {
  /** Give up after this long (default 120 s) with the partitions still behind in the error. */
  timeoutMs?: number;
  intervalMs?: number;
  /** Offsets sampled earlier (e.g. before the consumer started); sampled at the call otherwise. */
  ends?: PartitionEnd[];
  /** Called after each poll; throwing from it aborts the wait (e.g. when the consumer's process died). */
  onPoll?: (progress: PartitionProgress[]) => void | Promise<void>;
}

/**
 * Waits until `groupId`'s committed offsets reach the end offsets of `topics` on every partition.
 * Committed offsets, not consumed ones: a consumer that commits after its effect is stored (as
 * `KafkaEventTransport` does) has then stored the effect of every record before the ends.
 */
export async function waitForGroupCatchUp(kafka: Kafka, groupId: string, topics: string[], options: CatchUpOptions = {}): Promise<PartitionProgress[]> {
  const { timeoutMs = 120_000, intervalMs = 500, onPoll } = options;
  return withAdmin(kafka, async (admin) => {
    const ends = options.ends ?? (await sampleWith(admin, topics));
    const deadline = Date.now() + timeoutMs;
    let last: PartitionProgress[] | undefined;
    let lastError: unknown;
    for (;;) {
      try {
        last = await progressWith(admin, groupId, ends);
        lastError = undefined;
      } catch (error) {
        lastError = error; // the broker is briefly away: poll again
      }
      if (last) {
        await onPoll?.(last);
        if (last.every((p) => p.done)) return last;
      }
      if (Date.now() > deadline) {
        const behind = (last ?? []).filter((p) => !p.done).map((p) => `${p.topic}[${p.partition}] at ${p.committed ?? 'none'} of ${p.end}`);
        throw new Error(`group ${groupId} did not catch up within ${timeoutMs} ms: ${behind.join(', ') || 'no progress read'}${lastError ? `; last error: ${String(lastError)}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  });
}

async function sampleWith(admin: Admin, topics: string[]): Promise<PartitionEnd[]> {
  const ends: PartitionEnd[] = [];
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) ends.push({ topic, partition: p.partition, low: p.low, end: p.high });
  }
  return ends;
}

async function progressWith(admin: Admin, groupId: string, ends: PartitionEnd[]): Promise<PartitionProgress[]> {
  const topics = [...new Set(ends.map((e) => e.topic))];
  const committed = new Map<string, string>();
  for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) {
    for (const p of partitions) if (BigInt(p.offset) >= 0n) committed.set(`${topic}/${p.partition}`, p.offset);
  }
  return ends.map((e) => {
    const at = committed.get(`${e.topic}/${e.partition}`) ?? null;
    const from = at === null || BigInt(at) < BigInt(e.low) ? BigInt(e.low) : BigInt(at);
    const lag = BigInt(e.end) > from ? Number(BigInt(e.end) - from) : 0;
    return { ...e, committed: at, lag, done: lag === 0 };
  });
}

async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}
