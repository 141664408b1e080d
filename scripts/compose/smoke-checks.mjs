// The checks of the compose smoke test (run by scripts/compose/smoke once `compose up --wait` is
// done). Everything goes through the stack's published ports with plain fetch, as a client would;
// containers are killed and scaled with compose/podman. Tokens are signed with this run's own key
// (scripts/token.cjs keygen; the services got its public part as AUTH_JWKS).
//
//   a. one need -> proposals -> accept -> deal -> sign -> register -> /totals
//   b. the deal's events delivered to a webhook receiver on the compose network, over https,
//      each verified with the Standard Webhooks scheme (standardwebhooks, the reference library)
//   c. the same events on the SSE stream (/events/stream), in order
//   d. matching SIGKILLed mid-run (its main process, as the kernel's OOM killer would): the restart
//      policy brings it back, every need reaches registration, the totals count each exactly once
//   f. matching scaled to two replicas (`up --scale matching=2`): a run through both, still exact
//   e. Prometheus: all four targets up, and every query of the Grafana dashboard returns data
//
// Env (set by scripts/compose/smoke): SMOKE_COMPOSE_CMD, SMOKE_SIGNING_KEY_FILE, SMOKE_*_PORT(S).
import { execFile, execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { signToken } = require(path.join(ROOT, 'dist/libs/platform/src/index.js'));
const { creditCodeCheckCharacter } = require(path.join(ROOT, 'dist/libs/contracts/src/index.js'));
const { Webhook } = require('standardwebhooks');
const { createParser } = require('eventsource-parser');

const env = process.env;
const SIGNING_KEY = JSON.parse(readFileSync(env.SMOKE_SIGNING_KEY_FILE, 'utf8'));
const host = (port) => `http://127.0.0.1:${port}`;
const URLS = {
  intake: host(env.SMOKE_INTAKE_PORT ?? 13001),
  contracts: host(env.SMOKE_CONTRACT_TRACKING_PORT ?? 13003),
  reporting: host(env.SMOKE_REPORTING_PORT ?? 13004),
  receiver: host(env.SMOKE_RECEIVER_PORT ?? 13005),
  prometheus: host(env.SMOKE_PROMETHEUS_PORT ?? 19090),
};
const DEAL_TO_REGISTRATION = [
  'cn.techtransfer.deal.opened.v1',
  'cn.techtransfer.contract.signed.v1',
  'cn.techtransfer.contract.registered.v1',
  'cn.techtransfer.contract.registered.v2',
  'cn.techtransfer.transaction.logged.v1',
  'cn.techtransfer.transaction.logged.v2',
];
const YEAR = '2026'; // the registration date below, and the totals' year
const RUN = Date.now().toString(36);

// ---------------------------------------------------------------- helpers

const started = Date.now();
const log = (msg) => console.log(`[checks +${Math.round((Date.now() - started) / 1000)}s] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let passed = 0;
async function check(name, fn) {
  const t = Date.now();
  log(`${name} ...`);
  await fn();
  passed++;
  log(`${name}: ok (${Math.round((Date.now() - t) / 1000)} s)`);
}
function assert(cond, msg) {
  if (!cond) throw new Error(`check failed: ${msg}`);
}

/** Polls `probe` until `accept` likes its value (a thrown error counts as "not yet"). */
async function eventually(probe, accept, { timeoutMs = 60_000, intervalMs = 300, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last, lastError;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 1500)}; last error: ${lastError}`);
}

/** Retries a call while the service is unreachable (a container killed and restarting). */
async function whileReachable(call, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(300);
    }
  }
}

function client(base, token) {
  const call = async (method, p, body, headers = {}) => {
    const res = await fetch(`${typeof base === 'function' ? base() : base}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    // 502-504 and connection errors: the service is restarting; let whileReachable retry.
    if (res.status >= 502) throw new Error(`${method} ${p}: ${res.status}`);
    return { status: res.status, body: json };
  };
  return {
    get: (p) => whileReachable(() => call('GET', p)),
    post: (p, body, headers) => whileReachable(() => call('POST', p, body, headers)),
  };
}

/** Runs the shell-quoted compose command line the smoke script handed over, plus arguments. */
function compose(...args) {
  return execFileSync('bash', ['-c', `${env.SMOKE_COMPOSE_CMD} "$@"`, 'compose', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
const execFileAsync = (file, args) =>
  new Promise((resolve, reject) =>
    execFile(file, args, (error, stdout, stderr) => (error ? reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`)) : resolve(stdout))),
  );
