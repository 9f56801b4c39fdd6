/**
 * The one-page runbook of an agent, in Markdown, from the same model the
 * constructs render: who owns it, what it may do and why, where its secrets
 * live, its lifetimes, its rotation (and how to rotate by hand), its alarms,
 * and how revocation works (and how to revoke and re-enable by hand). Pure and
 * deterministic: no clock, no file paths, so the page committed to a
 * repository changes only when the table does.
 */
import { accessFor } from '../model/access';
import { awsAccessOf, awsCredentialsPath, loginMethodOf } from '../model/agent-login';
import { deliveryFor, SecretReference } from '../model/delivery';
import { formatDuration } from '../model/duration';
import { Agent, agentResourceName, Fleet, Scope } from '../model/fleet';
import { githubSubject, githubVaultAudience } from '../model/github-oidc';
import { sidFor } from '../model/iam-policy';
import {
  ALARM_KINDS,
  AlarmKind,
  alarmName,
  alarmRevokes,
  callLogGroupName,
  functionName,
  functionVaultRole,
  ReEnableStep,
  reEnableSteps,
  revocationMarker,
  rotateCommand,
  SECRET_NAMES,
} from '../model/operations';
import { cell, cellCode, code } from '../model/private/markdown';
import { GATEWAY } from '../model/gateway';
import { endpointText } from '../model/http-grants';
import { readCommand } from './snippets/read-command';
import { FLEET_RESOURCE_NAMES } from '../model/resource-names';
import { secretEntriesFor } from '../model/secret-entries';
import { PROVIDER_FACTS } from '../model/providers';

/** The headings every runbook has, in order. */
export const RUNBOOK_SECTIONS = [
  '## Who and where',
  '## What it may do, and why',
  '## How it logs in',
  '## Calling through the gateway',
  '## Where its secrets live',
  '## Lifetimes',
  '## Rotation',
  '### Rotate by hand',
  '## Alarms',
  '## Revocation',
  '### Revoke by hand',
  '### Re-enable',
] as const;

const ttl = (seconds: number): string => `${formatDuration(seconds)} (${seconds} s)`;

/**
 * The steps that undo a revocation of `agent`, in order: those of the revoke
 * function's message ({@link reEnableSteps}), for an agent whose IAM role
 * (when it has one) carries the deny.
 */
export function reEnableStepsFor(agent: Agent, fleet: Pick<Fleet, 'settings' | 'credentials'>): ReEnableStep[] {
  return reEnableSteps({
    fleet: fleet.settings.name,
    agent: agent.name,
    kvMount: fleet.settings.kvMount,
    appRole: loginMethodOf(agent) === 'approle',
    awsRole: awsAccessOf(agent, fleet.credentials) !== 'none',
    providerCredentials: secretEntriesFor(agent, fleet.settings, fleet.credentials).map((e) => {
      const c = fleet.credentials[e.secret];
      return {
        credential: e.secret,
        provider: c?.provider ? PROVIDER_FACTS[c.provider].title : e.secret,
        revoked: e.store === 'vault' && c?.revoker !== undefined,
      };
    }),
  });
}

/** What one alarm watches, in the words of the README's alarm table. */
function alarmRow(agent: Agent, kind: AlarmKind): { firesWhen: string; threshold: string } {
  const a = agent.alarms;
  switch (kind) {
    case 'call-rate':
      return {
        firesWhen: `more than ${a.maxCallsPerMinute} calls in one minute: a runaway loop, or the credential used by someone else`,
        threshold: `> ${a.maxCallsPerMinute} calls/min`,
      };
    case 'denied-rate':
      return {
        firesWhen: `more than ${a.maxDeniedPerMinute} denied calls in one minute: it tries what its scopes do not allow (a prompt-injection signal)`,
        threshold: `> ${a.maxDeniedPerMinute} denied/min`,
      };
    case 'orphan':
      return {
        firesWhen: `no call at all in each of ${a.orphanAfterHours} hours: a credential nobody uses should not exist`,
        threshold: `< 1 call/h for ${a.orphanAfterHours} h`,
      };
    case 'rotation-failure':
      return { firesWhen: 'a rotation of its credentials failed', threshold: '> 0 failures in 5 min' };
  }
}

