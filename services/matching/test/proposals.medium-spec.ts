import { randomUUID } from 'node:crypto';
import { EVENT_EXAMPLES, type PayloadOf, type SupplyKind } from '@tt/contracts';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { analystToken, brokerToken, eventually, MediumTier, type ApiClient, type ApiResponse } from '@tt/testing';
import { catalogueWindowOf, SCORING_QUEUE, scoringJobId } from '../src/proposals/scoring.queue';

/**
 * Matching's proposals in the medium tier: its Nest modules with the platform's HTTP edge, on the real
 * MongoDB-wire server and Redis (scoring runs in the BullMQ job, on the sample catalogue), Kafka replaced
 * by the captured outbox and `tier.deliver`. Proven here: a need captured is scored into ranked,
 * explained proposals and one match proposed, however often its event comes; a revision is scored
 * again, a late older revision changes nothing; a proposal is accepted or rejected once (409 after),
 * each decision one event; a need of another park is invisible (404); a withdrawn need accepts nothing;
 * a proposal left undecided raises one reminder.
 */
type Reason = { kind: string; detail: string; contribution: number; parts?: { label: string; contribution: number }[] };
type Proposal = { proposalId: string; supplyId: string; supplyKind: SupplyKind; supplyName: string; score: number; rank: number; status: string; modelVersion: string; reasons: Reason[] };

/** The kinds that may answer each category used here (src/scoring/kind-rules.ts), written out again on purpose. */
const ANSWERING_KINDS: Record<string, SupplyKind[]> = {
  'tech-breakthrough': ['institution', 'expert', 'achievement'],
  'achievement-transfer': ['achievement', 'institution', 'expert', 'service-agency'],
};

