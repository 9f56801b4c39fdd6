/**
 * The Lambda packages: each function bundles into one self-contained
 * `index.js` (what the cdktf asset ships) that loads and handles an event in a
 * plain Node process, outside this repository's node_modules.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { bundleFunction } from '../../functions/bundle';
import { FUNCTIONS } from '../../model';

const cacheDir = mkdtempSync(join(tmpdir(), 'scoped-agents-bundles-'));
const dirs = [cacheDir];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs `handler(event)` of a bundle copied alone into an empty directory; returns what it resolved or rejected with. */
function invoke(bundleDir: string, event: unknown, env: Record<string, string>): { ok: boolean; value: unknown } {
  const alone = mkdtempSync(join(tmpdir(), 'scoped-agents-lambda-'));
  dirs.push(alone);
  writeFileSync(join(alone, 'index.js'), readFileSync(join(bundleDir, 'index.js')));
  const script = `
    const { handler } = require(${JSON.stringify(join(alone, 'index.js'))});
    handler(${JSON.stringify(event)}, { invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f' }).then(
      (value) => process.stdout.write(JSON.stringify({ ok: true, value })),
      (e) => process.stdout.write(JSON.stringify({ ok: false, value: e.message })),
    );`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: alone, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  return JSON.parse(out.slice(out.indexOf('{"ok"')));
}

const ENV = {
  FLEET: 'scoped-agents',
  VAULT_ADDR: 'http://127.0.0.1:1',
  KV_MOUNT: 'kv',
  APPROLE_MOUNT: 'approle',
  VAULT_LOGIN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x',
  WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:y',
  SCHEDULE_GROUP: 'g',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/s',
  AWS_REGION: 'us-east-1',
};

test.each(FUNCTIONS.map((f) => [f]))('%s bundles into one file that imports nothing from the repository or cdktf', (role) => {
  const code = readFileSync(join(bundleFunction(role, cacheDir), 'index.js'), 'utf8');
  const requires = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).filter((m) => !m.startsWith('node:'));
  // Only Node built-ins are left to require at run time. (The SDK's error message for SigV4a
  // quotes `require("@aws-sdk/signature-v4-crt")` as advice; it is text, not a call.)
  const builtins = new Set([...(require('module').builtinModules as string[]), '@aws-sdk/signature-v4-crt']);
  expect(requires.filter((m) => !builtins.has(m))).toEqual([]);
  expect(code.match(/require\("@aws-sdk\/signature-v4-crt"\)/g)?.length ?? 0).toBe(code.match(/\[require\("@aws-sdk\/signature-v4-crt"\);\]/g)?.length ?? 0);
  expect(code).not.toMatch(/require\("(cdktf|constructs|@cdktf\/[^"]+|zod)"\)/);
});

test('the bundled revoke handler runs standalone: an OK state is ignored without any call', () => {
  const event = { Records: [{ Sns: { Message: JSON.stringify({ AlarmName: 'scoped-agents/scoped-agents/a/orphan', NewStateValue: 'OK', NewStateReason: '', StateChangeTime: '' }) } }] };
  expect(invoke(bundleFunction('revoke', cacheDir), event, ENV)).toEqual({ ok: true, value: { revoked: [] } });
});

test('the bundled rotate handler runs standalone: an unknown event is refused with the expected shapes', () => {
  const result = invoke(bundleFunction('rotate', cacheDir), { nope: true }, ENV);
  expect(result.ok).toBe(false);
  expect(result.value).toMatch(/^unknown event: expected \{ action: 'rotate', agent \}/);
});

test('the bundled rotate handler names every missing environment variable at once', () => {
  const result = invoke(bundleFunction('rotate', cacheDir), { action: 'rotate', agent: 'a' }, { AWS_REGION: 'us-east-1' });
  expect(result.value).toMatch(/FLEET is not set\n- VAULT_ADDR is not set\n- KV_MOUNT is not set\n- APPROLE_MOUNT is not set\n- VAULT_LOGIN_SECRET_ARN is not set\n- SCHEDULE_GROUP is not set\n- SCHEDULER_ROLE_ARN is not set/);
});

test('the bundled notify handler runs standalone: an event without alarms posts nothing', () => {
  expect(invoke(bundleFunction('notify', cacheDir), { Records: [] }, ENV)).toEqual({ ok: true, value: { posted: 0 } });
});

test('the bundled usage-summary handler runs standalone: a malformed schedule payload is refused before any call', () => {
  const result = invoke(bundleFunction('usage-summary', cacheDir), { action: 'summarize', agents: { a: { maxCallsPerMinute: 'many' } } }, ENV);
  expect(result).toEqual({ ok: false, value: 'the usage-summary event is not usable:\n- agents.a.maxCallsPerMinute must be a whole number above 0, got "many"' });
});