/** The concrete grants of one scope, in words. */
function grantsOf(scope: Scope, agent: Agent, fleet: Pick<Fleet, 'settings' | 'credentials'>): string {
  const role = agentResourceName(agent);
  switch (scope.kind) {
    case 'secret': {
      const entry = secretEntriesFor(agent, fleet.settings, fleet.credentials).find((e) => e.secret === scope.secret)!;
      if (entry.readBy === 'gateway' && scope.http) {
        const where = entry.store === 'vault' ? `KV v2 ${code(entry.dataPath)}` : `Secrets Manager ${code(entry.secretsManagerName)}`;
        return `through the gateway, on ${scope.http.api}: ${scope.http.endpoints.map((e) => code(endpointText(e))).join(', ')}; the gateway injects its own ${scope.secret} credential from ${where} (the agent never holds it)`;
      }
      return entry.store === 'vault'
        ? `Vault policy ${code(role)}: ${code('read')} on ${code(entry.dataPath)} (its own ${scope.secret} credential)`
        : `IAM role ${code(role)}: ${code('secretsmanager:GetSecretValue')} on its own secret ${code(entry.secretsManagerName)}, ${code('kms:Decrypt')} with the fleet key`;
    }
    case 'aws':
      return `IAM role ${code(role)}, statement ${code(sidFor(scope.name))}: ${scope.actions.map(code).join(', ')} on ${scope.resources.map(code).join(', ')}`;
    case 'vault':
      return `Vault policy ${code(role)}: ${scope.capabilities.map(code).join(', ')} on ${code(scope.path)}`;
  }
}

/** Where a reference's value lives, in words. */
function source(ref: SecretReference): string {
  return ref.source.store === 'vault'
    ? `KV v2 ${code(`${ref.source.mount}/${ref.source.path}`)}, field ${code(ref.source.field)}`
    : `Secrets Manager ${code(ref.source.name)}, field ${code(ref.source.field)}`;
}

/**
 * The runbook of `agent` as Markdown. Every section of {@link RUNBOOK_SECTIONS}
 * is there, in order; the commands are exact (names filled in), and none of
 * them carries a secret value.
 */