const podman = (...args) => execFileSync('podman', args, { encoding: 'utf8' }).trim();

/** The host ports of every replica of a service, from compose itself. */
function hostPorts(service) {
  const ids = compose('ps', '-q', service).trim().split('\n').filter(Boolean);
  return ids.map((id) => {
    const bindings = JSON.parse(podman('inspect', '--format', '{{json .NetworkSettings.Ports}}', id))['3000/tcp'];
    return Number(bindings[0].HostPort);
  });
}

// ---------------------------------------------------------------- the broker's workflow

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
function creditCode() {
  let body = '91320594';
  for (let i = 0; i < 9; i++) body += ALPHABET[randomInt(ALPHABET.length)];
  return body + creditCodeCheckCharacter(body);
}
let serial = randomInt(900_000);
const registrationNumber = () => `${YEAR}320500${String(++serial).padStart(6, '0')}`;

async function park(parkId, matchingBase) {
  const token = await signToken({ subject: `broker-${parkId}`, role: 'broker', parkId }, SIGNING_KEY);
  const intake = client(URLS.intake, token);
  const enterprise = await intake.post('/enterprises', {
    name: '苏州芯联微电子股份有限公司',
    creditCode: creditCode(),
    regionCode: '320506',
    industryCode: 'C3973',
    qualifications: ['high-tech-enterprise', 'listed-company'],
  });
  assert(enterprise.status === 201, `create enterprise: ${enterprise.status} ${JSON.stringify(enterprise.body)}`);
  return { parkId, intake, matching: client(matchingBase, token), contracts: client(URLS.contracts, token), enterpriseId: enterprise.body.id };
}

/** One need to a registered contract; every step safe to repeat (a service may be killed meanwhile). */
async function needToRegistration(p, i, amount, tag) {
  const captured = await p.intake.post(
    '/needs',
    {
      enterpriseId: p.enterpriseId,
      title: `低功耗芯片设计需求 ${tag} #${i}`,
      description: '企业为上市公司，需要面向物联网终端的低功耗芯片设计能力，年需求约300万颗芯片，希望与中国科学院相关院所联合开展芯片设计与流片验证。',
      category: 'tech-breakthrough',
      technicalField: 'electronic-information',
      keywords: ['芯片设计', '低功耗', '集成电路'],
      budgetMinFen: 100_000_000,
      budgetMaxFen: 500_000_000,
      cooperationModes: ['joint-development'],
      confidentiality: 'park-only',
      contact: { name: '王工', phone: '13912345678', email: 'wang@example.com' },
    },
    { 'idempotency-key': `${tag}-${i}` },
  );
  assert(captured.status === 201, `capture #${i}: ${captured.status} ${JSON.stringify(captured.body)}`);
  const needId = captured.body.id;
  const proposals = await eventually(
    () => p.matching.get(`/needs/${needId}/proposals`),
    (r) => r.status === 200 && r.body.status === 'proposed',
    { timeoutMs: 180_000, what: `proposals for need ${needId}` },
  );
  const proposalId = proposals.body.proposals[0].proposalId;
  const accepted = await p.matching.post(`/proposals/${proposalId}/accept`);
  assert(accepted.status === 200 || (accepted.status === 409 && accepted.body.currentStatus === 'accepted'), `accept #${i}: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  const deal = await eventually(
    async () => (await p.contracts.get(`/deals?proposalId=${proposalId}`)).body.items?.find((d) => d.proposalId === proposalId),
    (d) => d !== undefined,
    { timeoutMs: 180_000, what: `deal for proposal ${proposalId}` },
  );
  const dealId = deal.dealId;
  const signed = await p.contracts.post(`/deals/${dealId}/sign`, {
    contractType: 'development',
    contractSubtype: 'development.cooperative',
    parties: [
      { role: 'buyer', name: '苏州芯联微电子股份有限公司', nature: 'enterprise', regionCode: '320506' },
      { role: 'seller', name: '中国科学院微电子研究所', nature: 'research-institute', regionCode: '110108' },
    ],
    signedOn: `${YEAR}-11-20`,
    contractAmountFen: amount.contract,
    techTransactionAmountFen: amount.tech,
  });
  assert(signed.status === 200 || (signed.status === 409 && signed.body.currentStatus === 'signed'), `sign #${i}: ${signed.status} ${JSON.stringify(signed.body)}`);
  const number = registrationNumber();
  const registered = await p.contracts.post(`/deals/${dealId}/register`, {
    registrationNumber: number,
    registeredOn: `${YEAR}-11-22`,
    registryTechnicalField: 'electronic-information',
    ipType: 'ic-layout-design',
    socioeconomicObjective: 'industry',
  });
  if (registered.status !== 201) {
    const now = (await p.contracts.get(`/deals/${dealId}`)).body;
    assert(registered.status === 409 && now.registration?.number === number, `register #${i}: ${registered.status} ${JSON.stringify(registered.body)}`);
  }
  return { needId, dealId };
}

async function inPool(items, concurrency, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i], i);
      }
    }),
  );
}

