/**
 * `scoped-agents usage` on a real OpenBao audit log. The synthesized stack of a
 * three-agent table is replayed onto a fresh OpenBao — its `vault_audit` file
 * device included, writing to a temp file — and the agents make real calls:
 * `steady` a few reads and some denied requests, `burster` a burst above its
 * 20 calls/minute, `idle` nothing at all. The CLI (in-process and as the
 * installed binary) must flag idle as an orphan and burster as a spike, and
 * count exactly the calls and denied calls each agent made.
 */
import { spawnSync } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import { run } from '../../cli/main';
import { CommandIO } from '../../cli/private/io';
import { UsageReportJson } from '../../model';
import { tempDir, writeFiles } from '../helpers';
import { OpenBaoServer, startOpenBao } from '../support/openbao';
import { replayVault, ReplaySummary } from '../support/replay';
import { synthesizeTable } from '../support/synthesized';
import { expectStatus, VaultClient, vaultClient } from '../support/vault-client';

const ROOT = resolve(__dirname, '..', '..');

const TABLE = `version: 1
fleet:
  name: usage-proof
scopes:
  crm.contacts.read: { secret: hubspot }
  crm.tags.write: { secret: hubspot }
  mail.send: { secret: sendgrid }
agents:
  - name: steady
    owner: growth@acme.example
    actions:
      - { action: Read contacts, scopes: [crm.contacts.read] }
  - name: burster
    owner: growth@acme.example
    alarms: { maxCallsPerMinute: 20 }
    actions:
      - { action: Tag contacts, scopes: [crm.tags.write] }
  - name: idle
    owner: platform@acme.example
    actions:
      - { action: Send email, scopes: [mail.send] }
`;

let bao: OpenBaoServer;
let root: VaultClient;
let outDir: string;
let auditLog: string;
let replayed: ReplaySummary;
/** What the test sent, per agent: every request (its login included) and the denied ones. */
const sent: Record<string, { calls: number; denied: number }> = {
  steady: { calls: 0, denied: 0 },
  burster: { calls: 0, denied: 0 },
  idle: { calls: 0, denied: 0 },
};

/** Logs in as the agent with its real AppRole role (a secret-id minted as root, as the rotate function would). */
async function loginAs(agent: string): Promise<VaultClient> {
  const base = `auth/approle/role/agent-${agent}`;
  const roleId = expectStatus(await root.request('GET', `${base}/role-id`), 200, 'role-id').body.data.role_id;
  const secretId = expectStatus(await root.request('POST', `${base}/secret-id`, { body: {} }), 200, 'secret-id').body.data.secret_id;
  const login = expectStatus(
    await vaultClient(bao.addr).request('POST', 'auth/approle/login', { body: { role_id: roleId, secret_id: secretId } }),
    200,
    `login of ${agent}`,
  );
  sent[agent].calls++;
  return vaultClient(bao.addr, { token: login.body.auth.client_token });
}

/** One request as the agent, counted; asserts Vault answered as expected. */
async function call(agent: string, client: VaultClient, path: string, expected: 200 | 403): Promise<void> {
  expectStatus(await client.request('GET', path), expected, `${agent} GET ${path}`);
  sent[agent].calls++;
  if (expected === 403) sent[agent].denied++;
}

beforeAll(async () => {
  const dir = writeFiles({ 'agents.yaml': TABLE });
  const [server, synthesized] = await Promise.all([startOpenBao({ allowApiAuditDevices: true }), synthesizeTable({ table: join(dir, 'agents.yaml') })]);
  bao = server;
  outDir = synthesized.outDir;
  root = vaultClient(bao.addr, { token: bao.rootToken });
  auditLog = join(tempDir('scoped-agents-audit-'), 'audit.log');
  replayed = await replayVault(synthesized.stacks[0], root, { auditFilePath: auditLog });

  const steady = await loginAs('steady');
  for (let i = 0; i < 12; i++) await call('steady', steady, 'kv/data/agents/steady/hubspot', 200);
  await call('steady', steady, 'kv/data/agents/burster/hubspot', 403);
  await call('steady', steady, 'sys/mounts', 403);
  await call('steady', steady, 'kv/data/agents/idle/sendgrid', 403);

  // 45 calls at once: even split across a minute boundary, one minute holds at least 23, above 20.
  const burster = await loginAs('burster');
  await Promise.all(Array.from({ length: 43 }, () => call('burster', burster, 'auth/token/lookup-self', 200)));
  await call('burster', burster, 'kv/data/agents/steady/hubspot', 403);
  await call('burster', burster, 'sys/policies/acl', 403);
}, 60_000);

afterAll(async () => {
  await bao?.stop();
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => (out += t), err: (t) => (err += t), cwd: ROOT, env: {} };
  return { code: await run(argv, io), out, err };
}

