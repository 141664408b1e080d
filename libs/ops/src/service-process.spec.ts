import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, REPO_ROOT, serviceEntryPoint } from './service-process';

describe('service process runner', () => {
  it('finds the workspace root and the built entry point npm start and the image use', () => {
    expect(existsSync(join(REPO_ROOT, 'deploy', 'service-command.txt'))).toBe(true);
    expect(existsSync(join(REPO_ROOT, 'libs', 'ops', 'src', 'service-process.ts'))).toBe(true);
    expect(serviceEntryPoint('reporting')).toBe('dist/services/reporting/src/main.js');
  });

  it('hands out free ports below the ephemeral range, never the same one twice', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) expect(port >= 20_000 && port < 32_768).toBe(true);
  });
});
