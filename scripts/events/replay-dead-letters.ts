/**
 * Replays dead letters after the fix: republishes the letters of `<topic>.dlq` to the topic they came
 * from, with their original key, value and headers (minus `dlq_*`), so consumers handle them again
 * and those that already had drop them as duplicates (same `ce_id`).
 *
 *   npm run events:replay-dlq -- --topic techtransfer.contracts.deal.v1 [--consumer-group reporting] [--dry-run]
 *
 * Reads from its own consumer group (`dlq-replay.<wire topic>`, or `dlq-replay.<wire topic>.<group>`
 * with --consumer-group: one position per filter, see replayGroupOf in libs/messaging) up to the end
 * offsets sampled at start, and commits each letter after its republish is acknowledged: running it
 * twice replays nothing twice, and a crashed run continues where it stopped. Letters whose reason is
 * a property of the record (invalid-envelope, untrusted-source) are never republished.
 * Environment: KAFKA_BROKERS, KAFKA_TOPIC_NAMESPACE.
 */
import { parseArgs } from 'node:util';
import { ALL_TOPICS } from '@tt/contracts';
import { createKafka, replayDeadLetters, type ReplaySummary } from '@tt/messaging';

const USAGE = `usage: npm run events:replay-dlq -- --topic <${ALL_TOPICS.join('|')}> [--consumer-group <group>] [--dry-run] [--idle-timeout-ms <ms>]`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      topic: { type: 'string' },
      'consumer-group': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'idle-timeout-ms': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help || !values.topic) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const summary = await replayDeadLetters({
    kafka: createKafka('dlq-replay'),
    topic: values.topic,
    consumerGroup: values['consumer-group'],
    dryRun: values['dry-run'],
    idleTimeoutMs: values['idle-timeout-ms'] ? Number(values['idle-timeout-ms']) : undefined,
    log: (line) => console.log(line),
  });
  print(summary);
  if (summary.unfinishedPartitions.length > 0) {
    console.error(`partitions ${summary.unfinishedPartitions.join(', ')} were not read to their end (idle timeout); run again to continue`);
    return 1;
  }
  return 0;
}

function print(s: ReplaySummary): void {
  const perReason = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([reason, n]) => `${reason}: ${n}`)
      .join(', ') || '-';
  console.log(
    [
      `${s.dryRun ? 'DRY RUN (nothing published or committed): ' : ''}${s.deadLetterTopic} -> ${s.sourceTopic}`,
      `  replay group  ${s.replayGroup}${s.consumerGroup ? ` (letters of consumer group ${s.consumerGroup} only)` : ' (all letters)'}`,
      `  read          ${s.scanned}`,
      `  ${s.dryRun ? 'would replay' : 'replayed    '}  ${s.replayed}  (${perReason(s.replayedByReason)})`,
      `  skipped       ${s.skipped}  (${perReason(s.skippedByReason)})`,
    ].join('\n'),
  );
}

main().then(
  (code) => process.exit(code),
  (error: Error & { summary?: ReplaySummary }) => {
    if (error.summary) print(error.summary);
    console.error(error.message);
    if (error.summary) console.error('letters before the failure are committed; run again to continue from the one that failed');
    process.exit(1);
  },
);
