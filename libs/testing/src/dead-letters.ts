import type { Kafka } from 'kafkajs';
import { ALL_DEAD_LETTER_TOPICS, ALL_TOPICS } from '@tt/contracts';
import { readKafkaAccess } from '@tt/messaging';
import { sampleEndOffsets, SERVICE_NAMES, waitForGroupCatchUp, type PartitionEnd, type ServiceName } from '@tt/ops';
import type { TestSystem } from './system';

/**
 * Records ever written to each topic: the sum of its partitions' high watermarks, read through the
 * admin client. Unlike a probe's buffer, this does not depend on how far a consumer has read.
 */
export async function highWaterMarks(kafka: Kafka, topics: string[]): Promise<Record<string, number>> {
  const marks: Record<string, number> = Object.fromEntries(topics.map((t) => [t, 0]));
  for (const e of await sampleEndOffsets(kafka, topics)) marks[e.topic] += Number(BigInt(e.end));
  return marks;
}

/** The event topics a service's consumer group reads: its Read grants in deploy/kafka/access.conf. */
export function topicsReadBy(service: ServiceName): string[] {
  return readKafkaAccess()
    .grants.filter((g) => g.principal === service && g.operation === 'Read' && g.resource === 'topic')
    .map((g) => g.name);
}

/**
 * Waits until every service's consumer group has committed up to the end of every topic it reads,
 * then samples the ends again and waits again if records arrived meanwhile (a consumer's effect can
 * be an event another one reads), until a round finds nothing new. Once it returns, everything
 * published so far has been handled, including being dead-lettered: a consumer writes the dead letter
 * before it commits past the record.
 */
export async function waitForSystemCatchUp(system: TestSystem, { timeoutMs = 120_000 }: { timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const readers = SERVICE_NAMES.map((name) => ({ group: system.group(name), topics: topicsReadBy(name).map((t) => system.topic(t)) }));
  const topics = ALL_TOPICS.map((t) => system.topic(t));
  let ends = await sampleEndOffsets(system.kafka, topics);
  for (;;) {
    await Promise.all(
      readers.map(({ group, topics: read }) =>
        waitForGroupCatchUp(system.kafka, group, read, { ends: ends.filter((e) => read.includes(e.topic)), timeoutMs: Math.max(deadline - Date.now(), 1_000) }),
      ),
    );
    const again = await sampleEndOffsets(system.kafka, topics);
    if (sameEnds(ends, again)) return;
    if (Date.now() > deadline) throw new Error(`the services' consumer groups did not settle within ${timeoutMs} ms: records kept arriving`);
    ends = again;
  }
}

function sameEnds(a: PartitionEnd[], b: PartitionEnd[]): boolean {
  const key = (ends: PartitionEnd[]) => JSON.stringify(ends.map((e) => [e.topic, e.partition, e.end]).sort());
  return key(a) === key(b);
}

/**
 * "Nothing dead-lettered", read from the broker: the dead-letter topics' high watermarks are noted
 * when the watch starts and compared, once every service's consumer group has caught up, when asked.
 */
export class DeadLetterWatch {
  private constructor(
    private readonly system: TestSystem,
    readonly topics: string[],
    readonly startMarks: Record<string, number>,
  ) {}

  /** `topics`: logical dead-letter topics (all of them by default). */
  static async start(system: TestSystem, topics: string[] = ALL_DEAD_LETTER_TOPICS): Promise<DeadLetterWatch> {
    const names = topics.map((t) => system.topic(t));
    return new DeadLetterWatch(system, names, await highWaterMarks(system.kafka, names));
  }

  /**
   * The records written to each dead-letter topic since the watch started, after every consumer group
   * caught up: only the topics with any, so `{}` means nothing was dead-lettered.
   */
  async added(options: { timeoutMs?: number } = {}): Promise<Record<string, number>> {
    await waitForSystemCatchUp(this.system, options);
    const now = await highWaterMarks(this.system.kafka, this.topics);
    return Object.fromEntries(this.topics.map((t) => [t, now[t] - this.startMarks[t]] as const).filter(([, n]) => n !== 0));
  }
}
