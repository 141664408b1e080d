import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { headerText } from '@tt/messaging';

export interface ReceivedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string | undefined>;
  /** When this subscriber received the record (ms since the epoch). */
  receivedAt: number;
}

/**
 * Reads a topic the way an analyst's subscriber would: its own consumer group, from the beginning,
 * plain kafkajs. Collects every record for the test to inspect.
 */
export class KafkaProbe {
  readonly records: ReceivedRecord[] = [];
  private constructor(private readonly consumer: ReturnType<Kafka['consumer']>) {}

  static async start(kafka: Kafka, topics: string[]): Promise<KafkaProbe> {
    const consumer = kafka.consumer({ groupId: `probe-${randomUUID()}` });
    const probe = new KafkaProbe(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        probe.records.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers: flatten(message.headers),
          receivedAt: Date.now(),
        });
      },
    });
    return probe;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

function flatten(headers: IHeaders | undefined): Record<string, string | undefined> {
  return Object.fromEntries(Object.keys(headers ?? {}).map((name) => [name, headerText(headers, name)]));
}
