import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { inJobSpan } from '@tt/observability';
import { NEED_IMPORT_QUEUE, type NeedImportJob } from './need-import.queue';
import { NeedImportsService } from './need-imports.service';
import { MAX_STALLED_COUNT } from '@tt/platform';

/** Imports one uploaded form per job, one at a time per instance; BullMQ retries a failed or stalled job. */
@Processor(NEED_IMPORT_QUEUE, { concurrency: 1, lockDuration: 60_000, stalledInterval: 15_000, maxStalledCount: MAX_STALLED_COUNT })
export class NeedImportProcessor extends WorkerHost {
  constructor(private readonly imports: NeedImportsService) {
    super();
  }

  async process(job: Job<NeedImportJob>): Promise<void> {
    await inJobSpan(NEED_IMPORT_QUEUE, job, () => this.imports.process(job.data.importId));
  }

  /** Out of attempts: the import says so, rather than staying `running` forever. */
  @OnWorkerEvent('failed')
  async onFailed(job: Job<NeedImportJob> | undefined, error: Error) {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) await this.imports.markFailed(job.data.importId, error.message);
  }
}