test('the replay enabled the synthesized file audit device, writing to the test file', async () => {
  expect(replayed.applied.vault_audit).toBe(1);
  const devices = expectStatus(await root.request('GET', 'sys/audit'), 200, 'sys/audit').body.data;
  expect(devices['usage-proof/']).toMatchObject({
    type: 'file',
    description: 'Every request, for the usage of the agents of fleet usage-proof (scoped-agents)',
    options: { file_path: auditLog, format: 'json', mode: '0600' },
  });
  expect(existsSync(auditLog)).toBe(true);
  expect(readFileSync(auditLog, 'utf8')).toContain('"role_name":"agent-burster"');
});

test('counts exactly what each agent sent, flags idle as an orphan and burster as a spike (JSON)', async () => {
  const r = await cli(['usage', '--audit-log', auditLog, '--out', outDir, '--format', 'json']);
  expect([r.code, r.err]).toEqual([0, '']);
  const report = JSON.parse(r.out) as UsageReportJson;
  expect(sent).toEqual({ steady: { calls: 16, denied: 3 }, burster: { calls: 46, denied: 2 }, idle: { calls: 0, denied: 0 } });
  expect(report.fleet).toBe('usage-proof');
  expect(report.agents.map((a) => ({ agent: a.agent, calls: a.calls, denied: a.denied, orphan: a.orphan, spike: a.spike }))).toEqual([
    { agent: 'burster', ...sent.burster, orphan: false, spike: true },
    { agent: 'idle', ...sent.idle, orphan: true, spike: false },
    { agent: 'steady', ...sent.steady, orphan: false, spike: false },
  ]);
  const burster = report.agents.find((a) => a.agent === 'burster')!;
  expect(burster.maxCallsPerMinute).toBe(20);
  expect(burster.peakMinute).toBeGreaterThanOrEqual(23);
  expect(burster.reasons).toEqual([`spike: ${burster.peakMinute} calls in one minute, above its limit of 20`]);
  expect(report.agents.find((a) => a.agent === 'idle')!.reasons).toEqual(['orphan: no calls in 24 h']);
  expect(report.totals).toEqual({ agents: 3, calls: 62, denied: 5, neverUsed: 0, orphans: 1, spikes: 1 });
  // The root token's requests (the replay, minting secret-ids) are nobody's.
  expect(report.unknownRoles).toEqual({});
  expect(report.notes).toEqual([expect.stringMatching(/^the audit log starts at .* inside the window/)]);
});

test('prints the Markdown summary with the same rows', async () => {
  const r = await cli(['usage', '--audit-log', auditLog, '--out', outDir]);
  expect(r.code).toBe(0);
  const rows = r.out.split('\n').filter((l) => /^\| (burster|idle|steady) /.test(l));
  expect(rows).toEqual([
    expect.stringMatching(/^\| burster \| 46 \| 2 \| no history \| \d+ \(20\) \| \*\*spike\*\*: \d+ calls in one minute, above its limit of 20 \|$/),
    '| idle | 0 | 0 | no history | 0 (1000) | **orphan**: no calls in 24 h |',
    expect.stringMatching(/^\| steady \| 16 \| 3 \| no history \| \d+ \(1000\) \| {2}\|$/),
  ]);
  expect(r.out).toContain('3 agents, 62 calls, 5 denied; flagged: 1 orphan (idle), 1 spike (burster).');
});

test('a window that ends before the traffic sees none of it', async () => {
  const r = await cli([
    'usage',
    '--audit-log',
    auditLog,
    '--out',
    outDir,
    '--format',
    'json',
    '--until',
    new Date(Date.now() - 3_600_000 * 2).toISOString(),
    '--since',
    '1h',
  ]);
  const report = JSON.parse(r.out) as UsageReportJson;
  expect(report.totals).toEqual({ agents: 3, calls: 0, denied: 0, neverUsed: 0, orphans: 3, spikes: 0 });
  expect(report.notes).toEqual([expect.stringMatching(/^the audit log starts at .*, after the window: nothing in it falls in the window\.$/)]);
});

test('the installed binary prints the same summary; --fail-on-flag exits 1 on it', () => {
  const args = ['scoped-agents', 'usage', '--audit-log', auditLog, '--out', outDir];
  const r = spawnSync('npx', args, { cwd: ROOT, encoding: 'utf8' });
  expect([r.status, r.stderr]).toEqual([0, '']);
  expect(r.stdout).toContain('| idle | 0 | 0 | no history | 0 (1000) | **orphan**: no calls in 24 h |');
  expect(r.stdout).toMatch(/\n\| burster \| 46 \| 2 \| no history \| \d+ \(20\) \| \*\*spike\*\*/);
  expect(r.stdout).toContain('3 agents, 62 calls, 5 denied; flagged: 1 orphan (idle), 1 spike (burster).');
  const failing = spawnSync('npx', [...args, '--fail-on-flag'], { cwd: ROOT, encoding: 'utf8' });
  expect(failing.status).toBe(1);
});
