import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** The workspace root (this file is `libs/ops/src/service-process.ts`, run from source). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export { SERVICE_NAMES, type ServiceName } from '@tt/contracts';
import type { ServiceName } from '@tt/contracts';

/** The script `npm start` and the container image run for a built service (deploy/service-command.txt). */
export function serviceEntryPoint(name: ServiceName): string {
  const command = readFileSync(join(REPO_ROOT, 'deploy', 'service-command.txt'), 'utf8').trim();
  return command.replace(/^node\s+/, '').replace('${SERVICE}', name);
}

const handedOut = new Set<number>();

/**
 * A port to listen on, below Linux's ephemeral range (32768-60999) so that no outgoing connection
 * can take it between this check and the service's listen, and never the same one twice per run.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    const free = await new Promise<boolean>((resolveFree) => {
      const server = createServer();
      server.once('error', () => resolveFree(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
}

/**
 * One built service as a separate OS process (the e2e tests' unit of deployment, and an operator
 * command's, e.g. the reporting rebuild): started with its own environment on top of this process's
 * (entries set to undefined are left out), awaited on /health/ready, killed with any signal, restarted
 * on the same port.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
    /** Log file name (and what messages call it): the service name, or `<service>-<n>` for one of several instances. */
    readonly instanceName: string = name,
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.logDir, { recursive: true });
    const log = createWriteStream(join(this.logDir, `${this.instanceName}.log`), { flags: 'a' });
    // SERVICE_NODE_ARGS (given to this process, or in the caller's environment): flags for the service's node,
    // e.g. `--prof` to profile it (NODE_OPTIONS refuses those; `--cpu-prof` writes nothing when a signal ends the process).
    const nodeArgs = (this.env.SERVICE_NODE_ARGS ?? process.env.SERVICE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, serviceEntryPoint(this.name)], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.child = child;
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    await this.waitReady();
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    let exitedEarly = false;
    void this.exited?.then(() => (exitedEarly = true));
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    let lastError: unknown;
    for (;;) {
      if (exitedEarly) throw new Error(`${this.instanceName} exited during start; see ${this.logDir}/${this.instanceName}.log`);
      try {
        const res = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
        const ready = { status: res.status, service: ((await res.json()) as { service?: string }).service };
        // Ready, and really this service (not another process that holds the port).
        if (ready.status === 200 && ready.service === this.name) return;
        last = ready;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${this.instanceName} to be ready; last answer: ${JSON.stringify(last)}; last error: ${String(lastError)}; see ${this.logDir}/${this.instanceName}.log`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** SIGKILL by default: no shutdown hooks, no flush — the crash the outbox and the consumer must survive. */
  async kill(signal: NodeJS.Signals = 'SIGKILL', graceMs = 15_000): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs); // a shutdown that hangs is ended
    await this.exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }
}