/** The park's totals must settle on exactly these deals: no loss, no double count. */
async function expectExactTotals(reporting, parkId, amounts, what) {
  const want = {
    count: amounts.length,
    contractAmountFen: amounts.reduce((s, a) => s + a.contract, 0),
    techTransactionAmountFen: amounts.reduce((s, a) => s + a.tech, 0),
  };
  const got = await eventually(
    async () => (await reporting.get(`/totals?year=${YEAR}&parkId=${encodeURIComponent(parkId)}`)).body.registered,
    (r) => r && r.count === want.count && r.contractAmountFen === want.contractAmountFen && r.techTransactionAmountFen === want.techTransactionAmountFen,
    { timeoutMs: 120_000, what: `${what}: totals of park ${parkId} = ${JSON.stringify(want)}` },
  );
  // Still exact a little later (nothing arrives twice after the fact).
  await sleep(3000);
  const again = (await reporting.get(`/totals?year=${YEAR}&parkId=${encodeURIComponent(parkId)}`)).body.registered;
  assert(again.count === want.count && again.contractAmountFen === want.contractAmountFen, `${what}: totals changed afterwards: ${JSON.stringify(again)}`);
  return got;
}

/** Kills a container's main process with SIGKILL from the host (a crash, not a stop). */
function crash(containerId) {
  const pid = podman('inspect', '--format', '{{.State.Pid}}', containerId);
  process.kill(Number(pid), 'SIGKILL');
  return pid;
}
const restartCount = (id) => Number(podman('inspect', '--format', '{{.RestartCount}}', id));
const health = (id) => podman('inspect', '--format', '{{.State.Health.Status}}', id);

// ---------------------------------------------------------------- the checks

