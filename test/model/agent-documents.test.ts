import { alarmSpecsFor } from '../../constructs/private/alarm-specs';
import { reEnableStepsOf } from '../../functions/revoke/message';
import { Revocation } from '../../functions/revoke/revoke-agent';
import { agentDocumentsFor, reEnableStepsFor, RUNBOOK_SECTIONS, runbookFor, snippetFilesFor } from '../../documents';
import { Agent, awsAccessOf, Fleet, loginMethodOf, rotateCommand } from '../../model';
import { PROVIDER_FACTS } from '../../model/providers';
import { secretEntriesFor } from '../../model/secret-entries';
import { loadFleet } from '../../table';
import { fleetFromYaml } from '../helpers';

const TABLES = ['agents.yaml', 'test/fixtures/fleet.yaml', 'test/fixtures/github-agents.yaml'];
const fleets: Record<string, Fleet> = {};

beforeAll(async () => {
  for (const table of TABLES) fleets[table] = await loadFleet({ table });
});

const every = (): { table: string; agent: Agent; fleet: Fleet }[] =>
  TABLES.flatMap((table) => fleets[table].agents.map((agent) => ({ table, agent, fleet: fleets[table] })));
const seed = (name: string): Agent => fleets['agents.yaml'].agents.find((a) => a.name === name)!;
const fixture = (name: string): Agent => fleets['test/fixtures/fleet.yaml'].agents.find((a) => a.name === name)!;
/** The commands of a runbook's ```sh blocks, one a line, in order. */
function commandsIn(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
    m[1]
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== ''),
  );
}

