import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_TOPICS } from '@tt/contracts';
import { readKafkaAccess } from './kafka-access';

describe('readKafkaAccess', () => {
  const file = (text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'access-')), 'access.conf');
    writeFileSync(path, text);
    return path;
  };

  it('reads topics and grants, skipping comments and blank lines', () => {
    const access = readKafkaAccess(file('# who\n\ntopic a.b.v1\nallow intake  Write topic a.b.v1   # own topic\nallow intake Read group intake\n'));
    expect(access).toEqual({
      topics: ['a.b.v1'],
      grants: [
        { principal: 'intake', operation: 'Write', resource: 'topic', name: 'a.b.v1' },
        { principal: 'intake', operation: 'Read', resource: 'group', name: 'intake' },
      ],
    });
  });

  it.each([
    ['an unknown kind of line', 'deny intake Write topic a'],
    ['an operation other than Read or Write', 'allow intake Create topic a'],
    ['a resource other than topic or group', 'allow intake Write cluster kafka-cluster'],
    ['a group that would be written', 'allow intake Write group intake'],
    ['a grant missing its name', 'allow intake Write topic'],
  ])('refuses %s, naming the line', (_, line) => {
    const path = file(`topic a\n${line}\n`);
    expect(() => readKafkaAccess(path)).toThrow(`${path}:2`);
  });

  it('finds deploy/kafka/access.conf, which lists every event topic of the contracts', () => {
    expect([...readKafkaAccess().topics].sort()).toEqual([...ALL_TOPICS].sort());
  });
});