async function main() {
  const analyst = await signToken({ subject: `smoke-analyst-${RUN}`, role: 'analyst' }, SIGNING_KEY);
  const reporting = client(URLS.reporting, analyst);
  let matchingPorts = hostPorts('matching');
  assert(matchingPorts.length === 1, `one matching replica at first, got ${matchingPorts.length}`);
  const parkA = `smoke-a-${RUN}`;

  // b. and c. are set up before a.: the webhook (from now) and the SSE stream (from now).
  const hook = await reporting.post('/webhooks', { url: 'https://webhook-receiver:8443/hooks/deals', parks: [parkA], description: 'compose smoke test' });
  assert(hook.status === 201 && /^whsec_/.test(hook.body.secret ?? ''), `subscribe webhook: ${hook.status} ${JSON.stringify(hook.body)}`);
  const sse = [];
  const sseAbort = new AbortController();
  const sseRes = await fetch(`${URLS.reporting}/events/stream?parkId=${encodeURIComponent(parkA)}`, {
    headers: { authorization: `Bearer ${analyst}`, accept: 'text/event-stream' },
    signal: sseAbort.signal,
  });
  assert(sseRes.status === 200, `SSE stream: ${sseRes.status}`);
  const parser = createParser({ onEvent: (e) => sse.push({ id: e.id, type: e.event, data: JSON.parse(e.data) }) });
  const decoder = new TextDecoder();
  (async () => {
    try {
      for await (const chunk of sseRes.body) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      /* aborted at the end */
    }
  })();

  // A dead letter (written first, so Prometheus has scraped it by check e), so that the dashboard's
  // dead-letter panel has something to show: a malformed record on the need topic, written as the
  // broker principal; matching and reporting must dead-letter it (exercising their WRITE ACLs on
  // the .dlq twin). The services' own events are unaffected.
  // In the background (a JVM start): the checks below do not wait for it, check e does. With podman's
  // own exec (an exec through the Docker API leaves its conmon waiting 5 minutes after the container).
  const [kafkaId] = compose('ps', '-q', 'kafka').trim().split('\n');
  const deadLetter = execFileAsync('podman', [
    'exec', kafkaId, 'bash', '-c',
    'echo "not a cloud event" | /opt/kafka/bin/kafka-console-producer.sh --bootstrap-server localhost:9092 --producer.config /etc/kafka/client/broker.properties --topic techtransfer.intake.need.v1',
  ]);
  deadLetter.catch(() => {}); // reported where check e awaits it

  let first;
  await check('a. need -> proposals -> accept -> deal -> sign -> register -> /totals', async () => {
    const p = await park(parkA, host(matchingPorts[0]));
    first = await needToRegistration(p, 1, { contract: 120_000_000, tech: 100_000_000 }, `a-${RUN}`);
    const totals = await expectExactTotals(reporting, parkA, [{ contract: 120_000_000, tech: 100_000_000 }], 'a');
    log(`  deal ${first.dealId} registered; totals ${JSON.stringify(totals).slice(0, 160)}`);
  });

  await check('b. webhook deliveries to webhook-receiver (https, on the compose network), Standard Webhooks signatures verified', async () => {
    const verifier = new Webhook(hook.body.secret);
    const forged = new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`);
    const ofDeal = await eventually(
      async () => {
        const all = await (await fetch(`${URLS.receiver}/deliveries`)).json();
        return all.filter((d) => JSON.parse(d.body).data?.dealId === first.dealId);
      },
      (list) => list.length >= DEAL_TO_REGISTRATION.length,
      { timeoutMs: 90_000, what: `six webhook deliveries for deal ${first.dealId}` },
    );
    for (const d of ofDeal) {
      const payload = verifier.verify(d.body, d.headers); // throws on a bad signature or a stale timestamp
      assert(payload.data.dealId === first.dealId, 'payload is the deal');
      let forgedOk = true;
      try {
        forged.verify(d.body, d.headers);
      } catch {
        forgedOk = false;
      }
      assert(!forgedOk, 'a delivery verified with the wrong secret');
    }
    const types = ofDeal.map((d) => JSON.parse(d.body).type);
    assert(JSON.stringify(types) === JSON.stringify(DEAL_TO_REGISTRATION), `webhook types in order: ${types.join(', ')}`);
    assert(new Set(ofDeal.map((d) => d.headers['webhook-id'])).size === ofDeal.length, 'one webhook-id per event');
    const status = (await reporting.get(`/webhooks/${hook.body.id}`)).body;
    assert(status.status === 'active' && !status.lastError, `webhook still active without errors: ${JSON.stringify(status)}`);
  });

  await check('c. SSE stream (/events/stream) delivers the deal’s events in order', async () => {
    const ofDeal = await eventually(
      async () => sse.filter((e) => e.data.dealId === first.dealId),
      (list) => list.length >= DEAL_TO_REGISTRATION.length,
      { timeoutMs: 60_000, what: `six SSE events for deal ${first.dealId}` },
    );
    assert(JSON.stringify(ofDeal.map((e) => e.type)) === JSON.stringify(DEAL_TO_REGISTRATION), `SSE types in order: ${ofDeal.map((e) => e.type).join(', ')}`);
    const ids = ofDeal.map((e) => Number(e.id));
    assert(ids.every((id, i) => i === 0 || id > ids[i - 1]), `SSE ids increase: ${ids}`);
  });
  sseAbort.abort();

  const NEEDS = Number(env.SMOKE_NEEDS ?? 8);
  await check(`d. matching SIGKILLed mid-run: ${NEEDS} needs, all registered, totals exact`, async () => {
    const parkD = `smoke-d-${RUN}`;
    const p = await park(parkD, host(matchingPorts[0]));
    const [matchingId] = compose('ps', '-q', 'matching').trim().split('\n');
    const restartsBefore = restartCount(matchingId);
    const amounts = Array.from({ length: NEEDS }, (_, i) => ({ contract: 10_000_000 + i * 1_000, tech: 9_000_000 + i * 100 }));
    let captured = 0;
    let killed = false;
    const captureHook = p.intake.post;
    // Kill matching once a third of the needs are captured: some are mid-way, some not yet matched.
    p.intake.post = async (...args) => {
      const res = await captureHook(...args);
      if (args[0] === '/needs' && ++captured === Math.ceil(NEEDS / 3) && !killed) {
        killed = true;
        log(`  SIGKILL matching's main process (pid ${crash(matchingId)} on the host)`);
      }
      return res;
    };
    const done = [];
    await inPool(amounts, 4, async (amount, i) => done.push(await needToRegistration(p, i, amount, `d-${RUN}`)));
    assert(killed, 'matching was killed during the run');
    const restarts = restartCount(matchingId);
    assert(restarts > restartsBefore, `matching restarted by its restart policy (RestartCount ${restartsBefore} -> ${restarts})`);
    assert(new Set(done.map((d) => d.dealId)).size === NEEDS, 'one deal per need');
    for (const { dealId } of done) {
      const deal = (await p.contracts.get(`/deals/${dealId}`)).body;
      assert(deal.status === 'registered', `deal ${dealId} is ${deal.status}`);
    }
    await expectExactTotals(reporting, parkD, amounts, 'd');
    await eventually(async () => health(matchingId), (h) => h === 'healthy', { timeoutMs: 90_000, what: 'matching healthy again' });
    log(`  matching restarted ${restarts - restartsBefore}x and is healthy; ${NEEDS} deals registered, counted once each`);
  });

  await check('f. matching scaled to two replicas (--scale matching=2): run through both, totals exact', async () => {
    compose('up', '--no-build', '--wait', '--wait-timeout', '300', '--scale', 'matching=2');
    matchingPorts = hostPorts('matching');
    assert(matchingPorts.length === 2 && matchingPorts[0] !== matchingPorts[1], `two matching replicas on two host ports: ${matchingPorts}`);
    const ids = compose('ps', '-q', 'matching').trim().split('\n');
    for (const id of ids) assert(health(id) === 'healthy', `replica ${id.slice(0, 12)} healthy`);
    let turn = 0;
    const parkF = `smoke-f-${RUN}`;
    const p = await park(parkF, () => host(matchingPorts[turn++ % 2])); // alternate between replicas
    const amounts = Array.from({ length: NEEDS }, (_, i) => ({ contract: 20_000_000 + i * 1_000, tech: 18_000_000 + i * 100 }));
    await inPool(amounts, 4, async (amount, i) => void (await needToRegistration(p, i, amount, `f-${RUN}`)));
    await expectExactTotals(reporting, parkF, amounts, 'f');
    // Both replicas answered the broker's HTTP calls. What each consumed is logged, not required:
    // Kafka assigns the partitions, and in a short run the newer replica may not get an event.
    for (const port of matchingPorts) {
      const metrics = await (await fetch(`${host(port)}/metrics`)).text();
      const consumed = metrics.split('\n').filter((l) => l.startsWith('tt_events_consumed_total')).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
      const served = metrics.split('\n').filter((l) => l.startsWith('tt_http_request_duration_seconds_count') && l.includes('/proposals')).length;
      log(`  replica on :${port}: ${consumed} events consumed, ${served} proposal routes served`);
      assert(served > 0, `replica on :${port} served proposal requests`);
    }
  });

  await check('e. Prometheus scrapes all four services (up == 1), every dashboard query returns data', async () => {
    const prom = async (q) => {
      const res = await fetch(`${URLS.prometheus}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = await res.json();
      if (body.status !== 'success') throw new Error(`${q}: ${JSON.stringify(body)}`);
      return body.data.result;
    };
    await deadLetter;
    const services = ['intake', 'matching', 'contract-tracking', 'reporting'];
    await eventually(
      async () => (await prom('up{job="techtransfer"}')).map((r) => `${r.metric.instance}=${r.value[1]}`).sort(),
      (v) => JSON.stringify(v) === JSON.stringify(services.map((s) => `${s}:3000=1`).sort()),
      { timeoutMs: 90_000, intervalMs: 2000, what: 'up == 1 for the four targets' },
    );
    const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'deploy/observability/grafana/dashboards/techtransfer.json'), 'utf8'));
    const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => ({ panel: panel.title, expr: t.expr })));
    assert(queries.length > 0, 'the dashboard has queries');
    for (const { panel, expr } of queries) {
      const result = await eventually(() => prom(expr), (r) => r.length > 0, { timeoutMs: 120_000, intervalMs: 3000, what: `data for "${panel}": ${expr}` });
      log(`  "${panel}": ${result.length} series`);
    }
  });

  // Not in the 'N passed, N failed' form: CI's summary line stays jest's (npm test runs first).
  console.log(`compose smoke: all ${passed} checks passed`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error.stack ?? String(error));
    console.log(`compose smoke: FAILED after ${passed} checks passed`);
    process.exit(1);
  },
);