describe('runbooks', () => {
  test('every agent of every table has every section, once each, in order', () => {
    for (const { table, agent, fleet } of every()) {
      const page = runbookFor(agent, fleet);
      expect(page.startsWith(`# Runbook: ${agent.name}\n`)).toBe(true);
      const headings = page.split('\n').filter((l) => /^#{2,3} /.test(l));
      expect({ table, agent: agent.name, headings }).toEqual({ table, agent: agent.name, headings: [...RUNBOOK_SECTIONS] });
    }
  });

  test('the re-enable steps are exactly those the revoke function’s message gives (functions/revoke/message.ts), GitHub Actions agents included', () => {
    for (const { agent, fleet } of every()) {
      const revocation = {
        agent: agent.name,
        fleet: fleet.settings.name,
        revokedAt: '2026-01-01T00:00:00Z',
        appRole: loginMethodOf(agent) === 'approle' ? 'present' : 'absent',
        awsRole: awsAccessOf(agent, fleet.credentials) === 'none' ? 'absent' : 'denied-older-sessions',
        denyPolicyName: `agent-${agent.name}-revoked`,
        // Each of its credentials: revoked at the provider where it has a revoker, else by hand.
        providers: secretEntriesFor(agent, fleet.settings, fleet.credentials).map((e) => {
          const c = fleet.credentials[e.secret]!;
          return {
            credential: e.secret,
            provider: c.provider ? PROVIDER_FACTS[c.provider].title : e.secret,
            outcome: e.store === 'vault' && c.revoker ? 'revoked' : 'by-hand',
            detail: '',
          };
        }),
      } as unknown as Revocation;
      const message = reEnableStepsOf(revocation, fleet.settings.kvMount);
      // The message names the time of the revocation; the runbook, written before it, cannot.
      expect(reEnableStepsFor(agent, fleet).map((s) => s.what)).toEqual(
        message.map((s) => s.what.replace(' before 2026-01-01T00:00:00Z ', ' before the revocation ')),
      );
      const fromMessage = message.map((s) => s.command);
      expect(reEnableStepsFor(agent, fleet).map((s) => s.command)).toEqual(fromMessage);
      const page = runbookFor(agent, fleet);
      const reEnable = page.slice(page.indexOf('### Re-enable'));
      expect(commandsIn(reEnable)).toEqual(fromMessage);
    }
  });

  test('each alarm is named and its threshold is the table’s, as the synthesized alarm has it (constructs/private/alarm-specs.ts)', () => {
    for (const { agent, fleet } of every()) {
      const page = runbookFor(agent, fleet);
      const rows = page.split('\n').filter((l) => l.startsWith('| `scoped-agents/'));
      expect(rows).toHaveLength(4);
      for (const spec of alarmSpecsFor(fleet.settings.name, agent)) {
        const row = rows.find((r) => r.startsWith(`| \`${spec.name}\` |`));
        expect(row).toBeDefined();
        const sign = spec.comparisonOperator === 'GreaterThanThreshold' ? '>' : '<';
        expect(row).toContain(`| ${sign} ${spec.threshold}`);
      }
    }
  });

  test('lead-enricher (seed, claude, AppRole): the exact commands to rotate, revoke and re-enable', () => {
    const page = runbookFor(seed('lead-enricher'), fleets['agents.yaml']);
    expect(commandsIn(page)).toEqual([
      `aws lambda invoke --function-name scoped-agents-rotate --cli-binary-format raw-in-base64-out --payload '{"action":"rotate","agent":"lead-enricher"}' /dev/stdout`,
      'vault kv rollback -mount=kv -version=<n> agents/lead-enricher/hubspot',
      'aws cloudwatch set-alarm-state --alarm-name scoped-agents/scoped-agents/lead-enricher/denied-rate --state-value ALARM --state-reason "revoked by hand"',
      'vault kv put -mount=kv control/revoked/lead-enricher agent=lead-enricher reason="revoked by hand"',
      "echo '# REVOKED by hand: this policy grants nothing.' | vault policy write agent-lead-enricher -",
      'vault list auth/approle/role/agent-lead-enricher/secret-id',
      'vault write auth/approle/role/agent-lead-enricher/secret-id-accessor/destroy secret_id_accessor=<each accessor listed>',
      'vault kv metadata delete -mount=kv control/revoked/lead-enricher',
      'cdktf deploy',
      'vault kv put -mount=kv agents/lead-enricher/hubspot @hubspot.json',
      `aws lambda invoke --function-name scoped-agents-rotate --cli-binary-format raw-in-base64-out --payload '{"action":"rotate","agent":"lead-enricher"}' /dev/stdout`,
    ]);
    expect(page).toContain('| owner | growth@acme.example |');
    expect(page).toContain(
      '| Read contact info | `crm.contacts.read`: Read CRM contacts (HubSpot crm.objects.contacts.read) | through the gateway, on hubspot: `GET /crm/v3/objects/contacts`, `GET /crm/v3/objects/contacts/*`, `POST /crm/v3/objects/contacts/search`; the gateway injects its own hubspot credential from KV v2 `kv/data/agents/lead-enricher/hubspot` (the agent never holds it) |',
    );
    expect(page).toContain(
      '| hubspot | `crm.contacts.read`, `crm.tags.write` | Vault KV v2 `kv/agents/lead-enricher/hubspot` (metadata lists its scopes) | the gateway only (`scoped-agents-gateway`) | rotator `oauth2-refresh` |',
    );
    expect(page).toContain('Secrets Manager `scoped-agents/scoped-agents/agents/lead-enricher/vault-login`');
    expect(page).toContain('| Vault token (`token_ttl`) | 15m (900 s) |');
    expect(page).toContain('| AppRole secret-id (`secret_id_ttl`) | 1d1h (90000 s) |');
    expect(page).toContain('Schedule `agent-lead-enricher` in group `scoped-agents` (EventBridge Scheduler, UTC): `cron(0 3 * * ? *)`.');
    // The platform fills its gateway key and the gateway's URL, never the HubSpot key.
    expect(page).toContain(
      '| `SCOPED_AGENTS_KEY` | `{{secrets.LEAD_ENRICHER_GATEWAY_KEY}}` | Secrets Manager `scoped-agents/scoped-agents/agents/lead-enricher/gateway-key`, field `key` |',
    );
    expect(page).toContain(
      '| `SCOPED_AGENTS_GATEWAY_URL` | `{{secrets.SCOPED_AGENTS_GATEWAY_URL}}` | the stack output `gateway_url` (not secret) | `terraform output -raw gateway_url` |',
    );
    expect(page).not.toContain('HUBSPOT_TOKEN');
    expect(page).toContain(
      '| hubspot | `<gateway_url>/hubspot` | `https://api.hubapi.com` | `GET /crm/v3/objects/contacts`, `GET /crm/v3/objects/contacts/*`, `PATCH /crm/v3/objects/contacts/*`, `POST /crm/v3/objects/contacts/search` |',
    );
    expect(page).toContain('It authenticates with its gateway key: header `X-Scoped-Agents-Key: <key>` (or `Authorization: Bearer <key>`).');
    expect(page).toContain(
      "- issues a new gateway key, writes its hash to the gateway's table and the key to `scoped-agents/scoped-agents/agents/lead-enricher/gateway-key`; the previous key works for 1h more;",
    );
    expect(RUNBOOK_SECTIONS.filter((h) => page.includes(`\n${h}\n`))).toEqual([...RUNBOOK_SECTIONS]);
  });

  test('lead-enricher left to call directly (gateway: false): it reads its HubSpot entry itself, and its runbook says its calls go unseen', () => {
    const direct = { ...seed('lead-enricher'), gateway: false };
    const page = runbookFor(direct, fleets['agents.yaml']);
    expect(page).toContain(
      '| Read contact info | `crm.contacts.read`: Read CRM contacts (HubSpot crm.objects.contacts.read) | Vault policy `agent-lead-enricher`: `read` on `kv/data/agents/lead-enricher/hubspot` (its own hubspot credential) |',
    );
    expect(page).toContain(
      '| hubspot | `crm.contacts.read`, `crm.tags.write` | Vault KV v2 `kv/agents/lead-enricher/hubspot` (metadata lists its scopes) | the agent | rotator `oauth2-refresh` |',
    );
    expect(page).toContain('| `HUBSPOT_ACCESS_TOKEN` | `{{secrets.LEAD_ENRICHER_HUBSPOT}}` | KV v2 `kv/agents/lead-enricher/hubspot`, field `access_token` |');
    expect(page).toContain(
      'It calls its APIs directly (`gateway: false` in the table): it holds its credentials, and no gateway checks, limits or logs its calls.',
    );
    expect(page).not.toContain('gateway key');
  });

  test('invoice-summarizer (seed, Vault-brokered AWS): its IAM grants, sessions, and the IAM steps of revocation', () => {
    const page = runbookFor(seed('invoice-summarizer'), fleets['agents.yaml']);
    expect(page).toContain(
      '| Upload PDF | `storage.objects.create`: Upload PDFs under uploads/ | IAM role `agent-invoice-summarizer`, statement `StorageObjectsCreate`: `s3:PutObject` on `arn:aws:s3:::acme-invoices/uploads/*` |',
    );
    expect(page).toContain('Its Vault policy may `read` `aws/creds/agent-invoice-summarizer`');
    expect(page).toContain("| AWS session (Vault's default, longest) | 15m (900 s), 1h (3600 s) |");
    expect(commandsIn(page)).toContain(
      `aws iam put-role-policy --role-name agent-invoice-summarizer --policy-name agent-invoice-summarizer-revoked --policy-document '{"Version":"2012-10-17","Statement":[{"Sid":"RevokeOlderSessions","Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"<now, e.g. 2026-11-27T18:05:00Z>"}}}]}'`,
    );
    expect(commandsIn(page).slice(-1)).toEqual([
      'aws iam delete-role-policy --role-name agent-invoice-summarizer --policy-name agent-invoice-summarizer-revoked',
    ]);
  });

  test('release-bot (fixture, github-actions): JWT login, no secret-id anywhere, the OIDC trust, and the deny for new sessions', () => {
    const page = runbookFor(fixture('release-bot'), fleets['test/fixtures/fleet.yaml']);
    expect(page).toContain('| Vault identity | policy `agent-release-bot`, JWT role `agent-release-bot` at `auth/github-actions` |');
    expect(page).toContain(
      'accepts a token only with audience `scoped-agents:acme-agents`, claim `repository` = `acme/checkout` and claim `environment` = `production` (exact strings, no wildcard)',
    );
    expect(page).toContain('subject `repo:acme/checkout:environment:production`');
    expect(page).not.toContain('secret_id_ttl');
    expect(page).not.toContain('vault-login');
    expect(page).toContain('- issues no secret-id: the agent has no AppRole role');
    const commands = commandsIn(page);
    expect(commands).not.toContain('vault list auth/agent-login/role/agent-release-bot/secret-id');
    expect(commands).toContain(
      `aws iam put-role-policy --role-name agent-release-bot --policy-name agent-release-bot-revoked-all --policy-document '{"Version":"2012-10-17","Statement":[{"Sid":"DenyEverySession","Effect":"Deny","Action":"*","Resource":"*"}]}'`,
    );
  });

  test('the rotate command is the schedule’s event, run by hand', () => {
    expect(rotateCommand('acme-agents', 'release-bot')).toBe(
      `aws lambda invoke --function-name acme-agents-rotate --cli-binary-format raw-in-base64-out --payload '{"action":"rotate","agent":"release-bot"}' /dev/stdout`,
    );
  });

  test('deterministic: the same table gives the same pages, whatever file it was read from', () => {
    const fleet = fleets['agents.yaml'];
    expect(agentDocumentsFor({ ...fleet, files: ['/elsewhere/agents.yaml'] } as Fleet)).toEqual(agentDocumentsFor(fleet));
  });
});

describe('snippets', () => {
  test('each agent gets its platform’s files, beside its runbook', () => {
    const paths = (table: string): string[] => agentDocumentsFor(fleets[table]).map((d) => d.path);
    expect(paths('agents.yaml')).toEqual([
      'agents/email-notifier/RUNBOOK.md',
      'agents/email-notifier/snippet.md',
      'agents/invoice-summarizer/RUNBOOK.md',
      'agents/invoice-summarizer/snippet.json',
      'agents/lead-enricher/RUNBOOK.md',
      'agents/lead-enricher/snippet.json',
    ]);
    expect(paths('test/fixtures/fleet.yaml').filter((p) => !p.endsWith('RUNBOOK.md'))).toEqual([
      'agents/data-loader/snippet.env',
      'agents/data-loader/snippet.vault-agent.hcl',
      'agents/deal-scorer/snippet.json',
      'agents/release-bot/snippet.yml',
      'agents/report-writer/snippet.json',
      'agents/ticket-triager/snippet.json',
    ]);
  });

  test('claude, through the gateway: the gateway URL, its HubSpot base URL under it and its gateway key, by name; no HubSpot key', () => {
    expect(snippetFilesFor(seed('lead-enricher'), fleets['agents.yaml'])).toEqual([
      {
        name: 'snippet.json',
        content:
          '{\n  "name": "lead-enricher",\n  "environment": {\n' +
          '    "SCOPED_AGENTS_GATEWAY_URL": "{{secrets.SCOPED_AGENTS_GATEWAY_URL}}",\n' +
          '    "HUBSPOT_BASE_URL": "{{secrets.SCOPED_AGENTS_GATEWAY_URL}}/hubspot",\n' +
          '    "SCOPED_AGENTS_KEY": "{{secrets.LEAD_ENRICHER_GATEWAY_KEY}}"\n  }\n}\n',
      },
    ]);
  });

  test('claude, calling directly: the environment block refers to its own secret by name, as the source material does', () => {
    expect(snippetFilesFor({ ...seed('lead-enricher'), gateway: false }, fleets['agents.yaml'])).toEqual([
      {
        name: 'snippet.json',
        content: '{\n  "name": "lead-enricher",\n  "environment": {\n    "HUBSPOT_ACCESS_TOKEN": "{{secrets.LEAD_ENRICHER_HUBSPOT}}"\n  }\n}\n',
      },
    ]);
  });

  test('openai: one tool per action, and metadata naming each secret reference (its Vault login, to broker its AWS sessions)', () => {
    const [file] = snippetFilesFor(seed('invoice-summarizer'), fleets['agents.yaml']);
    const assistant = JSON.parse(file.content);
    expect(assistant.tools.map((t: { function: { name: string; description: string } }) => [t.function.name, t.function.description])).toEqual([
      ['upload_pdf', 'Upload PDF (scopes: storage.objects.create)'],
      ['read_bucket', 'Read bucket (scopes: storage.buckets.read)'],
    ]);
    expect(assistant.metadata).toEqual({
      agent: 'invoice-summarizer',
      vault_addr: '{{secrets.VAULT_ADDR}}',
      vault_auth_path: 'approle',
      vault_aws_creds_path: 'aws/creds/agent-invoice-summarizer',
      vault_role_id: '{{secrets.INVOICE_SUMMARIZER_VAULT_ROLE_ID}}',
      vault_secret_id: '{{secrets.INVOICE_SUMMARIZER_VAULT_SECRET_ID}}',
    });
  });

  test('zapier, through the gateway: Webhooks by Zapier steps to its endpoints with its gateway key, never the app connection', () => {
    const [file] = snippetFilesFor(seed('email-notifier'), fleets['agents.yaml']);
    expect(file.name).toBe('snippet.md');
    expect(file.content).toContain('# Zapier checklist: email-notifier');
    expect(file.content).toContain(
      "Zapier's built-in app\nconnections (the sendgrid app) call their provider directly with a key of their own, so they cannot carry this agent's\ncalls: use a **Webhooks by Zapier** step (action **Custom Request**) for each call instead.",
    );
    expect(file.content).toContain(
      '- [ ] Do not connect the sendgrid app for `email-notifier`: it would hold a key of its own and call the provider unlogged.',
    );
    expect(file.content).toContain('      - `POST <gateway_url>/sendgrid/v3/mail/send`\n');
    expect(file.content).toContain(
      '`aws secretsmanager get-secret-value --secret-id scoped-agents/scoped-agents/agents/email-notifier/gateway-key --query SecretString --output text | jq -r .key`',
    );
    expect(file.content).not.toContain('Create a Zapier connection');
    expect(file.content).not.toContain('agents/email-notifier/sendgrid');
  });

  test('zapier, calling directly: the dedicated-connection checklist names its app, scopes and where the value is, never the value', () => {
    const [file] = snippetFilesFor({ ...seed('email-notifier'), gateway: false }, fleets['agents.yaml']);
    expect(file.name).toBe('snippet.md');
    expect(file.content).toContain(
      '- [ ] Create a Zapier connection (account) used by `email-notifier` and nothing else, named `scoped-agents/email-notifier`.',
    );
    expect(file.content).toContain('**sendgrid credential (mail.send)**');
    expect(file.content).toContain('`vault kv get -mount=kv -field=api_key agents/email-notifier/sendgrid`');
    expect(file.content).toContain(
      '- [ ] In the Zap editor, select this connection in every step of `email-notifier` that needs it, and in no step of another agent.',
    );
  });

  test('generic: environment and a Vault Agent configuration (AppRole auto-auth from files, templates rendering at run time)', () => {
    const [env, hcl] = snippetFilesFor({ ...fixture('report-writer'), platform: 'generic' }, fleets['test/fixtures/fleet.yaml']);
    expect(env.name).toBe('snippet.env');
    expect(env.content.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([
      'VAULT_ADDR=https://vault.acme.example:8200',
      'SLACK_ACCESS_TOKEN_FILE=/run/scoped-agents/report-writer/slack-access-token',
      'VAULT_AGENT_ADDR=http://127.0.0.1:8100',
    ]);
    expect(hcl.name).toBe('snippet.vault-agent.hcl');
    expect(hcl.content).toContain('  method "approle" {\n    mount_path = "auth/agent-login"\n');
    expect(hcl.content).toContain(
      '      role_id_file_path   = "/etc/scoped-agents/report-writer/role_id"\n      secret_id_file_path = "/etc/scoped-agents/report-writer/secret_id"',
    );
    expect(hcl.content).toContain(
      '  contents    = "{{ with secret \\"agent-secrets/data/agents/report-writer/slack\\" }}{{ .Data.data.access_token }}{{ end }}"\n  destination = "/run/scoped-agents/report-writer/slack-access-token"',
    );
    expect(hcl.content).toContain('api_proxy {\n  use_auto_auth_token = "force"\n}');
  });

  test('generic with Vault-brokered AWS: a template renders its STS session into a credentials file', () => {
    const [env, hcl] = snippetFilesFor({ ...seed('invoice-summarizer'), platform: 'generic' }, fleets['agents.yaml']);
    expect(env.content).toContain('AWS_SHARED_CREDENTIALS_FILE=/run/scoped-agents/invoice-summarizer/aws-credentials');
    expect(env.content).toContain('# VAULT_ADDR: the vault_addr you deploy the fleet with');
    expect(hcl.content).toContain('  {{ with secret "aws/creds/agent-invoice-summarizer" }}[default]\n  aws_access_key_id = {{ .Data.access_key }}');
    expect(hcl.content).not.toContain('vault {');
  });

  test('github-actions: a job of its environment that logs in with its OIDC token, reading every setting from the environment’s variables', () => {
    const [file] = snippetFilesFor(fixture('release-bot'), fleets['test/fixtures/fleet.yaml']);
    expect(file.name).toBe('snippet.yml');
    expect(file.content).toContain('    environment: production\n    permissions:\n      id-token: write');
    expect(file.content).toContain(
      '        uses: hashicorp/vault-action@v3\n        with:\n          url: ${{ vars.VAULT_ADDR }}\n          method: jwt\n          path: ${{ vars.VAULT_AUTH_PATH }}\n          role: ${{ vars.VAULT_ROLE }}\n          jwtGithubAudience: ${{ vars.VAULT_AUDIENCE }}',
    );
    expect(file.content).toContain(
      '        uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: ${{ vars.AWS_ROLE_ARN }}\n          aws-region: eu-west-1\n          role-duration-seconds: 900',
    );
  });

  test('github-actions with a credential kept in Secrets Manager: read with the role’s session and masked, never printed', async () => {
    const fleet = await fleetFromYaml(`version: 1
defaults: { owner: a@acme.example }
credentials:
  mailer: { rotator: sendgrid-api-key, store: aws }
scopes:
  mail.send: { secret: mailer }
agents:
  - name: mail-bot
    platform: github-actions
    github: { repository: acme/mail, environment: prod }
    actions: [{ action: Send, scopes: [mail.send] }]
`);
    const [file] = snippetFilesFor(fleet.agents[0], fleet);
    expect(file.content).toContain('          role-to-assume: ${{ vars.AWS_ROLE_ARN }}\n');
    expect(file.content).toContain(
      '        run: |\n' +
        '          value=$(aws secretsmanager get-secret-value --secret-id scoped-agents/scoped-agents/agents/mail-bot/mailer --query SecretString --output text | jq -r .api_key)\n' +
        '          echo "::add-mask::$value"\n' +
        '          echo "MAILER_API_KEY=$value" >> "$GITHUB_ENV"\n',
    );
    expect(file.content).not.toContain('secrets: |');
  });

  test('github-actions with a SaaS credential: the workflow reads it from Vault by path, into an environment variable', () => {
    const release = fleets['test/fixtures/github-agents.yaml'].agents.find((a) => a.name === 'release-bot')!;
    const [file] = snippetFilesFor(release, fleets['test/fixtures/github-agents.yaml']);
    expect(file.content).toContain('          secrets: |\n            kv/data/agents/release-bot/slack access_token | SLACK_ACCESS_TOKEN\n');
  });
});
