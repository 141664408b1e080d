import { Schema } from 'mongoose';

export const REMINDER_MODEL = 'Reminder';

/**
 * A broker's reminder, as matching or contract-tracking raised it, until what it waits for happens
 * (the proposal decided, the deal signed, registered or cancelled). `_id` is the reminder id. A
 * clearing that arrives before its reminder leaves a `cleared` row, so the late reminder stays cleared.
 */
export interface Reminder {
  _id: string;
  status: 'open' | 'cleared';
  kind?: 'proposal-undecided' | 'deal-idle-at-intent' | 'deal-idle-at-signed';
  parkId?: string;
  brokerId?: string;
  needId?: string;
  proposalId?: string;
  dealId?: string;
  supplyName?: string;
  since?: Date;
  dueAt?: Date;
  raisedAt?: Date;
  clearedAt?: Date;
  clearedBy?: string;
}

export const ReminderSchema = new Schema<Reminder>(
  {
    _id: { type: String, required: true },
    status: { type: String, required: true },
    kind: { type: String },
    parkId: { type: String },
    brokerId: { type: String },
    needId: { type: String },
    proposalId: { type: String },
    dealId: { type: String },
    supplyName: { type: String },
    since: { type: Date },
    dueAt: { type: Date },
    raisedAt: { type: Date },
    clearedAt: { type: Date },
    clearedBy: { type: String },
  },
  { collection: 'reminders', versionKey: false },
);
// A broker's overdue list: open reminders, oldest due first.
ReminderSchema.index({ parkId: 1, brokerId: 1, status: 1, dueAt: 1 });
