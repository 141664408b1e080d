import { randomUUID } from 'node:crypto';
import { EVENT_EXAMPLES, type EventType, type PayloadOf } from '@tt/contracts';
import { brokerToken, chipNeed, creditCode, MediumTier, type ApiClient } from '@tt/testing';
import { NeedsRepository } from '../src/needs/needs.repository';

/**
 * What happens to a need downstream, in the medium tier: matching's and contract-tracking's events
 * handed to intake's handlers with `tier.deliver` (the Kafka transport's owner check and dedupe). The
 * need's status follows the facts they carry (proposed → negotiating → contracted → registered, back to
 * proposed when its deal is cancelled), in whatever order they come; a redelivery is a duplicate and a
 * repeat under a new id changes nothing; an event from a service that does not own its topic is refused;
 * a withdrawn need keeps its status. Reminders raised downstream reach the need's broker through
 * `GET /reminders`, and clear when what they waited for happens (even if the clearing came first).
 */
describe('intake (medium tier): downstream events', () => {
  let tier: MediumTier;
  let broker: ApiClient;
  let enterpriseId: string;
  const park = `park-ds-${randomUUID().slice(0, 8)}`;
  const brokerId = `broker-${park}`;

  beforeAll(async () => {
    tier = await MediumTier.start({
      service: 'intake',
      appModule: async () => (await import('../src/app.module')).AppModule,
      config: async () => (await import('../src/config')).config,
    });
    broker = tier.api(await brokerToken(park, brokerId));
    const enterprise = await broker.post('/enterprises', { name: '苏州芯联微电子股份有限公司', creditCode: creditCode(), regionCode: '320506', qualifications: ['high-tech-enterprise'] });
    expect(enterprise.status).toBe(201);
    enterpriseId = enterprise.body.id;
  });

  afterAll(async () => {
    await tier?.stop();
  });

  async function captureNeed(title = '低功耗芯片联合设计'): Promise<string> {
    const res = await broker.post('/needs', chipNeed(enterpriseId, { title }));
    expect(res.status).toBe(201);
    return res.body.id;
  }

  const needOf = async (id: string) => (await broker.get(`/needs/${id}`)).body;
  const statusOf = async (id: string) => (await needOf(id)).status as string;
  const historyOf = async (id: string) => (await needOf(id)).history.map((h: { status: string }) => h.status) as string[];

  /** An event as its owner would publish it about this need: the contract's example, made this need's. */
  function about<T extends EventType>(type: T, needId: string, overrides: Partial<PayloadOf<T>> = {}) {
    const example = EVENT_EXAMPLES[type];
    return MediumTier.event(type, { ...example, needId, parkId: park, ...('brokerId' in example ? { brokerId } : {}), ...overrides } as PayloadOf<T>);
  }
  const proposed = (needId: string, proposalId = randomUUID()) =>
    about('cn.techtransfer.match.proposed.v1', needId, {
      proposals: [{ ...EVENT_EXAMPLES['cn.techtransfer.match.proposed.v1'].proposals[0], proposalId }],
      proposedAt: new Date().toISOString(),
    });
  const accepted = (needId: string, proposalId: string) => about('cn.techtransfer.match.accepted.v1', needId, { proposalId, enterpriseId, acceptedAt: new Date().toISOString() });
  const opened = (needId: string, dealId: string, proposalId: string) => about('cn.techtransfer.deal.opened.v1', needId, { dealId, proposalId, openedAt: new Date().toISOString() });
  const signed = (needId: string, dealId: string) => about('cn.techtransfer.contract.signed.v1', needId, { dealId, signedAt: new Date().toISOString() });
  const registered = (needId: string, dealId: string) => about('cn.techtransfer.contract.registered.v1', needId, { dealId, registeredAt: new Date().toISOString() });
  const cancelled = (needId: string, dealId: string) => about('cn.techtransfer.deal.cancelled.v1', needId, { dealId, cancelledAt: new Date().toISOString() });

  describe('the need’s status', () => {
    it('follows its proposals and its deal to registered, each step in its history, and closes afterwards', async () => {
      const needId = await captureNeed();
      const proposalId = randomUUID();
      const dealId = randomUUID();

      expect(await tier.deliver(proposed(needId, proposalId))).toBe('handled');
      expect(await statusOf(needId)).toBe('proposed');
      expect(await tier.deliver(accepted(needId, proposalId))).toBe('handled');
      expect(await statusOf(needId)).toBe('negotiating');
      expect(await tier.deliver(opened(needId, dealId, proposalId))).toBe('handled');
      expect(await statusOf(needId)).toBe('negotiating');
      expect(await tier.deliver(signed(needId, dealId))).toBe('handled');
      expect(await statusOf(needId)).toBe('contracted');

      // Revising is for needs not yet in negotiation; withdrawing still allowed until registered.
      const etag = (await needOf(needId)).etag;
      const revise = await broker.send('PATCH', `/needs/${needId}`, JSON.stringify({ title: '改名' }), 'application/json', { 'If-Match': etag });
      expect({ status: revise.status, currentStatus: revise.body.currentStatus }).toEqual({ status: 409, currentStatus: 'contracted' });

      expect(await tier.deliver(registered(needId, dealId))).toBe('handled');
      const need = await needOf(needId);
      expect(need.status).toBe('registered');
      expect(need.history.map((h: { status: string; cause: string }) => [h.status, h.cause])).toEqual([
        ['open', 'captured'],
        ['proposed', 'cn.techtransfer.match.proposed.v1'],
        ['negotiating', 'cn.techtransfer.match.accepted.v1'],
        ['contracted', 'cn.techtransfer.contract.signed.v1'],
        ['registered', 'cn.techtransfer.contract.registered.v1'],
      ]);
      expect((await broker.post(`/needs/${needId}/withdraw`, { reason: '太晚了' })).status).toBe(409);
      const closed = await broker.post(`/needs/${needId}/close`, { outcome: 'resolved', note: '已签订并登记技术开发合同' });
      expect(closed.status).toBe(200);
      expect(closed.body.status).toBe('closed');
      await tier.waitForPublished('cn.techtransfer.need.closed.v1', 1, (e) => e.data.needId === needId);
      await new Promise((r) => setTimeout(r, 300)); // room for a wrongly staged event to be relayed
      // A need's downstream events publish nothing of intake's own.
      expect(tier.published.filter((e) => (e.data as { needId?: string }).needId === needId).map((e) => e.type)).toEqual([
        'cn.techtransfer.need.captured.v1',
        'cn.techtransfer.need.closed.v1',
      ]);
    });

    it('goes back to proposed when its only deal is cancelled, and not when another deal stands', async () => {
      const needId = await captureNeed('芯片封装（首个合作取消）');
      const [first, second] = [randomUUID(), randomUUID()];
      const [firstDeal, secondDeal] = [randomUUID(), randomUUID()];
      for (const event of [proposed(needId, first), accepted(needId, first), opened(needId, firstDeal, first), signed(needId, firstDeal)]) {
        expect(await tier.deliver(event)).toBe('handled');
      }
      expect(await tier.deliver(cancelled(needId, firstDeal))).toBe('handled');
      expect(await historyOf(needId)).toEqual(['open', 'proposed', 'negotiating', 'contracted', 'proposed']);

      // A second proposal's deal is opened; cancelling the first again (a late copy) leaves it negotiating.
      expect(await tier.deliver(accepted(needId, second))).toBe('handled');
      expect(await tier.deliver(opened(needId, secondDeal, second))).toBe('handled');
      expect(await tier.deliver(cancelled(needId, firstDeal))).toBe('handled');
      expect(await statusOf(needId)).toBe('negotiating');
      // A cancelled deal never moves forward again: a late signature of it changes nothing.
      expect(await tier.deliver(signed(needId, firstDeal))).toBe('handled');
      expect(await statusOf(needId)).toBe('negotiating');
    });

    it('reaches the same status whatever order the match and deal topics arrive in', async () => {
      const needId = await captureNeed('乱序到达的事件');
      const proposalId = randomUUID();
      const dealId = randomUUID();
      // The deal topic overtakes the match topic: signed, then opened, then accepted, then proposed.
      for (const event of [signed(needId, dealId), opened(needId, dealId, proposalId), accepted(needId, proposalId), proposed(needId, proposalId)]) {
        expect(await tier.deliver(event)).toBe('handled');
      }
      expect(await statusOf(needId)).toBe('contracted');
      expect(await historyOf(needId)).toEqual(['open', 'contracted']);
    });

    it('counts a redelivery as a duplicate, and the same fact under a new event id changes nothing', async () => {
      const needId = await captureNeed('重复投递');
      const event = proposed(needId);
      expect(await tier.deliver(event)).toBe('handled');
      const after = await needOf(needId);
      expect(await tier.deliver(event)).toBe('duplicate');
      expect(await tier.deliver({ ...event, id: randomUUID() })).toBe('handled');
      const again = await needOf(needId);
      expect({ status: again.status, etag: again.etag, history: again.history.length }).toEqual({ status: 'proposed', etag: after.etag, history: 2 });
    });

    it('takes an open need’s first proposals in one conditional write, without reading the need; later facts read it', async () => {
      const repository = tier.app.get(NeedsRepository);
      const reads = jest.spyOn(repository, 'findForDownstream');
      try {
        const needId = await captureNeed('首批推荐，一次写入');
        const before = await needOf(needId);
        const proposalId = randomUUID();
        expect(await tier.deliver(proposed(needId, proposalId))).toBe('handled');
        expect(reads.mock.calls.filter(([id]) => id === needId)).toHaveLength(0);
        const after = await needOf(needId);
        expect({ status: after.status, history: after.history.map((h: { status: string; cause: string }) => [h.status, h.cause]) }).toEqual({
          status: 'proposed',
          history: [
            ['open', 'captured'],
            ['proposed', 'cn.techtransfer.match.proposed.v1'],
          ],
        });
        expect(after.etag).not.toBe(before.etag); // a change like any other: an If-Match on the old version now fails
        // The need has facts now: the next event about it reads them (and a repeat of the proposals changes nothing).
        expect(await tier.deliver({ ...proposed(needId), id: randomUUID() })).toBe('handled');
        expect(await tier.deliver(accepted(needId, proposalId))).toBe('handled');
        expect(reads.mock.calls.filter(([id]) => id === needId).length).toBeGreaterThanOrEqual(2);
        expect(await historyOf(needId)).toEqual(['open', 'proposed', 'negotiating']);
      } finally {
        reads.mockRestore();
      }
    });

    it('refuses an event from a service that does not own its topic, and ignores the registry’s later events', async () => {
      const needId = await captureNeed('来源不符的事件');
      await expect(tier.deliver({ ...proposed(needId), source: '/techtransfer/contract-tracking' })).rejects.toThrow(/untrusted source/);
      await expect(tier.deliver({ ...signed(needId, randomUUID()), source: '/techtransfer/matching' })).rejects.toThrow(/untrusted source/);
      expect(await tier.deliver(about('cn.techtransfer.transaction.revoked.v1', needId))).toBe('ignored');
      expect(await statusOf(needId)).toBe('open');
      expect(await historyOf(needId)).toEqual(['open']);
    });

    it('withdraws and closes without If-Match while downstream events move the need: never a 412 for a precondition not sent', async () => {
      const answers: number[] = [];
      const rounds = 12;
      for (let round = 0; round < rounds; round++) {
        const needId = await captureNeed(`与下游事件赛跑的需求 ${round}`);
        // Proposals keep arriving, one after another, while the broker's request is read and written.
        const events = Array.from({ length: 6 }, () => proposed(needId)); // fewer than the 10 tries a request makes
        const arriving = (async () => {
          for (const event of events) await tier.deliver(event);
        })();
        await new Promise((r) => setTimeout(r, 5));
        const action = round % 2 === 0 ? broker.post(`/needs/${needId}/withdraw`, { reason: '企业调整研发计划' }) : broker.post(`/needs/${needId}/close`, { outcome: 'resolved-elsewhere' });
        const [answer] = await Promise.all([action, arriving]);
        answers.push(answer.status);
        expect(await statusOf(needId)).toBe(round % 2 === 0 ? 'withdrawn' : 'closed');
      }
      expect(answers).toEqual(Array(rounds).fill(200));
      // With If-Match, a version moved by a downstream event still answers 412.
      const needId = await captureNeed('带条件的撤回');
      const etag = (await broker.get(`/needs/${needId}`)).headers.get('etag')!;
      expect(await tier.deliver(proposed(needId))).toBe('handled');
      expect((await broker.postWith(`/needs/${needId}/withdraw`, { reason: '企业调整研发计划' }, { 'If-Match': etag })).status).toBe(412);
    });

    it('keeps a withdrawn need withdrawn, and leaves unknown needs alone', async () => {
      const needId = await captureNeed('将撤回的需求');
      expect((await broker.post(`/needs/${needId}/withdraw`, { reason: '企业调整研发计划' })).status).toBe(200);
      const proposalId = randomUUID();
      const dealId = randomUUID();
      for (const event of [proposed(needId, proposalId), accepted(needId, proposalId), opened(needId, dealId, proposalId), signed(needId, dealId)]) {
        expect(await tier.deliver(event)).toBe('handled');
      }
      expect(await statusOf(needId)).toBe('withdrawn');

      const stranger = randomUUID();
      expect(await tier.deliver(proposed(stranger))).toBe('handled');
      expect(await tier.connection.collection('needs').countDocuments({ _id: stranger as never })).toBe(0);
      expect((await broker.get(`/needs/${stranger}`)).status).toBe(404);
    });
  });

  describe('reminders', () => {
    type Reminder = { id: string; kind: string; needId: string; proposalId?: string; dealId?: string; status: string; overdueSeconds: number };
    const remindersOf = async (client: ApiClient, status = 'open') => {
      const res = await client.get(`/reminders?status=${status}&pageSize=100`);
      expect(res.status).toBe(200);
      return res.body.items as Reminder[];
    };
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();

    const proposalReminder = (needId: string, proposalId: string, since = hoursAgo(3)) =>
      about('cn.techtransfer.match.reminder.v1', needId, { reminderId: `proposal-undecided/${proposalId}`, proposalId, since, waitedSeconds: 3600, raisedAt: hoursAgo(2) });
    const dealReminder = (needId: string, dealId: string) =>
      about('cn.techtransfer.deal.reminder.v1', needId, { dealId, reminderId: `deal-idle-at-intent/${dealId}`, kind: 'deal-idle-at-intent', since: hoursAgo(30), waitedSeconds: 86_400, raisedAt: hoursAgo(6) });

    it('puts a raised reminder on its broker’s overdue list, oldest due first, once however often it comes', async () => {
      const needId = await captureNeed('待跟进的需求');
      const proposalId = randomUUID();
      const dealId = randomUUID();
      const raised = proposalReminder(needId, proposalId);
      expect(await tier.deliver(raised)).toBe('handled');
      expect(await tier.deliver(raised)).toBe('duplicate');
      expect(await tier.deliver({ ...raised, id: randomUUID() })).toBe('handled');
      expect(await tier.deliver(dealReminder(needId, dealId))).toBe('handled');

      const open = (await remindersOf(broker)).filter((r) => r.needId === needId);
      // The deal's was due 6 hours ago, the proposal's 2 hours ago: the deal's comes first.
      expect(open.map((r) => [r.id, r.kind])).toEqual([
        [`deal-idle-at-intent/${dealId}`, 'deal-idle-at-intent'],
        [`proposal-undecided/${proposalId}`, 'proposal-undecided'],
      ]);
      expect(open[0]).toMatchObject({ status: 'open', dealId });
      expect(open[1]).toMatchObject({ status: 'open', proposalId });
      expect(open[1].overdueSeconds).toBeGreaterThan(3600);

      // Reminders go to the need's own broker: another broker of the park, or another park, sees none of them.
      expect((await remindersOf(tier.api(await brokerToken(park, 'broker-other')))).filter((r) => r.needId === needId)).toEqual([]);
      expect(await remindersOf(tier.api(await brokerToken(`${park}-other`, brokerId)))).toEqual([]);
    });

    it('clears a reminder when what it waited for happens, and a reminder whose clearing came first is born cleared', async () => {
      const needId = await captureNeed('决定后清除提醒');
      const [decided, rejected, early] = [randomUUID(), randomUUID(), randomUUID()];
      const dealId = randomUUID();
      for (const event of [proposalReminder(needId, decided), proposalReminder(needId, rejected), dealReminder(needId, dealId)]) expect(await tier.deliver(event)).toBe('handled');
      expect((await remindersOf(broker)).filter((r) => r.needId === needId)).toHaveLength(3);

      expect(await tier.deliver(accepted(needId, decided))).toBe('handled');
      expect(await tier.deliver(about('cn.techtransfer.match.rejected.v1', needId, { proposalId: rejected, rejectedAt: new Date().toISOString() }))).toBe('handled');
      expect(await tier.deliver(signed(needId, dealId))).toBe('handled');
      expect((await remindersOf(broker)).filter((r) => r.needId === needId)).toEqual([]);
      const cleared = (await remindersOf(broker, 'cleared')).filter((r) => r.needId === needId);
      expect(cleared.map((r) => r.id).sort()).toEqual([`deal-idle-at-intent/${dealId}`, `proposal-undecided/${decided}`, `proposal-undecided/${rejected}`].sort());

      // The decision overtook its reminder: the late reminder is born cleared.
      expect(await tier.deliver(about('cn.techtransfer.match.rejected.v1', needId, { proposalId: early, rejectedAt: new Date().toISOString() }))).toBe('handled');
      expect(await tier.deliver(proposalReminder(needId, early))).toBe('handled');
      expect((await remindersOf(broker)).filter((r) => r.needId === needId)).toEqual([]);
      expect((await remindersOf(broker, 'cleared')).map((r) => r.id)).toContain(`proposal-undecided/${early}`);
    });
  });
});
