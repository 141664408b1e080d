import mongoose, { type Connection, type Model } from 'mongoose';
import type { EventOutbox } from '@tt/messaging';
import { MATCH_RUN_MODEL, MatchRunSchema, PROPOSAL_MODEL, ProposalSchema, type MatchRun, type Proposal } from './proposal.schema';
import { ProposalsRepository } from './proposals.repository';

/**
 * The broker feedback the ranking reads, on the real MongoDB-wire server: decisions made before the
 * feedback documents were kept are added once, at start, from the decided proposals (newest kept,
 * oldest first, undecided ones left out); a second start reads nothing and changes nothing.
 */
describe('broker feedback seeded from earlier decisions', () => {
  const database = `t_${Date.now().toString(36)}_feedback`;
  const mongoUrl = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false';
  let store: Connection;
  let proposals: Model<Proposal>;
  let repository: ProposalsRepository;

  beforeAll(async () => {
    store = await mongoose.createConnection(mongoUrl, { dbName: database }).asPromise();
    proposals = store.model<Proposal>(PROPOSAL_MODEL, ProposalSchema.clone());
    const runs = store.model<MatchRun>(MATCH_RUN_MODEL, MatchRunSchema.clone());
    repository = new ProposalsRepository(runs, proposals, {} as EventOutbox);
    // The models build their indexes in the background; the local store can fail an insert racing that
    // ("Unknown error: null", seen here), so the test writes only once they are built.
    await Promise.all([proposals.init(), runs.init()]);
  });

  afterAll(async () => {
    await store?.dropDatabase().catch(() => undefined);
    await store?.close();
  });

  const proposal = (id: string, supplyId: string, status: Proposal['status'], decidedAt: Date | undefined, field = '电子信息'): Partial<Proposal> & { _id: string } => ({
    _id: id,
    needId: `need-${id}`,
    parkId: 'park-a',
    rank: 1,
    supplyId,
    supplyKind: 'institution',
    supplyName: supplyId,
    score: 0.5,
    reasons: [{ kind: 'terms', terms: ['芯片', id] } as never],
    status,
    ...(status === 'rejected' ? { rejectionCode: 'too-expensive' as never } : {}),
    ...(decidedAt ? { decidedAt } : {}),
    needCategory: 'rd-problem' as never,
    needField: field as never,
    modelVersion: 'test',
    outbox: [],
  });

  it('adds the earlier decisions once, newest kept, and leaves them alone at the next start', async () => {
    await proposals.collection.insertMany([
      proposal('p1', 'lab-1', 'accepted', new Date('2026-01-01')),
      proposal('p2', 'lab-2', 'rejected', new Date('2026-02-01')),
      proposal('p3', 'lab-3', 'accepted', new Date('2026-03-01')),
      proposal('p4', 'lab-4', 'proposed', undefined),
      proposal('p5', 'lab-5', 'accepted', new Date('2026-01-15'), '新材料'),
    ] as never[]);

    await repository.seedFeedbackFromProposals(2);

    const chips = await repository.feedbackOf('rd-problem' as never, '电子信息' as never);
    expect(chips.map((d) => [d.proposalId, d.outcome])).toEqual([
      ['p2', 'too-expensive'],
      ['p3', 'accepted'],
    ]); // the newest two, oldest first, as decisions are appended
    expect(chips[1].terms).toEqual(['芯片', 'p3']);
    expect((await repository.feedbackOf('rd-problem' as never, '新材料' as never)).map((d) => d.proposalId)).toEqual(['p5']);
    expect(await repository.feedbackOf('rd-problem' as never, '生物医药' as never)).toEqual([]);

    // A second start: the marker says it was done, so the proposals are not read again (a document
    // removed meanwhile stays removed; decisions since are added by the decisions themselves).
    await proposals.collection.insertOne(proposal('p6', 'lab-6', 'accepted', new Date('2026-04-01')) as never);
    await store.collection('broker_feedback').deleteOne({ _id: 'rd-problem|电子信息' as never });
    await repository.seedFeedbackFromProposals(2);
    expect(await repository.feedbackOf('rd-problem' as never, '电子信息' as never)).toEqual([]);
  });
});