export function runbookFor(agent: Agent, fleet: Pick<Fleet, 'settings' | 'credentials' | 'apis'>): string {
  const { settings } = fleet;
  const role = agentResourceName(agent);
  const login = loginMethodOf(agent);
  const aws = awsAccessOf(agent, fleet.credentials);
  const delivery = deliveryFor(agent, fleet);
  const entries = secretEntriesFor(agent, settings, fleet.credentials);
  // What it may do: the one answer the constructs render, printed here.
  const access = accessFor(agent, fleet);
  const out: string[] = [];
  const p = (...lines: string[]): void => {
    out.push(...lines);
  };

  p(`# Runbook: ${agent.name}`, '');
  p(`Generated by scoped-agents from the agent table (fleet ${code(settings.name)}). Do not edit: change the table and synthesize again.`, '');

  p('## Who and where', '');
  p('| | |', '|---|---|');
  p(`| owner | ${cell(agent.owner)} |`);
  p(`| platform | ${agent.platform} |`);
  if (agent.github) p(`| runs in | GitHub repository ${code(agent.github.repository)}, environment ${code(agent.github.environment)} |`);
  if (agent.description) p(`| description | ${cell(agent.description)} |`);
  p(`| fleet | ${code(settings.name)} |`);
  p(
    `| Vault identity | policy ${code(role)}, ${login === 'approle' ? `AppRole role ${code(role)} at ${code(`auth/${settings.appRoleMount}`)}` : `JWT role ${code(role)} at ${code(`auth/${settings.jwtMount}`)}`} |`,
  );
  p(`| AWS identity | ${aws === 'none' ? 'none (no aws: scope, no credential kept in AWS)' : `IAM role ${code(role)}`} |`);
  p(`| call log | CloudWatch Logs group ${code(callLogGroupName(settings.name, agent.name))} |`, '');

  p('## What it may do, and why', '');
  p('Each action of the table, the scopes it needs, and what each scope grants, concretely. Nothing else is granted.', '');
  p('| action | scope | grant |', '|---|---|---|');
  for (const action of agent.actions) {
    for (const name of action.scopes) {
      const scope = agent.scopes.find((s) => s.name === name);
      if (!scope) continue;
      const what = scope.description ? `${code(scope.name)}: ${cell(scope.description)}` : code(scope.name);
      p(`| ${cell(action.action)} | ${what} | ${cell(grantsOf(scope, agent, fleet))} |`);
    }
  }
  p('');
  p(
    `Its Vault tokens may also look themselves up and renew themselves (${code('auth/token/lookup-self')}, ${code('auth/token/renew-self')}); they carry no ${code('default')} policy.`,
  );
  if (aws === 'vault-broker')
    p(`Its Vault policy may ${code('read')} ${code(awsCredentialsPath(settings, agent))}: the AWS sessions of its IAM role, issued by Vault.`);
  p('');

  p('## How it logs in', '');
  if (login === 'approle') {
    p(
      `To Vault, with AppRole: role ${code(role)} at ${code(`auth/${settings.appRoleMount}`)}, its role-id and a secret-id. The rotation issues a new secret-id ` +
        `and writes ${code('{"role_id","secret_id"}')} to Secrets Manager ${code(SECRET_NAMES.agentLogin(settings.name, agent.name))}, where the agent (or whoever fills its platform's secrets) reads it.`,
    );
    if (agent.boundCidrs.length > 0) p(`Logins and tokens are accepted only from ${agent.boundCidrs.map(code).join(', ')}.`);
  } else {
    const gh = agent.github!;
    p(
      `To Vault, with the OIDC token GitHub gives each workflow run: JWT role ${code(role)} at ${code(`auth/${settings.jwtMount}`)} accepts a token only with ` +
        `audience ${code(githubVaultAudience(settings))}, claim ${code('repository')} = ${code(gh.repository)} and claim ${code('environment')} = ${code(gh.environment)} (exact strings, no wildcard). ` +
        'No secret-id exists and nothing is stored in GitHub.',
    );
    p(
      `The GitHub environment ${code(gh.environment)} of ${code(gh.repository)} carries the variables ${delivery.settings.map((s) => code(s.env)).join(', ')}${aws === 'github-oidc' ? ` and ${code('AWS_ROLE_ARN')}` : ''}.`,
    );
    if (agent.boundCidrs.length > 0) p(`Its tokens are accepted only from ${agent.boundCidrs.map(code).join(', ')}.`);
  }
  if (aws === 'vault-broker')
    p(
      `To AWS: Vault's AWS secrets engine assumes IAM role ${code(role)} (trusting only Vault's principal) and hands it STS sessions: ${code(`vault read ${awsCredentialsPath(settings, agent)}`)}.`,
    );
  if (aws === 'own-principal')
    p(`To AWS: it runs as ${code(agent.awsPrincipal!)}, the only principal IAM role ${code(role)} trusts (${code('sts:AssumeRole')}).`);
  if (aws === 'github-oidc') {
    p(
      `To AWS: the workflow run assumes IAM role ${code(role)} with its OIDC token (${code('sts:AssumeRoleWithWebIdentity')}); the role trusts GitHub's OIDC provider only for ` +
        `audience ${code('sts.amazonaws.com')} and subject ${code(githubSubject(agent.github!))}.`,
    );
  }
  p('');

  p('## Calling through the gateway', '');
  gatewaySection(agent, fleet, delivery).forEach((line) => p(line));
  p('');

  p('## Where its secrets live', '');
  if (entries.length === 0) p('It has no SaaS credential.');
  else {
    p('| credential | scopes it must carry | where | read by | rotated by |', '|---|---|---|---|---|');
    for (const e of entries) {
      const where =
        e.store === 'vault'
          ? `Vault KV v2 ${code(`${e.mount}/${e.name}`)} (metadata lists its scopes)`
          : `AWS Secrets Manager ${code(e.secretsManagerName)}, KMS-encrypted`;
      const readBy = e.readBy === 'gateway' ? `the gateway only (${code(functionVaultRole('gateway'))})` : 'the agent';
      p(
        `| ${e.secret} | ${e.scopes.map(code).join(', ')} | ${where} | ${readBy} | ${e.store === 'aws' ? 'its Secrets Manager rotation rule' : `rotator ${code(e.rotator)}`} |`,
      );
    }
  }
  p('');
  p(
    login === 'approle'
      ? `Its Vault login (${code('role_id')}, ${code('secret_id')}) is delivered to Secrets Manager ${code(SECRET_NAMES.agentLogin(settings.name, agent.name))}.`
      : 'Its Vault login needs no stored secret: the workflow run proves itself with its OIDC token.',
  );
  const refs = [
    ...(delivery.usesVault && delivery.vaultLogin ? [delivery.vaultLogin.roleId, delivery.vaultLogin.secretId] : []),
    ...delivery.credentials,
    ...(delivery.gateway?.key ? [delivery.gateway.key] : []),
  ];
  if (agent.platform === 'claude' || agent.platform === 'openai' || agent.platform === 'zapier') {
    p('', `On ${agent.platform}, the snippet beside this runbook refers to each secret by name; fill each from its source:`, '');
    p('| variable | platform secret | source | read it with |', '|---|---|---|---|');
    for (const r of refs) p(`| ${code(r.env)} | ${code(`{{secrets.${r.name}}}`)} | ${source(r)} | ${cellCode(readCommand(r))} |`);
    if (delivery.gateway && delivery.gateway.url.value === undefined)
      p(
        `| ${code(delivery.gateway.url.env)} | ${code(`{{secrets.${delivery.gateway.url.env}}}`)} | the stack output ${code('gateway_url')} (not secret) | ${code('terraform output -raw gateway_url')} |`,
      );
    if (refs.length === 0) p('| — | — | — | — |');
    p('', 'Copy a value again after each rotation.');
  } else if (agent.platform === 'generic') {
    p('', 'The OpenBao/Vault Agent configuration beside this runbook (`snippet.vault-agent.hcl`) renders each secret into a file at run time.');
  } else {
    p('', "The workflow job beside this runbook (`snippet.yml`) logs in with the job's OIDC token and reads each secret at run time.");
  }
  p('');

  p('## Lifetimes', '');
  p('| what | lifetime |', '|---|---|');
  p(`| Vault token (${code('token_ttl')}) | ${ttl(access.login.tokenTtl)} |`);
  p(`| Vault token, renewed up to (${code('token_max_ttl')}) | ${ttl(access.login.tokenMaxTtl)} |`);
  if (access.login.secretIdTtl !== undefined) p(`| AppRole secret-id (${code('secret_id_ttl')}) | ${ttl(access.login.secretIdTtl)} |`);
  if (access.aws?.sessions) p(`| AWS session (Vault's default, longest) | ${ttl(access.aws.sessions.defaultTtl)}, ${ttl(access.aws.sessions.maxTtl)} |`);
  if (access.aws) p(`| IAM role max session | ${ttl(access.aws.maxSessionDuration)} |`);
  p('');

  p('## Rotation', '');
  p(
    `Schedule ${code(role)} in group ${code(settings.name)} (EventBridge Scheduler, UTC): ${code(agent.rotation)}. It invokes ${code(functionName(settings.name, 'rotate'))} with ${code(`{"action":"rotate","agent":"${agent.name}"}`)}, which:`,
    '',
  );
  if (login === 'approle') {
    p(
      `- issues a new AppRole secret-id, delivers it to ${code(SECRET_NAMES.agentLogin(settings.name, agent.name))}, and expires the previous ones ${formatDuration(settings.rotationGrace)} later;`,
    );
  } else {
    p('- issues no secret-id: the agent has no AppRole role (the function finds none and skips that part);');
  }
  if (delivery.gateway?.key) {
    p(
      `- issues a new gateway key, writes its hash to the gateway's table and the key to ${code(delivery.gateway.key.source.store === 'secrets-manager' ? delivery.gateway.key.source.name : '')}; the previous key works for ${formatDuration(settings.rotationGrace)} more;`,
    );
  }
  for (const e of entries) {
    if (e.store === 'aws') p(`- leaves ${e.secret} to its Secrets Manager rotation rule, on the same schedule;`);
    else if (e.rotator === 'manual') p(`- logs that ${e.secret} is rotated by hand (rotator ${code('manual')});`);
    else p(`- rotates ${e.secret} through rotator ${code(e.rotator)}, writing the new value as the next KV version (check-and-set);`);
  }
  p(
    `- publishes ${code('RotationSuccesses')} and ${code('RotationFailures')}; a failure raises the rotation-failure alarm, and the previous credential keeps working.`,
    '',
  );
  p('It refuses, without counting a failure, while the revocation marker exists.', '');
  p('### Rotate by hand', '');
  p('Run the whole rotation now:', '', '```sh', rotateCommand(settings.name, agent.name), '```', '');
  const manual = entries.filter((e) => e.store === 'vault' && e.rotator === 'manual');
  if (manual.length > 0) {
    p(
      'Rotate a credential by hand at its provider (with exactly the scopes listed above), then store the new value; the command reads it from standard input, so it never reaches your shell history:',
      '',
      '```sh',
    );
    for (const e of manual) p(`vault kv put -mount=${e.mount} ${e.name} token=-`);
    p('```', '');
  }
  const inVault = entries.filter((e) => e.store === 'vault');
  if (inVault.length > 0) {
    p('Roll a credential back to an earlier version:', '', '```sh');
    for (const e of inVault) p(`vault kv rollback -mount=${e.mount} -version=<n> ${e.name}`);
    p('```', '');
  }
  const inAws = entries.filter((e) => e.store === 'aws');
  if (inAws.length > 0) {
    p('Rotate a credential kept in Secrets Manager:', '', '```sh');
    for (const e of inAws) p(`aws secretsmanager rotate-secret --secret-id ${e.secretsManagerName}`);
    p('```', '');
  }

  p('## Alarms', '');
  p(`Each alarm notifies the topic ${code(FLEET_RESOURCE_NAMES.topic(settings.name))}; the team hears about every one.`, '');
  p('| alarm | fires when | threshold | then |', '|---|---|---|---|');
  for (const kind of ALARM_KINDS) {
    const row = alarmRow(agent, kind);
    const then =
      kind === 'orphan'
        ? agent.alarms.orphanAction === 'revoke'
          ? 'revoked automatically if it ever made a call (orphanAction: revoke), team notified; a never-used agent is only flagged'
          : 'team notified only: flagged as an orphan, or as never used before its first call (orphanAction: notify)'
        : alarmRevokes(kind, agent.alarms.orphanAction)
          ? 'revoked automatically, team notified'
          : 'team notified only; the previous credential still works';
    p(`| ${code(alarmName(settings.name, agent.name, kind))} | ${row.firesWhen} | ${row.threshold} | ${then} |`);
  }
  p('');

  p('## Revocation', '');
  p(
    `When ${ALARM_KINDS.filter((k) => alarmRevokes(k, agent.alarms.orphanAction))
      .map(code)
      .join(
        ', ',
      )} goes to ALARM${agent.alarms.orphanAction === 'revoke' ? ' (orphan: if it ever made a call)' : ''}, the revoke function ${code(functionName(settings.name, 'revoke'))}, logged in to Vault as ${code(functionVaultRole('revoke'))}, cuts ${agent.name} off within seconds; other agents are untouched:`,
    '',
  );
  p(`1. records the revocation at ${code(`${settings.kvMount}/${revocationMarker(agent.name)}`)}; rotation refuses the agent while it exists;`);
  p(`2. replaces the Vault policy ${code(role)} with one that grants nothing: every live token loses every path at once;`);
  p(
    login === 'approle'
      ? `3. destroys every secret-id of the AppRole role ${code(role)}: no new login succeeds;`
      : '3. (no secret-id to destroy: a new workflow run still logs in, but its token carries the emptied policy and may do nothing);',
  );
  p('4. revokes its live Vault tokens;');
  p(
    aws === 'none'
      ? '5. (no IAM role: no AWS session to revoke);'
      : `5. puts the inline policy ${code(`${role}-revoked`)} on the IAM role ${code(role)}, denying every action to the sessions issued before the revocation;`,
  );
  p('6. logs a message and posts it to the team, with the re-enable steps below.', '');
  if (aws === 'github-oidc' || aws === 'own-principal') {
    p(
      `Step 5 denies the sessions issued before the revocation only. ${aws === 'github-oidc' ? 'A new workflow run' : `Its principal ${code(agent.awsPrincipal!)}`} can still assume ${code(role)} afterwards; ` +
        'to refuse those sessions as well until you re-enable it:',
      '',
      '```sh',
      `aws iam put-role-policy --role-name ${role} --policy-name ${role}-revoked-all --policy-document '{"Version":"2012-10-17","Statement":[{"Sid":"DenyEverySession","Effect":"Deny","Action":"*","Resource":"*"}]}'`,
      '```',
      '',
    );
  }
  p('### Revoke by hand', '');
  p(
    `Run the same revocation as an alarm would (when the alarm is not in ALARM already; it returns to its real state at its next evaluation, the revocation stays):`,
    '',
    '```sh',
  );
  p(
    `aws cloudwatch set-alarm-state --alarm-name ${alarmName(settings.name, agent.name, 'denied-rate')} --state-value ALARM --state-reason "revoked by hand"`,
    '```',
    '',
  );
  p('Without the function, the same steps in Vault and AWS (the emptied policy alone stops every live token):', '', '```sh');
  p(`vault kv put -mount=${settings.kvMount} ${revocationMarker(agent.name)} agent=${agent.name} reason="revoked by hand"`);
  p(`echo '# REVOKED by hand: this policy grants nothing.' | vault policy write ${role} -`);
  if (login === 'approle') {
    p(`vault list auth/${settings.appRoleMount}/role/${role}/secret-id`);
    p(`vault write auth/${settings.appRoleMount}/role/${role}/secret-id-accessor/destroy secret_id_accessor=<each accessor listed>`);
  }
  if (aws !== 'none') {
    p(
      `aws iam put-role-policy --role-name ${role} --policy-name ${role}-revoked --policy-document '{"Version":"2012-10-17","Statement":[{"Sid":"RevokeOlderSessions","Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"<now, e.g. 2026-11-27T18:05:00Z>"}}}]}'`,
    );
  }
  p('```', '');
  p('### Re-enable', '');
  p('Once the cause is understood:', '');
  reEnableStepsFor(agent, fleet).forEach((s, i) => p(`${i + 1}. ${s.what}:`, '', '   ```sh', `   ${s.command}`, '   ```', ''));
  if (aws === 'github-oidc' || aws === 'own-principal') {
    p(`If you also denied new sessions, remove that deny: ${code(`aws iam delete-role-policy --role-name ${role} --policy-name ${role}-revoked-all`)}`, '');
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

/** The lines of "Calling through the gateway": its APIs and endpoints there, how it authenticates, what is refused. */
function gatewaySection(agent: Agent, fleet: Pick<Fleet, 'settings' | 'apis'>, delivery: ReturnType<typeof deliveryFor>): string[] {
  const { settings } = fleet;
  const direct = agent.scopes.filter((s) => s.kind === 'secret' && s.http !== undefined);
  if (!delivery.gateway) {
    if (direct.length === 0) return ['It calls no API through the gateway: no scope of it grants `http:` endpoints.'];
    return [
      `It calls its APIs directly (${agent.gateway ? '' : '`gateway: false` in the table'}): it holds its credentials, and no gateway checks, limits or logs its calls. ` +
        `Write each call to its call log with ${code('formatCallLogLine')} (see docs/operations.md), or its alarms see nothing.`,
    ];
  }
  const g = delivery.gateway;
  const url = g.url.value ?? '<gateway_url>';
  const lines = [
    `Its HTTP client calls the fleet's gateway, never the provider: the gateway (${code(functionName(settings.name, 'gateway'))}) holds its provider credentials, ` +
      `lets through only the endpoints below, at most ${agent.alarms.maxCallsPerMinute} calls a minute (429 beyond), refuses it within seconds once revoked, ` +
      `and writes every call to ${code(callLogGroupName(settings.name, agent.name))}.`,
    '',
    '| API | base URL of its client | the gateway forwards to | endpoints |',
    '|---|---|---|---|',
    ...g.apis.map((a) => `| ${a.api} | ${code(`${url}${a.path}`)} | ${code(fleet.apis[a.api]?.baseUrl ?? '?')} | ${a.endpoints.map(code).join(', ')} |`),
    '',
  ];
  if (url === '<gateway_url>')
    lines.push(`${code('<gateway_url>')} is the stack output ${code('gateway_url')} (${code('terraform output -raw gateway_url')}).`, '');
  lines.push(
    g.auth === 'gateway-key'
      ? `It authenticates with its gateway key: header ${code('X-Scoped-Agents-Key: <key>')} (or ${code('Authorization: Bearer <key>')}). The rotation writes a new key to ${code(GATEWAY.keySecretName(settings.name, agent.name))}, field ${code('key')}; the gateway keeps only its hash.`
      : `It authenticates with its own Vault token: header ${code('X-Vault-Token: <token>')} (or ${code('Authorization: Bearer <token>')}); the gateway looks the token up with the token itself.`,
    '',
    'Any other call is refused with 403 and logged as denied, which the denied-rate alarm counts; so is a path or header trick (encoded separators, dot segments, another host).',
  );
  return lines;
}
