import { applyDownstream, NO_FACTS, statusFrom, type DownstreamEvent } from './need-status';

const run = (...events: DownstreamEvent[]) => events.reduce(applyDownstream, NO_FACTS);

describe('need status from downstream events', () => {
  it('follows a deal from proposals to registration', () => {
    expect(statusFrom(NO_FACTS)).toBe('open');
    expect(statusFrom(run({ kind: 'proposed', proposals: 0 }))).toBe('open');
    expect(statusFrom(run({ kind: 'proposed', proposals: 3 }))).toBe('proposed');
    expect(statusFrom(run({ kind: 'proposed', proposals: 3 }, { kind: 'accepted', proposalId: 'p1' }))).toBe('negotiating');
    const opened = run({ kind: 'proposed', proposals: 3 }, { kind: 'accepted', proposalId: 'p1' }, { kind: 'deal-opened', dealId: 'd1', proposalId: 'p1' });
    expect(statusFrom(opened)).toBe('negotiating');
    const signed = applyDownstream(opened, { kind: 'deal-stage', dealId: 'd1', stage: 'signed' });
    expect(statusFrom(signed)).toBe('contracted');
    expect(statusFrom(applyDownstream(signed, { kind: 'deal-stage', dealId: 'd1', stage: 'registered' }))).toBe('registered');
  });

  it('goes back to proposed when the only deal is cancelled, but not while another deal stands', () => {
    const base = run({ kind: 'proposed', proposals: 2 }, { kind: 'accepted', proposalId: 'p1' }, { kind: 'deal-opened', dealId: 'd1', proposalId: 'p1' });
    expect(statusFrom(applyDownstream(base, { kind: 'deal-stage', dealId: 'd1', stage: 'cancelled' }))).toBe('proposed');
    const two = run(
      { kind: 'proposed', proposals: 2 },
      { kind: 'accepted', proposalId: 'p1' },
      { kind: 'deal-opened', dealId: 'd1', proposalId: 'p1' },
      { kind: 'accepted', proposalId: 'p2' },
      { kind: 'deal-opened', dealId: 'd2', proposalId: 'p2' },
      { kind: 'deal-stage', dealId: 'd2', stage: 'signed' },
      { kind: 'deal-stage', dealId: 'd1', stage: 'cancelled' },
    );
    expect(statusFrom(two)).toBe('contracted');
  });

  it('gives the same status whatever the order of the match and deal topics', () => {
    const events: DownstreamEvent[] = [
      { kind: 'proposed', proposals: 1 },
      { kind: 'accepted', proposalId: 'p1' },
      { kind: 'deal-opened', dealId: 'd1', proposalId: 'p1' },
      { kind: 'deal-stage', dealId: 'd1', stage: 'cancelled' },
    ];
    // The match topic's events after the deal topic's: the accepted proposal is covered by its cancelled deal.
    expect(statusFrom(run(events[2], events[3], events[0], events[1]))).toBe('proposed');
    expect(statusFrom(run(events[2], events[0], events[3], events[1]))).toBe('proposed');
  });

  it('is idempotent and never moves a deal back', () => {
    const once = run({ kind: 'deal-opened', dealId: 'd1', proposalId: 'p1' }, { kind: 'deal-stage', dealId: 'd1', stage: 'registered' });
    const again = run(
      { kind: 'deal-opened', dealId: 'd1', proposalId: 'p1' },
      { kind: 'deal-stage', dealId: 'd1', stage: 'registered' },
      { kind: 'deal-opened', dealId: 'd1', proposalId: 'p1' },
      { kind: 'deal-stage', dealId: 'd1', stage: 'signed' },
    );
    expect(again).toEqual(once);
    expect(statusFrom(again)).toBe('registered');
  });
});
