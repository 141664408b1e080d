/**
 * The alert rules Prometheus loads in docker-compose.yml (alerts.yml), checked and unit-tested with
 * promtool: `promtool check rules` (syntax, PromQL, templates) and `promtool test rules` on
 * alerts.test.yml (each alert fires on the series that should fire it, with its labels and summary,
 * and stays silent where it must not). `npm test` installs promtool (scripts/lib/common.sh,
 * ensure_promtool); elsewhere: `apt-get install --no-install-recommends prometheus`.
 */
import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

const RULES = path.join(__dirname, 'alerts.yml');
const TESTS = path.join(__dirname, 'alerts.test.yml');

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string }[] }[];
}
interface RuleTestFile {
  rule_files: string[];
  tests: { name?: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

const promtool = (...args: string[]) => {
  const run = spawnSync('promtool', args, { cwd: __dirname, encoding: 'utf8', timeout: 60_000 });
  if (run.error) {
    throw new Error(`cannot run promtool (${run.error.message}): npm test installs it; or apt-get install --no-install-recommends prometheus`);
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
};

const alertNames = (parse(readFileSync(RULES, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules.map((r) => r.alert).filter((a): a is string => !!a));
const ruleTests = parse(readFileSync(TESTS, 'utf8')) as RuleTestFile;
const cases = ruleTests.tests.flatMap((t) => t.alert_rule_test ?? []);

describe('deploy/observability/alerts.yml', () => {
  it('passes promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', RULES);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('passes its promtool unit tests (alerts.test.yml)', () => {
    const { status, output } = promtool('test', 'rules', TESTS);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('the unit tests load alerts.yml and have a firing and a silent case for every alert', () => {
    expect(ruleTests.rule_files).toEqual(['alerts.yml']);
    expect(alertNames.length).toBeGreaterThanOrEqual(4);
    for (const alert of alertNames) {
      const of = cases.filter((c) => c.alertname === alert);
      expect({ alert, fires: of.some((c) => (c.exp_alerts ?? []).length > 0) }).toEqual({ alert, fires: true });
      expect({ alert, silent: of.some((c) => (c.exp_alerts ?? []).length === 0) }).toEqual({ alert, silent: true });
    }
    // No test of an alert that does not exist (a rename would otherwise pass silently: an unknown alert never fires).
    for (const c of cases) expect(alertNames).toContain(c.alertname);
  });
});
