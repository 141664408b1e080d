import type { JobsOptions } from 'bullmq';

/**
 * Delayed BullMQ jobs, one per proposal, due when the proposal has waited the configured time for a
 * decision. Warning: renaming the queue strands the jobs waiting under the old name.
 */
export const REMINDER_QUEUE = 'matching-reminders';

export interface ProposalReminderJob {
  proposalId: string;
  /** When the proposal was made (ISO): the wait is measured from here */
  since: string;
}

export const reminderIdOf = (proposalId: string) => `proposal-undecided/${proposalId}`;

export const REMINDER_JOB_DEFAULTS: JobsOptions = {
  attempts: 20,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 30 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};
