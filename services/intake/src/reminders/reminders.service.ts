import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { PayloadOf } from '@tt/contracts';
import { upsertOnce } from '@tt/store';
import { REMINDER_MODEL, type Reminder } from './reminder.schema';

type Raised = PayloadOf<'cn.techtransfer.match.reminder.v1'> | PayloadOf<'cn.techtransfer.deal.reminder.v1'>;

/** Each broker's overdue list (待跟进), kept from the reminders matching and contract-tracking raise. */
@Injectable()
export class RemindersService {
  constructor(@InjectModel(REMINDER_MODEL) private readonly reminders: Model<Reminder>) {}

  /** Insert-if-absent: a redelivery changes nothing, and a reminder already cleared stays cleared. */
  async raised(e: Raised): Promise<void> {
    const since = new Date(e.since);
    const row = {
      kind: e.kind,
      parkId: e.parkId,
      brokerId: e.brokerId,
      needId: e.needId,
      ...('proposalId' in e ? { proposalId: e.proposalId, supplyName: e.supplyName } : { dealId: e.dealId }),
      since,
      dueAt: new Date(since.getTime() + e.waitedSeconds * 1000),
      raisedAt: new Date(e.raisedAt),
    };
    await upsertOnce(this.reminders.updateOne({ _id: e.reminderId }, { $setOnInsert: { status: 'open' }, $set: row }, { upsert: true }).exec());
  }

  /** What the reminders waited for happened: they are cleared (or will be born cleared). */
  async clear(reminderIds: string[], cause: string, at: string): Promise<void> {
    for (const _id of reminderIds) {
      await upsertOnce(this.reminders.updateOne({ _id }, { $set: { status: 'cleared', clearedAt: new Date(at), clearedBy: cause } }, { upsert: true }).exec());
    }
  }

  async list(parkId: string, brokerId: string, status: 'open' | 'cleared', page: number, pageSize: number) {
    const filter = { parkId, brokerId, status, kind: { $exists: true } };
    const [items, total] = await Promise.all([
      this.reminders.find(filter).sort({ dueAt: 1, _id: 1 }).skip((page - 1) * pageSize).limit(pageSize).lean().exec(),
      this.reminders.countDocuments(filter).exec(),
    ]);
    const now = Date.now();
    return {
      items: items.map(({ _id, ...rest }) => ({ id: _id, ...rest, overdueSeconds: rest.dueAt ? Math.max(0, Math.round((now - rest.dueAt.getTime()) / 1000)) : 0 })),
      page,
      pageSize,
      total,
    };
  }
}

export const proposalReminderId = (proposalId: string) => `proposal-undecided/${proposalId}`;
export const dealReminderIds = (dealId: string, stages: ('intent' | 'signed')[]) => stages.map((s) => `deal-idle-at-${s}/${dealId}`);
