import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Agent, Fleet, Problem } from '../model';
import { loadFleet, TableError } from '../table';

/** A fresh temporary directory for one test. */
export function tempDir(prefix = 'scoped-agents-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `files` (name → content) into a fresh temp dir and returns the dir. */
export function writeFiles(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** Loads a YAML table given as text (written to `<tmp>/agents.yaml`). */
export async function fleetFromYaml(yaml: string): Promise<Fleet> {
  const dir = writeFiles({ 'agents.yaml': yaml });
  return loadFleet({ table: join(dir, 'agents.yaml') });
}

/**
 * Loads a YAML table that must be invalid and returns its problems, with the
 * file reduced to its base name so assertions can name `agents.yaml`.
 */
export async function problemsOf(yaml: string, name = 'agents.yaml'): Promise<Problem[]> {
  const dir = writeFiles({ [name]: yaml });
  try {
    await loadFleet({ table: join(dir, name) });
  } catch (e) {
    if (!(e instanceof TableError)) throw e;
    return e.problems.map((p) => ({ ...p, file: p.file.slice(dir.length + 1) }));
  }
  throw new Error('expected the table to be invalid, but it loaded');
}

/** A minimal valid table; tests splice their own agents or scopes into it. */
export const BASE_SCOPES = `
scopes:
  crm.contacts.read: { secret: hubspot }
  crm.tags.write: { secret: hubspot }
  mail.send: { secret: sendgrid }
  storage.buckets.read:
    aws: { actions: [s3:ListBucket], resources: ["arn:aws:s3:::acme-invoices"] }
  storage.objects.create:
    aws: { actions: [s3:PutObject], resources: ["arn:aws:s3:::acme-invoices/uploads/*"] }
  invoices.encrypt:
    vault: { path: transit/encrypt/invoices, capabilities: [update] }
`;

/**
 * A resolved agent built by hand, with the seed's defaults (15m / 1h tokens,
 * nightly rotation, the default alarms): translation needs no table, no
 * loader, no cdktf.
 */
export function resolvedAgent(overrides: Partial<Agent> & Pick<Agent, 'name'>): Agent {
  return {
    owner: 'growth@acme.example',
    platform: 'claude',
    actions: [],
    scopes: [],
    credentialTtl: 900,
    credentialMaxTtl: 3600,
    secretIdTtl: 90000,
    rotation: 'cron(0 3 * * ? *)',
    alarms: { maxCallsPerMinute: 1000, maxDeniedPerMinute: 20, orphanAfterHours: 24, orphanAction: 'notify' },
    gateway: false,
    boundCidrs: [],
    ...overrides,
  };
}
