import { parseDuration } from './duration';

describe(parseDuration.name, () => {
  it.each([
    ['7d', 604_800],
    ['36h', 129_600],
    ['90m', 5_400],
    ['5s', 5],
  ])('reads %s as %i seconds', (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each(['', '7', '0d', '1w', '-3d', '1.5d', 'seven days'])('refuses %j, naming the setting', (text) => {
    expect(() => parseDuration(text, 'PROPOSAL_IDLE_AFTER')).toThrow(/PROPOSAL_IDLE_AFTER must be a positive duration/);
  });
});
