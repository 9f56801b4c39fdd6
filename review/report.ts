import { formatDuration } from '../model/duration';
import { AccessMatrix, AgentAccess, AlarmAccess, IamGrant } from './access-matrix';
import { cell, cellCode, table, text } from '../model/private/markdown';

/** Seconds as the table writes durations; `-` when unset. */
export function ttlText(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  return seconds === 0 ? '0 (no limit set)' : formatDuration(seconds);
}

const COMPARISON: Record<string, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

/** When an alarm fires, in words: `Calls > 1000 per 1m`, `Calls < 1 per 1h, 24 of 24 periods`. */
export function alarmCondition(alarm: AlarmAccess): string {
  const op = COMPARISON[alarm.comparison ?? ''] ?? alarm.comparison ?? '?';
  const base = `${alarm.metric ?? '?'} ${op} ${alarm.threshold ?? '?'} per ${ttlText(alarm.period)}`;
  const periods = alarm.evaluationPeriods ?? 1;
  return periods > 1 ? `${base}, ${alarm.datapointsToAlarm ?? periods} of ${periods} periods` : base;
}

/** One IAM statement in words: `Allow s3:PutObject on arn:…`. */
export function iamGrantText(grant: Pick<IamGrant, 'effect' | 'actions' | 'notActions' | 'resources' | 'notResources' | 'condition'>): string {
  const actions = grant.notActions.length > 0 ? `every action except ${grant.notActions.map(cellCode).join(', ')}` : grant.actions.map(cellCode).join(', ');
  const resources =
    grant.notResources.length > 0 ? `every resource except ${grant.notResources.map(cellCode).join(', ')}` : grant.resources.map(cellCode).join(', ');
  return `${grant.effect} ${actions} on ${resources}${grant.condition ? ` when ${cellCode(grant.condition)}` : ''}`;
}

function grantRows(agent: AgentAccess): string[][] {
  const rows: string[][] = [];
  for (const rule of agent.vault) {
    const scopes = agent.scopes.filter((s) => s.vault.some((v) => v.path === rule.path)).map((s) => s.name);
    const label = scopes.length > 0 ? scopes.join(', ') : `(${rule.reason ?? 'no reason written'})`;
    rows.push([cell(label), `Vault ${rule.capabilities.map(cellCode).join(', ')} on ${cellCode(rule.path)}`]);
  }
  for (const grant of agent.iam) {
    const same = (g: { actions: readonly string[]; resources: readonly string[] }): boolean =>
      g.actions.join() === grant.actions.join() && g.resources.join() === grant.resources.join();
    const scopes = grant.effect === 'Allow' ? agent.scopes.filter((s) => s.iam.some(same)).map((s) => s.name) : [];
    const label = scopes.length > 0 ? scopes.join(', ') : `(${grant.sid ?? 'statement'})`;
    rows.push([cell(label), `IAM ${iamGrantText(grant)}`]);
  }
  for (const policy of agent.identity.managedPolicies) rows.push(['(managed policy)', `IAM managed policy ${cellCode(policy)}`]);
  for (const e of agent.gateway?.endpoints ?? []) {
    const scopes = agent.scopes.filter((s) => s.gateway.some((g) => g.api === e.api && g.method === e.method && g.path === e.path)).map((s) => s.name);
    rows.push([
      cell(scopes.length > 0 ? scopes.join(', ') : '(gateway)'),
      `Gateway ${cellCode(`${e.method} ${e.path}`)} on ${cell(e.api)} (${cellCode(e.baseUrl)})`,
    ]);
  }
  return rows;
}

function rotationText(agent: AgentAccess): string {
  const s = agent.rotation.schedule;
  if (!s) return 'none';
  const state = s.state && s.state !== 'ENABLED' ? ` (${s.state})` : '';
  return `${cellCode(s.expression ?? '?')}${s.timezone ? ` ${s.timezone}` : ''}${state}`;
}

