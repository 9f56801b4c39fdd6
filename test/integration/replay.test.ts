import { readFileSync } from 'fs';
import { join } from 'path';
import { tempDir } from '../helpers';
import { OpenBaoServer, startOpenBao } from '../support/openbao';
import { replayVault } from '../support/replay';
import { PROOF_TABLES, SynthesizedStack, synthesizeTable } from '../support/synthesized';
import { VaultClient, vaultClient } from '../support/vault-client';

// The replay is what every Vault proof stands on: it must apply exactly what
// was synthesized, and refuse loudly what it does not understand.

/** A hand-made stack: one KV mount, plus whatever a test adds. */
function handMade(extra: Record<string, Record<string, Record<string, unknown>>>): SynthesizedStack {
  return {
    name: 'hand-made',
    file: '(in memory)',
    json: {
      resource: {
        vault_mount: { kv: { path: 'hand-kv', type: 'kv', options: { version: '2' } } },
        ...extra,
      },
    },
  };
}

let server: OpenBaoServer;
let root: VaultClient;
beforeAll(async () => {
  // Audit devices over the API, as Vault and the provider's vault_audit do (OpenBao refuses them by default).
  server = await startOpenBao({ allowApiAuditDevices: true });
  root = vaultClient(server.addr, { token: server.rootToken });
});
afterAll(async () => {
  await server?.stop();
});

const seed = PROOF_TABLES.find((t) => t.label.startsWith('seed'))!;