describe('matching (medium tier): proposals', () => {
  let tier: MediumTier;
  let broker: ApiClient;
  let otherPark: ApiClient;
  const park = `park-mt-${randomUUID().slice(0, 8)}`;
  const brokerId = `broker-${park}`;

  beforeAll(async () => {
    tier = await MediumTier.start({
      service: 'matching',
      appModule: async () => (await import('../src/app.module')).AppModule,
      config: async () => (await import('../src/config')).config,
      // A proposal left undecided is reminded of after two seconds, so the reminder path runs here.
      env: { PROPOSAL_IDLE_AFTER: '2s', CATALOGUE_RESCORE_WINDOW: '1s' },
    });
    broker = tier.api(await brokerToken(park, brokerId));
    otherPark = tier.api(await brokerToken(`${park}-other`));
  });

  afterAll(async () => {
    await tier?.stop();
  });

  /** Need captured, as intake publishes it: the chip design need of the broker requests, in this park. */
  const captured = (overrides: Partial<PayloadOf<'cn.techtransfer.need.captured.v1'>> = {}) =>
    MediumTier.event('cn.techtransfer.need.captured.v1', {
      ...EVENT_EXAMPLES['cn.techtransfer.need.captured.v1'],
      needId: randomUUID(),
      enterpriseId: randomUUID(),
      enterpriseName: '苏州芯联微电子股份有限公司',
      parkId: park,
      brokerId,
      regionCode: '320506',
      industryCode: 'C3973',
      title: '年产300万颗物联网芯片的低功耗芯片设计',
      description: '企业为上市公司，需要面向物联网终端的低功耗芯片设计能力，年需求约300万颗芯片，希望与中国科学院相关院所联合开展芯片设计与流片验证。',
      category: 'tech-breakthrough',
      technicalField: 'electronic-information',
      keywords: ['芯片设计', '低功耗', '集成电路'],
      budgetMinFen: 100_000_000,
      budgetMaxFen: 500_000_000,
      cooperationModes: ['joint-development'],
      capturedAt: new Date().toISOString(),
      ...overrides,
    });

  const proposalsOf = (client: ApiClient, needId: string) => client.get(`/needs/${needId}/proposals`);

  /** Waits for the need's proposals (of a revision, when given) as the broker reads them. */
  async function awaitProposals(needId: string, revision = 0) {
    const res = await eventually(
      () => proposalsOf(broker, needId),
      (r) => r.status === 200 && r.body.status === 'proposed' && r.body.revision === revision,
      { timeoutMs: 30_000, what: `proposals of need ${needId} at revision ${revision}` },
    );
    return res.body as { needId: string; revision: number; modelVersion: string; ended?: string; proposals: Proposal[] };
  }

  async function scoredNeed(overrides: Partial<PayloadOf<'cn.techtransfer.need.captured.v1'>> = {}) {
    const event = captured(overrides);
    expect(await tier.deliver(event)).toBe('handled');
    const { proposals } = await awaitProposals(event.data.needId);
    expect(proposals.length).toBeGreaterThan(0);
    return { needId: event.data.needId, event, proposals };
  }

  const matchEventsOf = <T extends 'cn.techtransfer.match.proposed.v1' | 'cn.techtransfer.match.accepted.v1' | 'cn.techtransfer.match.rejected.v1'>(type: T, needId: string) =>
    tier.publishedOf(type).filter((e) => (e.data as { needId: string }).needId === needId);
  /** Room for a wrongly staged second event to be relayed, before asserting that none was. */
  const settle = () => new Promise((r) => setTimeout(r, 300));

  function expectExplained(p: Proposal) {
    expect(p.reasons.map((r) => r.kind)).toEqual(expect.arrayContaining(['kind', 'terms']));
    expect(p.reasons.find((r) => r.kind === 'kind')!.detail).toMatch(/需求 → /);
    // The reasons' contributions add up to the score, and the terms' parts to the terms' contribution.
    expect(Math.abs(p.reasons.reduce((s, r) => s + r.contribution, 0) - p.score)).toBeLessThanOrEqual(1e-4 * p.reasons.length);
    const terms = p.reasons.find((r) => r.kind === 'terms')!;
    expect(terms.parts!.length).toBeGreaterThan(0);
    expect(Math.abs(terms.parts!.reduce((s, x) => s + x.contribution, 0) - terms.contribution)).toBeLessThanOrEqual(1e-4);
  }

  function expectProblem(res: ApiResponse, status: number, type?: string) {
    expect({ status: res.status, contentType: res.headers.get('content-type'), body: res.body }).toMatchObject({
      status,
      contentType: expect.stringContaining('application/problem+json'),
      body: { status, ...(type ? { type } : {}) },
    });
  }

  it('scores a captured need in the scoring job: ranked proposals of the kinds that can answer, each explained, and one match proposed', async () => {
    const event = captured();
    const needId = event.data.needId;
    expect(await tier.deliver(event)).toBe('handled');
    const list = await awaitProposals(needId);
    const { proposals } = list;
    expect(proposals.length).toBeGreaterThan(0);
    expect(proposals.length).toBeLessThanOrEqual(5);
    expect(proposals[0].supplyId).toBe('inst-0001'); // the CAS chip design platform, on the sample catalogue
    expect(proposals.map((p) => p.rank)).toEqual(proposals.map((_, i) => i + 1));
    expect(proposals.map((p) => p.score)).toEqual([...proposals.map((p) => p.score)].sort((a, b) => b - a));
    for (const p of proposals) {
      expect(ANSWERING_KINDS['tech-breakthrough']).toContain(p.supplyKind);
      expect(p).toMatchObject({ status: 'proposed', modelVersion: list.modelVersion });
      expect(p.score).toBeGreaterThanOrEqual(0.12);
      expectExplained(p);
    }

    const [published] = await tier.waitForPublished('cn.techtransfer.match.proposed.v1', 1, (e) => e.data.needId === needId);
    expect(published.source).toBe('/techtransfer/matching');
    expect(published.data).toMatchObject({ needId, parkId: park, modelVersion: list.modelVersion });
    expect(published.data.proposals.map((p) => [p.proposalId, p.supplyId, p.rank])).toEqual(proposals.map((p) => [p.proposalId, p.supplyId, p.rank]));

    // Redelivered, or sent again under a new id: still one run, one match proposed.
    expect(await tier.deliver(event)).toBe('duplicate');
    expect(await tier.deliver({ ...event, id: randomUUID() })).toBe('handled');
    await settle();
    expect(matchEventsOf('cn.techtransfer.match.proposed.v1', needId)).toHaveLength(1);
    expect((await awaitProposals(needId)).proposals.map((p) => p.proposalId)).toEqual(proposals.map((p) => p.proposalId));
  });

  it('follows the catalogue itself only when its window’s fan-out has begun: a quiet catalogue costs no second scoring', async () => {
    const scoring = tier.app.get<Queue>(getQueueToken(SCORING_QUEUE));
    const fanouts = tier.connection.collection<{ _id: number; startedAt?: Date }>('catalogue_fanouts');
    const windowMs = 1_000; // CATALOGUE_RESCORE_WINDOW above
    const windowsAround = (from: number, to: number) => Array.from({ length: Math.ceil((to - from) / windowMs) + 5 }, (_, i) => catalogueWindowOf(new Date(from), windowMs) + (i - 2) * windowMs);
    const ownJobs = async (needId: string, windows: number[]) => (await Promise.all(windows.map((w) => scoring.getJob(scoringJobId(needId, 0, { window: w }))))).filter(Boolean);

    // No fan-out of the window has begun: a change later in it will fan out to this need, which is open.
    const quietFrom = Date.now();
    const quiet = await scoredNeed();
    await settle(); // the job follows the catalogue just after its proposals are written
    expect(await ownJobs(quiet.needId, windowsAround(quietFrom, Date.now()))).toEqual([]);

    // A fan-out of the window has begun (perhaps read past this need): the need follows the window itself.
    const busyFrom = Date.now();
    const marked = windowsAround(busyFrom, busyFrom + 60_000);
    await fanouts.insertMany(marked.map((w) => ({ _id: w, startedAt: new Date() })));
    try {
      const busy = await scoredNeed();
      await eventually(() => ownJobs(busy.needId, marked), (jobs) => jobs.length === 1, { timeoutMs: 10_000, what: 'the need’s own job for its window' });
    } finally {
      await fanouts.deleteMany({ _id: { $in: marked } });
    }
  });

  it('refuses a need event from a service that does not own the need topic', async () => {
    const event = captured();
    await expect(tier.deliver({ ...event, source: '/techtransfer/matching' })).rejects.toThrow(/untrusted source/);
    expect((await proposalsOf(broker, event.data.needId)).status).toBe(404);
  });

  it('scores a revision again, with its own match proposed, and a late older revision changes nothing', async () => {
    const { needId, proposals: first } = await scoredNeed({ title: '低功耗芯片设计（待修订）' });
    const revision = (n: number, overrides: Partial<PayloadOf<'cn.techtransfer.need.revised.v1'>> = {}) =>
      MediumTier.event('cn.techtransfer.need.revised.v1', {
        ...EVENT_EXAMPLES['cn.techtransfer.need.revised.v1'],
        needId,
        parkId: park,
        brokerId,
        revision: n,
        enterpriseName: '苏州芯联微电子股份有限公司',
        regionCode: '320506',
        category: 'achievement-transfer',
        title: '想引进退役动力电池回收技术',
        description: '公司做电池材料，想买一项成熟的废旧锂电池回收再生技术，明年就要上线。',
        technicalField: 'new-energy',
        keywords: [],
        cooperationModes: ['transfer'],
        revisedAt: new Date().toISOString(),
        ...overrides,
      });

    const second = revision(2);
    expect(await tier.deliver(second)).toBe('handled');
    const revised = await awaitProposals(needId, 2);
    expect(revised.proposals[0].supplyId).toBe('ach-0014'); // the battery recycling achievement, not the chip platforms
    for (const p of revised.proposals) {
      expect(ANSWERING_KINDS['achievement-transfer']).toContain(p.supplyKind);
      expectExplained(p);
    }
    expect(revised.proposals.map((p) => p.supplyId)).not.toEqual(first.map((p) => p.supplyId));
    const runs = await tier.waitForPublished('cn.techtransfer.match.proposed.v1', 2, (e) => e.data.needId === needId);
    expect(runs[1].data.proposals.map((p) => p.proposalId)).toEqual(revised.proposals.map((p) => p.proposalId));

    // Redelivered: a duplicate; an older revision arriving late is not applied nor scored.
    expect(await tier.deliver(second)).toBe('duplicate');
    expect(await tier.deliver(revision(1, { title: '过时的修订', category: 'tech-breakthrough', technicalField: 'electronic-information' }))).toBe('handled');
    await settle();
    const after = await proposalsOf(broker, needId);
    expect({ revision: after.body.revision, top: after.body.proposals[0].supplyId }).toEqual({ revision: 2, top: 'ach-0014' });
    expect(matchEventsOf('cn.techtransfer.match.proposed.v1', needId).filter((e) => e.data.proposals.some((p) => p.supplyId === 'inst-0001'))).toHaveLength(1); // revision 0's only

    // A proposal the re-score dropped is no longer offered: accepting it is a 409, and nothing is published.
    const current = new Set(after.body.proposals.map((p: { proposalId: string }) => p.proposalId));
    const dropped = first.find((p) => !current.has(p.proposalId))!;
    expect(dropped).toBeDefined();
    const refused = await broker.post(`/proposals/${dropped.proposalId}/accept`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ proposalStatus: 'superseded' });
    expect(matchEventsOf('cn.techtransfer.match.accepted.v1', needId)).toHaveLength(0);
  });

  it('accepts a proposal once: match accepted published with what contract-tracking needs, and a second decision is a 409', async () => {
    const { needId, event, proposals } = await scoredNeed({ title: '车规芯片联合设计' });
    const [chosen] = proposals;
    const accepted = await broker.post(`/proposals/${chosen.proposalId}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ proposalId: chosen.proposalId, status: 'accepted', decidedBy: brokerId });

    const [published] = await tier.waitForPublished('cn.techtransfer.match.accepted.v1', 1, (e) => e.data.proposalId === chosen.proposalId);
    expect(published.data).toMatchObject({
      needId,
      proposalId: chosen.proposalId,
      parkId: park,
      brokerId,
      enterpriseId: event.data.enterpriseId,
      enterpriseName: '苏州芯联微电子股份有限公司',
      regionCode: '320506',
      technicalField: 'electronic-information',
      supplyId: chosen.supplyId,
      supplyKind: chosen.supplyKind,
      supplyName: chosen.supplyName,
      score: chosen.score,
    });

    const again = await broker.post(`/proposals/${chosen.proposalId}/accept`);
    expectProblem(again, 409, '/problems/conflict');
    expect(again.body.currentStatus).toBe('accepted');
    const rejectAfter = await broker.post(`/proposals/${chosen.proposalId}/reject`, { reasonCode: 'other' });
    expectProblem(rejectAfter, 409);
    expect(rejectAfter.body.currentStatus).toBe('accepted');
    await settle();
    expect(matchEventsOf('cn.techtransfer.match.accepted.v1', needId)).toHaveLength(1);
    expect(matchEventsOf('cn.techtransfer.match.rejected.v1', needId)).toHaveLength(0);
    expect((await proposalsOf(broker, needId)).body.proposals.find((p: Proposal) => p.proposalId === chosen.proposalId).status).toBe('accepted');
  });

  it('answers an accept retried with its Idempotency-Key with the first answer, publishing once', async () => {
    const { needId, proposals } = await scoredNeed({ title: '重试采纳的需求' });
    const key = `accept-${randomUUID()}`;
    const first = await broker.postWith(`/proposals/${proposals[0].proposalId}/accept`, {}, { 'Idempotency-Key': key });
    expect(first.status).toBe(200);
    const retried = await broker.postWith(`/proposals/${proposals[0].proposalId}/accept`, {}, { 'Idempotency-Key': key });
    expect({ status: retried.status, replayed: retried.headers.get('idempotent-replayed') }).toEqual({ status: 200, replayed: 'true' });
    expect(retried.body).toEqual(first.body);
    await tier.waitForPublished('cn.techtransfer.match.accepted.v1', 1, (e) => e.data.needId === needId);
    await settle();
    expect(matchEventsOf('cn.techtransfer.match.accepted.v1', needId)).toHaveLength(1);
  });

  it('rejects with a reason code (the words default to its label), once, and refuses a rejection without a known code', async () => {
    const { needId, proposals } = await scoredNeed({ title: '被拒绝的提议' });
    const [worded, coded] = proposals;
    const missing = await broker.post(`/proposals/${worded.proposalId}/reject`, { reason: '不合适' });
    expectProblem(missing, 400, '/problems/validation');
    expect(missing.body.errors).toEqual([expect.objectContaining({ pointer: '/reasonCode' })]);
    const unknown = await broker.post(`/proposals/${worded.proposalId}/reject`, { reasonCode: 'too-ugly' });
    expectProblem(unknown, 400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ pointer: '/reasonCode' })]);
    expect((await proposalsOf(broker, needId)).body.proposals[0].status).toBe('proposed');

    const rejected = await broker.post(`/proposals/${worded.proposalId}/reject`, { reasonCode: 'wrong-field', reason: '企业要的是模拟芯片，不是数字SoC' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', rejectionCode: 'wrong-field', rejectionReason: '企业要的是模拟芯片，不是数字SoC', decidedBy: brokerId });
    expect((await broker.post(`/proposals/${coded.proposalId}/reject`, { reasonCode: 'too-far' })).body).toMatchObject({ status: 'rejected', rejectionReason: '距离太远' });
    expectProblem(await broker.post(`/proposals/${worded.proposalId}/accept`), 409);

    const events = await tier.waitForPublished('cn.techtransfer.match.rejected.v1', 2, (e) => e.data.needId === needId);
    expect(events.map((e) => [e.data.proposalId, e.data.reasonCode, e.data.reason])).toEqual([
      [worded.proposalId, 'wrong-field', '企业要的是模拟芯片，不是数字SoC'],
      [coded.proposalId, 'too-far', '距离太远'],
    ]);
    await settle();
    expect(matchEventsOf('cn.techtransfer.match.rejected.v1', needId)).toHaveLength(2);
    expect(matchEventsOf('cn.techtransfer.match.accepted.v1', needId)).toHaveLength(0);
  });

  it('keeps a need of another park out of sight: 404 for its proposals and for deciding on them', async () => {
    const { needId, proposals } = await scoredNeed({ title: '本园区的需求' });
    expectProblem(await proposalsOf(otherPark, needId), 404, '/problems/not-found');
    expectProblem(await otherPark.post(`/proposals/${proposals[0].proposalId}/accept`), 404);
    expectProblem(await otherPark.post(`/proposals/${proposals[0].proposalId}/reject`, { reasonCode: 'other' }), 404);
    expectProblem(await proposalsOf(broker, randomUUID()), 404); // a need matching never heard of
    expectProblem(await proposalsOf(broker, 'not-a-uuid'), 400);
    await settle();
    expect(matchEventsOf('cn.techtransfer.match.accepted.v1', needId)).toHaveLength(0);
    expect((await proposalsOf(broker, needId)).body.proposals.every((p: Proposal) => p.status === 'proposed')).toBe(true);
  });

  it('lets analysts, not brokers, read how each model version’s proposals were received, decisions counted as made', async () => {
    const analyst = tier.api(await analystToken());
    expectProblem(await broker.get('/proposals/acceptance'), 403, '/problems/forbidden');
    expectProblem(await analyst.get(`/needs/${randomUUID()}/proposals`), 403);
    const versionIn = async (modelVersion: string) => {
      const stats = await analyst.get('/proposals/acceptance');
      expect(stats.status).toBe(200);
      return (stats.body.items.find((v: { modelVersion: string }) => v.modelVersion === modelVersion) ?? { proposed: 0, accepted: 0, rejected: 0, rejectionsByReason: {} }) as {
        proposed: number;
        accepted: number;
        rejected: number;
        rejectionsByReason: Record<string, number>;
      };
    };
    const { proposals } = await scoredNeed({ title: '统计用的需求' });
    const before = await versionIn(proposals[0].modelVersion);
    expect((await broker.post(`/proposals/${proposals[0].proposalId}/accept`)).status).toBe(200);
    expect((await broker.post(`/proposals/${proposals[1].proposalId}/reject`, { reasonCode: 'already-tried' })).status).toBe(200);
    const after = await versionIn(proposals[0].modelVersion);
    // (Not `proposed`: a need is rescored in the background a window after its run, and new decisions may reorder it.)
    expect({
      accepted: after.accepted - before.accepted,
      rejected: after.rejected - before.rejected,
      alreadyTried: (after.rejectionsByReason['already-tried'] ?? 0) - (before.rejectionsByReason['already-tried'] ?? 0),
    }).toEqual({ accepted: 1, rejected: 1, alreadyTried: 1 });
  });

  it('accepts nothing for a withdrawn need, and scores a closed need no more', async () => {
    const { needId, proposals } = await scoredNeed({ title: '将撤回的需求' });
    const withdrawn = MediumTier.event('cn.techtransfer.need.withdrawn.v1', { needId, parkId: park, brokerId, reason: '企业调整研发计划', withdrawnAt: new Date().toISOString() });
    expect(await tier.deliver(withdrawn)).toBe('handled');
    const refused = await broker.post(`/proposals/${proposals[0].proposalId}/accept`);
    expectProblem(refused, 409);
    expect(refused.body.needStatus).toBe('withdrawn');
    expect((await proposalsOf(broker, needId)).body.ended).toBe('withdrawn');

    const { needId: closedId } = await scoredNeed({ title: '已关闭的需求' });
    await tier.waitForPublished('cn.techtransfer.match.proposed.v1', 1, (e) => e.data.needId === closedId);
    const closed = MediumTier.event('cn.techtransfer.need.closed.v1', { needId: closedId, parkId: park, brokerId, outcome: 'resolved-elsewhere', closedAt: new Date().toISOString() });
    expect(await tier.deliver(closed)).toBe('handled');
    // A revision after the closure is neither applied nor scored.
    const revised = MediumTier.event('cn.techtransfer.need.revised.v1', {
      ...EVENT_EXAMPLES['cn.techtransfer.need.revised.v1'],
      needId: closedId,
      parkId: park,
      brokerId,
      revision: 1,
      revisedAt: new Date().toISOString(),
    });
    expect(await tier.deliver(revised)).toBe('handled');
    await settle();
    const list = await proposalsOf(broker, closedId);
    expect(list.body).toMatchObject({ ended: 'closed', revision: 0 });
    expect(matchEventsOf('cn.techtransfer.match.proposed.v1', closedId)).toHaveLength(1);
  });

  it('reminds the broker once of a proposal left undecided, and not of one decided in time', async () => {
    const { needId, proposals } = await scoredNeed({ title: '待决定的提议' });
    const [decided, idle] = proposals;
    await tier.waitForPublished('cn.techtransfer.match.proposed.v1', 1, (e) => e.data.needId === needId);
    expect((await broker.post(`/proposals/${decided.proposalId}/accept`)).status).toBe(200);
    // Matching schedules reminders from its own match proposed events, which Kafka would bring back to it.
    for (const run of matchEventsOf('cn.techtransfer.match.proposed.v1', needId)) expect(await tier.deliver(run)).toBe('handled');
    const reminders = await eventually(
      async () => tier.publishedOf('cn.techtransfer.match.reminder.v1').filter((e) => e.data.needId === needId),
      (found) => found.length >= proposals.length - 1,
      { timeoutMs: 20_000, what: 'a reminder per undecided proposal' },
    );
    expect(reminders.map((e) => e.data.proposalId).sort()).toEqual(proposals.slice(1).map((p) => p.proposalId).sort());
    expect(reminders.find((e) => e.data.proposalId === idle.proposalId)!.data).toMatchObject({
      reminderId: `proposal-undecided/${idle.proposalId}`,
      kind: 'proposal-undecided',
      parkId: park,
      brokerId,
      supplyId: idle.supplyId,
      waitedSeconds: 2,
    });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(tier.publishedOf('cn.techtransfer.match.reminder.v1').filter((e) => e.data.needId === needId)).toHaveLength(proposals.length - 1);
  });
});