function agentSection(agent: AgentAccess, multiStack: boolean): string {
  const t = agent.ttl;
  const lines: string[] = [`## ${text(`${multiStack ? `${agent.stack}/` : ''}${agent.name}`)}`, ''];
  lines.push(
    `- **owner** ${text(agent.owner ?? '-')} · **platform** ${text(agent.platform ?? '-')} · **stack** ${cellCode(agent.shard ?? agent.stack)}${agent.fleet ? ` · **fleet** ${cellCode(agent.fleet)}` : ''}`,
  );
  if (agent.identity.vaultRole || agent.identity.vaultPolicy) {
    const carries = agent.identity.vaultRolePolicies.length > 0 ? ` (tokens carry ${agent.identity.vaultRolePolicies.map(cellCode).join(', ')})` : '';
    lines.push(
      `- **Vault** policy ${agent.identity.vaultPolicy ? cellCode(agent.identity.vaultPolicy) : 'none'}, role ${agent.identity.vaultRole ? cellCode(agent.identity.vaultRole) : 'none'}${carries}: ` +
        `token TTL ${ttlText(t.tokenTtl)}, max ${ttlText(t.tokenMaxTtl)}, explicit max ${ttlText(t.tokenExplicitMaxTtl)}; secret-id TTL ${ttlText(t.secretIdTtl)}`,
    );
  }
  const bound = [...agent.trust.tokenBoundCidrs, ...agent.trust.secretIdBoundCidrs.filter((c) => !agent.trust.tokenBoundCidrs.includes(c))];
  if (bound.length > 0) lines.push(`- **Network** logins and tokens bound to ${bound.map(cellCode).join(', ')}`);
  if (agent.trust.vaultBindings.length > 0) lines.push(`- **Vault role bindings** ${agent.trust.vaultBindings.map(cellCode).join(', ')}`);
  if (agent.identity.iamRole) {
    const sts = t.stsDefaultTtl !== undefined ? ` (brokered by Vault: STS ${ttlText(t.stsDefaultTtl)} default, ${ttlText(t.stsMaxTtl)} max)` : '';
    const boundary = agent.trust.permissionsBoundary ? `, permissions boundary ${cellCode(agent.trust.permissionsBoundary)}` : '';
    lines.push(
      `- **AWS** role ${cellCode(agent.identity.iamRole)}: sessions up to ${ttlText(t.awsMaxSession)}${sts}, trusted by ${agent.trust.awsPrincipals.map(cellCode).join(', ') || 'nobody'}${boundary}`,
    );
  }
  const delivery = agent.loginDelivery ? `; login delivered to Secrets Manager ${cellCode(agent.loginDelivery)}` : '';
  lines.push(
    `- **Rotation** ${rotationText(agent)}${agent.rotation.schedule ? ` (EventBridge Scheduler ${cellCode(agent.rotation.schedule.name)})` : ''}${delivery}`,
  );
  for (const s of agent.secrets) {
    const where =
      s.store === 'vault'
        ? `Vault KV ${cellCode(s.location)}`
        : `Secrets Manager ${cellCode(s.location)}${s.rotation ? `, rotation ${cellCode(s.rotation)}` : ', no rotation rule'}`;
    lines.push(
      `- **Secret** ${cellCode(s.credential)} in ${where}${s.scopes.length > 0 ? ` (scopes ${text(s.scopes.join(', '))})` : ''}${s.readBy === 'gateway' ? ', read by the gateway only' : ''}`,
    );
  }
  if (agent.gateway) {
    lines.push(
      `- **Gateway** its calls go through the fleet's gateway (${agent.gateway.auth}), at most ${agent.gateway.maxCallsPerMinute} a minute, to ${agent.gateway.endpoints.length} endpoint${agent.gateway.endpoints.length === 1 ? '' : 's'}`,
    );
  }
  if (agent.direct.length > 0) {
    lines.push(
      `- **Direct** it holds ${agent.direct.map(cellCode).join(', ')} itself and calls ${agent.direct.length === 1 ? 'that provider' : 'those providers'} directly: no gateway checks, limits or logs those calls`,
    );
  }
  if (agent.logGroup) {
    lines.push(
      `- **Call log** ${cellCode(agent.logGroup.name)} (${agent.logGroup.encrypted ? 'KMS-encrypted' : 'NOT encrypted'}, kept ${agent.logGroup.retentionDays ?? '?'} days)`,
    );
  }
  for (const u of agent.unreadable) lines.push(`- **Could not read** ${text(u)}`);
  lines.push('', table(['scope', 'grant'], grantRows(agent)), '');
  if (agent.alarms.length > 0) {
    const rows = agent.alarms.map((a) => [
      cell(a.kind),
      cell(alarmCondition(a)),
      a.actionsEnabled && a.actions.length > 0 ? a.actions.map(cellCode).join(', ') : '**nothing** (actions disabled or none)',
    ]);
    lines.push(table(['alarm', 'fires when', 'notifies'], rows), '');
  } else {
    lines.push('**No alarms.**', '');
  }
  return lines.join('\n');
}

/**
 * The access matrix in Markdown: a summary table, one section per agent (its
 * grants by scope, credentials, rotation, alarms), then the fleet's own
 * infrastructure, which is not an agent.
 */
export function renderMatrixMarkdown(matrix: AccessMatrix): string {
  const multiStack = matrix.stacks.length > 1;
  const noun = matrix.agents.length === 1 ? 'agent' : 'agents';
  const where = matrix.stacks.map((s) => {
    const parts = matrix.shardedStacks[s];
    return parts ? `${cellCode(s)} (sharded: the shared stack and ${parts.length - 1} shard ${parts.length === 2 ? 'stack' : 'stacks'})` : cellCode(s);
  });
  const out: string[] = ['# Access matrix', '', `Read from ${cellCode(matrix.dir)}: ${matrix.agents.length} ${noun} in ${where.join(', ')}.`, ''];
  const summary = matrix.agents.map((a) => [
    cell(multiStack ? `${a.stack}/${a.name}` : a.name),
    cell(a.owner ?? '-'),
    cell(a.platform ?? '-'),
    cell(a.scopes.map((s) => s.name).join(', ') || '-'),
    `${ttlText(a.ttl.tokenTtl)} / ${ttlText(a.ttl.tokenMaxTtl)}`,
    rotationText(a),
    cell(a.alarms.map((x) => x.kind).join(', ') || 'none'),
    a.direct.length > 0 ? `**direct** (${a.direct.map(cellCode).join(', ')})` : a.gateway ? `gateway (${a.gateway.endpoints.length})` : '-',
  ]);
  out.push(table(['agent', 'owner', 'platform', 'scopes', 'token TTL / max', 'rotation', 'alarms', 'SaaS calls'], summary), '');
  for (const agent of matrix.agents) out.push(agentSection(agent, multiStack));
  if (matrix.infrastructure.length > 0) {
    out.push('## Fleet infrastructure (not agents)', '');
    out.push(
      table(
        ['stack', 'kind', 'name', 'detail'],
        matrix.infrastructure.map((e) => [cellCode(e.stack), cell(e.kind), cellCode(e.name), cell(e.detail)]),
      ),
      '',
    );
  }
  return out.join('\n');
}

/** The access matrix as JSON (2-space indented, a trailing newline). */
export function renderMatrixJson(matrix: AccessMatrix): string {
  return `${JSON.stringify(matrix, null, 2)}\n`;
}