describe('replayVault', () => {
  test('fails loudly on an unknown Vault resource type, before applying anything', async () => {
    const stack = handMade({ vault_generic_secret: { s: { path: 'hand-kv/data/x', data_json: '{}' } } });
    await expect(replayVault(stack, root)).rejects.toThrow('unknown Vault resource type vault_generic_secret: teach replay.ts how the provider applies it');
    // Nothing applied: the mount that would have come first is not there.
    const mounts = await root.request('GET', 'sys/mounts');
    expect(Object.keys(mounts.body.data)).not.toContain('hand-kv/');
  });

  test('fails loudly on an unknown Vault data source', async () => {
    const stack: SynthesizedStack = { ...handMade({}), json: { ...handMade({}).json, data: { vault_policy_document: { d: {} } } } };
    await expect(replayVault(stack, root)).rejects.toThrow('unknown Vault resource type vault_policy_document (a data source)');
  });

  test('fails loudly on an argument it does not know how to send', async () => {
    const stack = handMade({ vault_policy: { p: { name: 'p', policy: 'path "x" { capabilities = ["read"] }', namespace: 'team-a' } } });
    await expect(replayVault(stack, root)).rejects.toThrow('vault_policy.p: argument namespace not known to replay.ts');
  });

  test('fails loudly on a variable without a default and a reference it cannot resolve', async () => {
    const stack = handMade({
      vault_policy: {
        p: { name: '${var.policy_name}', policy: '${random_string.x.result}' },
      },
    });
    stack.json.variable = { policy_name: { type: 'string' } };
    await expect(replayVault(stack, root)).rejects.toThrow(
      /variable policy_name has no default: pass it in options\.variables\n- vault_policy\.p: cannot resolve \$\{random_string\.x\.result\}/,
    );
  });

  test('fails loudly when the server has no aws secrets engine (OpenBao 2.7.2 ships none)', async () => {
    const { stacks } = await synthesizeTable(seed.files);
    await expect(replayVault(stacks[0], root)).rejects.toThrow(
      /this server has no aws secrets engine .*vault_aws_secret_backend\.fleet_AwsSecrets_AD0F9866 cannot be applied/s,
    );
    const mounts = await root.request('GET', 'sys/mounts');
    expect(Object.keys(mounts.body.data)).not.toContain('kv/');
  });

  test('applies every Vault resource of the seed, and nothing else', async () => {
    const { stacks } = await synthesizeTable(seed.files);
    const auditLog = join(tempDir('scoped-agents-audit-'), 'audit.log');
    const summary = await replayVault(stacks[0], root, { awsSecretsEngine: 'kv-stand-in', auditFilePath: auditLog });
    expect(summary.applied).toEqual({
      vault_audit: 1,
      vault_mount: 1,
      vault_auth_backend: 1,
      vault_aws_secret_backend: 1,
      vault_aws_secret_backend_role: 1,
      // Three agents' policies and AppRole roles, and those of the revoke and rotate functions and the gateway.
      vault_policy: 6,
      vault_approle_auth_backend_role: 6,
      vault_kv_secret_v2: 2,
    });
    expect(summary.standIns).toHaveLength(2);

    // The fleet's audit device, writing to the file the test named, every other option as synthesized.
    expect((await root.request('GET', 'sys/audit')).body.data['scoped-agents/']).toEqual({
      type: 'file',
      path: 'scoped-agents/',
      description: 'Every request, for the usage of the agents of fleet scoped-agents (scoped-agents)',
      local: false,
      options: { file_path: auditLog, format: 'json', mode: '0600' },
    });
    expect(summary.state['vault_audit.fleet_VaultAudit_30DB7FCA']).toMatchObject({ id: 'scoped-agents', options: { file_path: auditLog } });

    // What the server now holds, read back as root.
    const mounts = (await root.request('GET', 'sys/mounts')).body.data;
    expect(mounts['kv/']).toMatchObject({ type: 'kv', options: { version: '2' }, description: 'Per-agent SaaS credentials (scoped-agents)' });
    expect(mounts['aws/']).toMatchObject({ type: 'kv', options: { version: '1' } });
    expect((await root.request('GET', 'sys/auth')).body.data['approle/']).toMatchObject({ type: 'approle' });
    const policies = await root.request('LIST', 'sys/policies/acl');
    expect(policies.body.data.keys).toEqual(expect.arrayContaining(['agent-email-notifier', 'agent-invoice-summarizer', 'agent-lead-enricher']));

    const role = await root.request('GET', 'auth/approle/role/agent-lead-enricher');
    expect(role.body.data).toMatchObject({
      token_policies: ['agent-lead-enricher'],
      token_no_default_policy: true,
      token_type: 'service',
      token_ttl: 900,
      token_max_ttl: 3600,
      token_explicit_max_ttl: 3600,
      bind_secret_id: true,
      secret_id_ttl: 90000,
      secret_id_num_uses: 0,
    });
    expect(summary.state['vault_approle_auth_backend_role.fleet_lead-enricher_Vault_AppRole_EE779534'].role_id).toEqual(
      (await root.request('GET', 'auth/approle/role/agent-lead-enricher/role-id')).body.data.role_id,
    );

    const metadata = await root.request('GET', 'kv/metadata/agents/lead-enricher/hubspot');
    expect(metadata.body.data).toMatchObject({
      max_versions: 10,
      cas_required: false,
      current_version: 1,
      custom_metadata: {
        agent: 'lead-enricher',
        owner: 'growth@acme.example',
        platform: 'claude',
        scopes: 'crm.contacts.read,crm.tags.write',
        'managed-by': 'scoped-agents',
      },
    });
    // The seed variable's default, {}, is the first version.
    expect((await root.request('GET', 'kv/data/agents/lead-enricher/hubspot')).body.data.data).toEqual({});
    // Write-only: the value is not in the replayed state.
    expect(summary.state['vault_kv_secret_v2.fleet_lead-enricher_Secret-hubspot_F27900CA']).not.toHaveProperty('data_json_wo');

    // The functions' own logins: short tokens carrying only their own policy.
    for (const fn of ['revoke', 'rotate']) {
      const fnRole = await root.request('GET', `auth/approle/role/scoped-agents-${fn}`);
      expect(fnRole.body.data).toMatchObject({
        token_policies: [`scoped-agents-${fn}`],
        token_no_default_policy: true,
        token_type: 'service',
        token_ttl: 300,
        token_max_ttl: 900,
        token_explicit_max_ttl: 900,
        bind_secret_id: true,
        secret_id_ttl: 0,
      });
      const fnPolicy = await root.request('GET', `sys/policies/acl/scoped-agents-${fn}`);
      const synthesized = Object.values(stacks[0].json.resource!.vault_policy).find((p) => p.name === `scoped-agents-${fn}`)!;
      expect(fnPolicy.body.data.policy).toBe(synthesized.policy);
    }

    // The AWS role, with the placeholder ARN of the IAM role it names.
    const awsRole = await root.request('GET', 'aws/roles/agent-invoice-summarizer');
    expect(awsRole.body.data).toEqual({
      credential_type: 'assumed_role',
      role_arns: ['arn:aws:iam::000000000000:role/agent-invoice-summarizer'],
      default_sts_ttl: 900,
      max_sts_ttl: 3600,
    });
  });

  test('applies vault_audit as the provider does: PUT sys/audit/<path> with the synthesized options, the path defaulting to the type', async () => {
    const file = join(tempDir('scoped-agents-audit-'), 'synthesized.log');
    const stack = handMade({ vault_audit: { a: { type: 'file', description: 'd', options: { file_path: file, format: 'json', hmac_accessor: 'false' } } } });
    stack.json.resource!.vault_mount.kv.path = 'hand-kv-audit';
    const summary = await replayVault(stack, root);
    expect(summary.state['vault_audit.a']).toMatchObject({ path: 'file', id: 'file' });
    expect((await root.request('GET', 'sys/audit')).body.data['file/']).toMatchObject({
      type: 'file',
      description: 'd',
      options: { file_path: file, format: 'json', hmac_accessor: 'false' },
    });
    // The device writes: the mount above is in it.
    expect(readFileSync(file, 'utf8')).toContain('"path":"sys/mounts/hand-kv-audit"');
    await root.request('DELETE', 'sys/audit/file');
  });

  test('fails loudly, naming the resource, when OpenBao refuses audit devices over the API', async () => {
    const strict = await startOpenBao();
    try {
      const stack = handMade({ vault_audit: { a: { type: 'file', path: 'x', options: { file_path: '/tmp/never-written.log' } } } });
      stack.json.resource!.vault_mount.kv.path = 'hand-kv-strict';
      await expect(replayVault(stack, vaultClient(strict.addr, { token: strict.rootToken }))).rejects.toThrow(
        /replay: vault_audit\.a: PUT sys\/audit\/x answered 400 \(expected 204\): .*cannot enable audit device via API; use declarative, config-based audit device management instead/,
      );
    } finally {
      await strict.stop();
    }
  });

  test('the aws stand-in refuses a role the aws engine would refuse', async () => {
    const stack = handMade({
      vault_aws_secret_backend: { b: { path: 'hand-aws' } },
      vault_aws_secret_backend_role: {
        r: {
          backend: '${vault_aws_secret_backend.b.path}',
          name: 'r',
          credential_type: 'assumed_role',
          role_arns: ['arn:aws:iam::000000000000:role/r'],
          default_sts_ttl: 7200,
          max_sts_ttl: 3600,
        },
      },
    });
    await expect(replayVault(stack, root, { awsSecretsEngine: 'kv-stand-in' })).rejects.toThrow(
      'the aws engine would refuse this role: "default_sts_ttl" value must be less than or equal to "max_sts_ttl" value',
    );
  });

  test('variables given as TF_VAR_ would are what the KV entry holds', async () => {
    const stack = handMade({
      vault_kv_secret_v2: {
        e: { mount: '${vault_mount.kv.path}', name: 'agents/a/s', data_json_wo: '${var.seed}', data_json_wo_version: 1 },
      },
    });
    stack.json.resource!.vault_mount.kv.path = 'hand-kv-2';
    stack.json.variable = { seed: { type: 'string', default: '{}' } };
    await replayVault(stack, root, { variables: { seed: '{"token":"t-1"}' } });
    expect((await root.request('GET', 'hand-kv-2/data/agents/a/s')).body.data.data).toEqual({ token: 't-1' });
  });
});
