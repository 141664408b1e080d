import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `live_pid` (scripts/infra/lib.sh) decides whether a server `up` started is still alive. A process
 * shows an empty command line for a moment while it execs and while redis rewrites its title; read
 * in that moment, a server that had just started looked dead and `up` failed (CI, 2026-12-07).
 * A node process stands in for the server: setting its title to '' empties /proc/PID/cmdline.
 */
const LIB = join(__dirname, 'lib.sh');
const PATTERN = 'fake-server-under-test';

describe('live_pid (scripts/infra/lib.sh)', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'live-pid-'));
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a process titled `firstTitle`, which takes `laterTitle` after `switchAfterMs`; resolves its pid file once it runs. */
  async function startServer(firstTitle: string, laterTitle: string, switchAfterMs: number): Promise<string> {
    const script = `process.title = ${JSON.stringify(firstTitle)};
      setTimeout(() => { process.title = ${JSON.stringify(laterTitle)}; }, ${switchAfterMs});
      setInterval(() => {}, 1000);
      console.log('titled');`;
    child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child!.stdout!.once('data', () => resolve()));
    const pidfile = join(dir, 'server.pid');
    writeFileSync(pidfile, String(child.pid));
    return pidfile;
  }

  function livePid(pidfile: string): Promise<{ ok: boolean; stdout: string }> {
    return new Promise((resolve) => {
      execFile('bash', ['-c', `source "${LIB}" && live_pid "$0" "$1"`, pidfile, PATTERN], (error, stdout) =>
        resolve({ ok: !error, stdout: stdout.trim() }),
      );
    });
  }

  it('takes a process whose command line is empty for a moment for the live server it is', async () => {
    const pidfile = await startServer('', PATTERN, 400);
    expect(await livePid(pidfile)).toEqual({ ok: true, stdout: String(child!.pid) });
  });

  it('still refuses a process whose command line is something else (a recycled pid)', async () => {
    const pidfile = await startServer('some-other-program', 'some-other-program', 0);
    expect((await livePid(pidfile)).ok).toBe(false);
  });

  it('refuses a pid that is no longer running', async () => {
    const pidfile = await startServer(PATTERN, PATTERN, 0);
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child!.kill('SIGKILL');
    await exited;
    expect((await livePid(pidfile)).ok).toBe(false);
  });
});
