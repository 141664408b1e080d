import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { analystToken, brokerToken, eventually, REPO_ROOT, TestSystem } from '@tt/testing';
import { parkClients, registrationNumber, takeNeedToRegistration } from './broker-workflow';

/** Debian's Chromium (scripts/test.sh installs it), started as the machine's closed network needs. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/**
 * The dashboard in a real headless Chromium: an analyst signs in with a token, a deal is driven to
 * registration through the services' APIs, and the page's figures change, live over the SSE stream,
 * to the exact amounts. A screenshot is kept under .infra/test-artifacts/.
 */
describe('the dashboard in a browser', () => {
  let system: TestSystem;
  let browser: Browser;
  const parkId = `park-${Date.now().toString(36)}`;

  beforeAll(async () => {
    system = await TestSystem.start();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('shows the totals, and moves to the exact amounts when a contract is registered', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1100 }, locale: 'zh-CN' });
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(`${system.services.reporting.url}/dashboard`);
    expect(await page.title()).toBe('技术合同成交统计看板');
    // A wrong token is refused with a message, and the board stays hidden.
    await page.fill('#token', 'not-a-token');
    await page.fill('#park', parkId);
    await page.click('button[type=submit]');
    await page.waitForSelector('#sign-in-error:not(:empty)');
    expect(await page.textContent('#sign-in-error')).toContain('令牌无效');
    expect(await page.isVisible('#board')).toBe(false);

    await page.fill('#token', await analystToken('analyst-dashboard'));
    await page.fill('#year', '2026');
    await page.click('button[type=submit]');
    await page.waitForSelector('#kpi-count[data-value="0"]');
    await page.waitForSelector('#live-status.on');
    expect(await page.textContent('#scope')).toContain(parkId);

    const broker = await brokerToken(parkId);
    const clients = await parkClients((service) => system.api(service, broker));
    await takeNeedToRegistration(clients, 1, { contract: 345_670_000, tech: 234_560_000 }, registrationNumber(), { tag: parkId });

    // The page updates itself: no reload, no click.
    await page.waitForSelector('#kpi-contract-amount[data-fen="345670000"]', { timeout: 60_000 });
    expect(await page.getAttribute('#kpi-count', 'data-value')).toBe('1');
    expect(await page.textContent('#kpi-contract-amount')).toBe('345.67');
    expect(await page.getAttribute('#kpi-tech-amount', 'data-fen')).toBe('234560000');
    expect(await page.textContent('#kpi-tech-amount')).toBe('234.56');
    expect(await page.textContent('#kpi-funnel')).toBe('1 / 1');
    await eventually(async () => page.textContent('#live-events'), (text) => (text ?? '').includes('计入技术交易'), { what: 'the live event list' });
    // Every chart drew on its canvas.
    expect(await page.locator('.canvas canvas').count()).toBeGreaterThanOrEqual(6);
    // The API agrees with the page.
    const totals = (await system.api('reporting', await analystToken()).get(`/totals?year=2026&parkId=${parkId}`)).body;
    expect(totals.registered).toMatchObject({ count: 1, contractAmountFen: 345_670_000, techTransactionAmountFen: 234_560_000 });

    const artifacts = join(REPO_ROOT, '.infra', 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });
    // No script error and no Content-Security-Policy violation on the page (the 401 of the wrong token aside).
    expect(problems.filter((p) => !p.includes('401'))).toEqual([]);
  });

  it('serves the OpenAPI UI under its Content-Security-Policy, unframeable, and it still works', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    const response = await page.goto(`${system.services.matching.url}/docs`);
    expect(response!.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response!.headers()['x-frame-options']).toBe('DENY');
    expect(response!.headers()['x-content-type-options']).toBe('nosniff');
    // Swagger UI rendered the document: the operations are listed and expand.
    await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
    const paths = await page.locator('.opblock-summary-path').allTextContents();
    expect(paths.join(' ')).toContain('/needs/{needId}/proposals');
    await page.screenshot({ path: join(REPO_ROOT, '.infra', 'test-artifacts', 'openapi-ui.png') });
    expect(problems).toEqual([]); // no script error, no CSP violation
    // A page of another origin cannot frame it.
    const framer = await browser.newPage();
    await framer.setContent(`<iframe id="f" src="${system.services.matching.url}/docs"></iframe>`);
    await new Promise((r) => setTimeout(r, 1_500));
    const framed = framer.frames().find((f) => f.url().includes('/docs'));
    expect(await framed?.$('.opblock-summary-path').catch(() => null)).toBeFalsy();
  });
});
