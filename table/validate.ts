import { Agent, AGENT_PREFIX, AgentAction, BUILTIN_DEFAULTS, Credential, Fleet, FleetSettings, LIMITS, Scope } from '../model/fleet';
import { closest, normalizeName, SAFE_NAME } from '../model/names';
import { arnShapeProblem } from '../model/arn';
import { controlCharacterProblem, stringsIn } from './private/checks';
import { secretIn } from '../model/secret-patterns';
import { parseSchedule, shortestInterval } from '../model/schedule';
import { inherit, ResolvedSettings, SettingProblem } from './private/inherit';
import { defaultCredential, resolveCredential, resolveFleetSettings } from './private/resolve-fleet';
import { GITHUB_REPOSITORY } from './private/resolve-runbooks';
import { resolveScope } from './private/resolve-scope';
import { parseWithProblems } from './private/zod-problems';
import { generatedNames, nameClashes } from '../model/resource-names';
import { Problem } from '../model/problem';
import { redactProblem, TableError } from './table-error';
import { ActionSchema, AgentSchema, CredentialSchema, DefaultsSchema, FleetSettingsSchema, ScopeSchema, TableSchema } from './schema';
import { shardsOf } from '../model/shards';
import { DocPath, TableSource } from './table-source';

/** How IAM tells principals apart: role and user names without case. */
const principalKey = (arn: string): string => arn.toLowerCase();

/** Secrets Manager rotates a secret at most every four hours. */
const SECRETS_MANAGER_SHORTEST_ROTATION = 4 * 3600;

const asRecord = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * Validates a loaded table and resolves it into a `Fleet`: defaults applied,
 * names normalized, scopes resolved to concrete grants, everything sorted.
 *
 * Every rule runs over every agent and scope; all problems are thrown together
 * as one `TableError`.
 */
export async function validateTable(source: TableSource): Promise<Fleet> {
  const problems: Problem[] = [...(source.problems ?? [])];
  const warnings: Problem[] = [];
  const raw = asRecord(source.data);
  const rawAgents = Array.isArray(raw.agents) ? raw.agents : [];
  const agentLabel = (i: number): string => {
    const name = asRecord(rawAgents[i]).name;
    return typeof name === 'string' && normalizeName(name) !== '' ? normalizeName(name) : `#${i + 1}`;
  };
  const agentAt = (path: DocPath): string | undefined =>
    path[0] === 'agents' && typeof path[1] === 'number' ? agentLabel(path[1]) : undefined;
  const report = (p: SettingProblem, agent?: string): void => {
    problems.push({ rule: p.rule, ...source.locate(p.path, p.key), agent: agent ?? agentAt(p.path), value: p.value, message: p.message, fix: p.fix });
  };

  // Interpolation first: a `${` anywhere would be evaluated by Terraform at deploy time.
  for (const s of stringsIn(source.data)) {
    const secret = secretIn(s.text);
    if (secret) {
      problems.push({
        rule: 'secret-in-table',
        ...source.locate(s.path, s.key),
        agent: agentAt(s.path),
        value: s.text,
        message: `${s.key ? 'key' : 'value'} holds what looks like a ${secret.name}`,
        fix: 'remove it and revoke it at its issuer (the table is in the repository); credentials reach Vault through TF_VAR_seed__… or the rotation, never the table',
      });
    }
    const freeText = !s.key && (s.path[s.path.length - 1] === 'description' || s.path[s.path.length - 1] === 'action');
    const control = controlCharacterProblem(s.text, freeText);
    if (control) {
      problems.push({
        rule: 'control-character',
        ...source.locate(s.path, s.key),
        agent: agentAt(s.path),
        value: s.text,
        message: `${s.key ? 'key' : 'value'} ${control}, which would reach runbooks, reports and Terraform as it is`,
        fix: freeText ? 'remove it; free text may hold tabs and line breaks, nothing else of the kind' : 'remove it; names, URLs and ARNs are one line of visible characters',
      });
    }
    if (s.text.includes('${') || s.text.includes('%{')) {
      problems.push({
        rule: 'interpolation',
        ...source.locate(s.path, s.key),
        agent: agentAt(s.path),
        value: s.text,
        message: 'contains ${ or %{, which Terraform would evaluate as an expression',
        fix: 'remove the ${ / %{ sequence; the table holds literal values only',
      });
    }
  }

  problems.push(...parseWithProblems(TableSchema, source.data, [], source).problems);

  // Fleet settings.
  const fleetInput = parseWithProblems(FleetSettingsSchema, raw.fleet ?? {}, ['fleet'], source);
  problems.push(...fleetInput.problems);
  const resolvedFleet = resolveFleetSettings(fleetInput.data ?? {});
  resolvedFleet.problems.forEach((p) => report(p));
  const settings: FleetSettings = resolvedFleet.settings;

  // Defaults.
  const builtin: ResolvedSettings = { ...BUILTIN_DEFAULTS, boundCidrs: [] };
  const defaultsInput = parseWithProblems(DefaultsSchema, raw.defaults ?? {}, ['defaults'], source);
  problems.push(...defaultsInput.problems);
  const inherited = inherit(defaultsInput.data ?? {}, builtin, ['defaults']);
  inherited.problems.forEach((p) => report(p));
  const defaults = inherited.settings;

  // The scope catalog.
  const scopes = new Map<string, Scope>();
  const brokenScopes = new Set<string>();
  const catalog = asRecord(raw.scopes);
  await Promise.all(
    Object.entries(catalog).map(async ([name, value]) => {
      const parsed = parseWithProblems(ScopeSchema, value, ['scopes', name], source);
      problems.push(...parsed.problems);
      if (!parsed.data) {
        brokenScopes.add(name);
        return;
      }
      const resolved = await resolveScope(name, parsed.data, settings, ['scopes', name]);
      resolved.problems.forEach((p) => report(p));
      if (resolved.scope) scopes.set(name, resolved.scope);
      else brokenScopes.add(name);
    }),
  );

  // Credentials: how each secret: name is stored and rotated.
  const secretNames = new Set([...scopes.values()].flatMap((s) => (s.kind === 'secret' ? [s.secret] : [])));
  const credentials: Record<string, Credential> = {};
  for (const name of [...secretNames].sort()) credentials[name] = defaultCredential(name);
  for (const [name, value] of Object.entries(asRecord(raw.credentials))) {
    const parsed = parseWithProblems(CredentialSchema, value, ['credentials', name], source);
    problems.push(...parsed.problems);
    if (!parsed.data) continue;
    const resolved = resolveCredential(name, parsed.data, secretNames.has(name));
    resolved.problems.forEach((p) => report(p));
    if (resolved.unused) {
      warnings.push({ rule: 'unused-setting', ...source.locate(['credentials', name], true), value: name, message: 'no secret: scope names this credential', fix: 'remove it, or name it in a scope as secret: ' + name });
    } else {
      credentials[name] = resolved.credential;
    }
  }

  // Agents.
  if (rawAgents.length === 0) {
    problems.push({
      rule: 'no-agents',
      ...source.locate(['agents'], 'agents' in raw),
      message: 'the table lists no agents',
      fix: 'add at least one agent under agents:, with a name, an owner and its actions',
    });
  }
  // Duplicates are judged on raw names, so an agent with other problems still counts.
  const firstIndex = new Map<string, number>();
  rawAgents.forEach((rawAgent, i) => {
    const written = asRecord(rawAgent).name;
    if (typeof written !== 'string' || normalizeName(written) === '') return;
    const name = normalizeName(written);
    const first = firstIndex.get(name);
    if (first === undefined) {
      firstIndex.set(name, i);
      return;
    }
    const where = source.locate(['agents', first, 'name']);
    report({ rule: 'duplicate-agent', path: ['agents', i, 'name'], value: written, message: `agent "${name}" is already defined at ${where.file}:${where.line}`, fix: 'give each agent its own name: one credential set per agent' });
  });
  const agents: Agent[] = [];
  const principals = new Map<string, string>();
  // Every GitHub repository the fleet writes to, where the table names it: one provider, one owner.
  const githubRepos: { repository: string; path: DocPath; agent?: string }[] =
    settings.runbooks && GITHUB_REPOSITORY.test(settings.runbooks.repository) ? [{ repository: settings.runbooks.repository, path: ['fleet', 'runbooks', 'repository'] }] : [];
  let agentsWithRoles = 0;
  rawAgents.forEach((rawAgent, i) => {
    const at: DocPath = ['agents', i];
    const label = agentLabel(i);
    const parsed = parseWithProblems(AgentSchema, rawAgent, at, source, label);
    problems.push(...parsed.problems);
    const input = parsed.data;
    if (!input) return;
    const before = problems.length;

    const name = normalizeName(input.name);
    if (!SAFE_NAME.test(name)) {
      report({ rule: 'unsafe-name', path: [...at, 'name'], value: input.name, message: 'agent name is not safe in Vault paths, IAM role names and Terraform identifiers', fix: 'use letters, digits and single hyphens, starting with a letter, e.g. lead-enricher' }, label);
    } else if (name.length > LIMITS.agentName) {
      report({ rule: 'name-too-long', path: [...at, 'name'], value: input.name, message: `agent name has ${name.length} characters; with the "agent-" prefix that is ${AGENT_PREFIX.length + name.length}, above IAM's 64-character role name limit`, fix: `shorten the name to at most ${LIMITS.agentName} characters` }, label);
    }
    const actions: AgentAction[] = [];
    if (input.actions.length === 0) {
      report({ rule: 'no-actions', path: [...at, 'actions'], message: 'agent lists no actions', fix: 'list what the agent must do, e.g. - { action: Read contact info, scopes: [crm.contacts.read] }' }, label);
    }
    input.actions.forEach((rawAction, j) => {
      const action = parseWithProblems(ActionSchema, rawAction, [...at, 'actions', j], source, label);
      problems.push(...action.problems);
      if (!action.data) return;
      action.data.scopes.forEach((scope, k) => {
        if (scopes.has(scope) || brokenScopes.has(scope)) return;
        const near = closest(scope, [...scopes.keys(), ...brokenScopes]);
        report({ rule: 'unknown-scope', path: [...at, 'actions', j, 'scopes', k], value: scope, message: 'scope is not in the scope catalog', fix: near.length > 0 ? `did you mean ${near.join(' or ')}? Otherwise add it under scopes:` : 'add it under scopes: with its secret, aws or vault grant' }, label);
      });
      actions.push({ action: action.data.action, scopes: [...new Set(action.data.scopes)].sort() });
    });

    const own = inherit(input, defaults, at);
    own.problems.forEach((p) => report(p, label));
    const resolved = own.settings;
    if (!resolved.owner) {
      report({ rule: 'missing-owner', path: at, message: 'agent has no owner', fix: 'add owner: (the team that answers for it), or defaults.owner' }, label);
    }

    const agentScopes = [...new Set(actions.flatMap((a) => a.scopes))].sort().map((s) => scopes.get(s)).filter((s): s is Scope => s !== undefined);
    const needsAws = agentScopes.some((s) => s.kind === 'aws' || (s.kind === 'secret' && credentials[s.secret]?.store === 'aws'));
    if (needsAws) agentsWithRoles++;
    if (input.awsPrincipal !== undefined) {
      const why = arnShapeProblem(input.awsPrincipal) ?? (/^arn:[^:]+:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/.test(input.awsPrincipal) ? undefined : 'is not an IAM role or user ARN');
      if (why) {
        report({ rule: 'invalid-arn', path: [...at, 'awsPrincipal'], value: input.awsPrincipal, message: `awsPrincipal ${why}`, fix: 'write the ARN of the role the agent runs as, e.g. arn:aws:iam::123456789012:role/lead-enricher-runtime' }, label);
      } else if (principals.has(principalKey(input.awsPrincipal))) {
        report({ rule: 'shared-credential', path: [...at, 'awsPrincipal'], value: input.awsPrincipal, message: `agent shares its AWS runtime principal with agent ${principals.get(principalKey(input.awsPrincipal))}`, fix: 'give each agent its own runtime role; a shared principal is a shared credential' }, label);
      } else {
        principals.set(principalKey(input.awsPrincipal), name);
      }
      if (!needsAws) {
        warnings.push({ rule: 'unused-setting', ...source.locate([...at, 'awsPrincipal']), agent: name, value: input.awsPrincipal, message: 'awsPrincipal is set but the agent has no aws: scope, so it gets no IAM role', fix: 'remove awsPrincipal, or give the agent an aws: scope' });
      }
    }
    if (resolved.platform === 'github-actions' && input.awsPrincipal !== undefined) {
      report({ rule: 'unused-setting', path: [...at, 'awsPrincipal'], value: input.awsPrincipal, message: "awsPrincipal does not apply to a github-actions agent: its IAM role trusts GitHub's OIDC token for its repository and environment", fix: 'remove awsPrincipal; the workflow assumes the role with its OIDC token' }, label);
    }
    if (resolved.platform === 'github-actions' && !input.github) {
      report({ rule: 'missing-key', path: at, message: 'a github-actions agent needs the repository and environment it runs in', fix: 'add github: { repository: owner/name, environment: production }' }, label);
    }
    if (input.github) {
      if (resolved.platform !== 'github-actions') {
        report({ rule: 'unused-setting', path: [...at, 'github'], message: `github: applies only to platform github-actions, not ${resolved.platform}`, fix: 'remove github:, or set platform: github-actions' }, label);
      }
      if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(input.github.repository)) {
        report({ rule: 'invalid-value', path: [...at, 'github', 'repository'], value: input.github.repository, message: 'repository is not owner/name', fix: 'write the repository as owner/name, e.g. acme/lead-enricher' }, label);
      }
      if (!/^[A-Za-z0-9_.-]+$/.test(input.github.environment)) {
        report({ rule: 'invalid-value', path: [...at, 'github', 'environment'], value: input.github.environment, message: 'environment is not a GitHub environment name', fix: 'name one environment, e.g. production' }, label);
      }
      if (resolved.platform === 'github-actions' && GITHUB_REPOSITORY.test(input.github.repository)) githubRepos.push({ repository: input.github.repository, path: [...at, 'github', 'repository'], agent: label });
      // GitHub compares owners, repositories and environment names without case.
      const key = `github:${input.github.repository}@${input.github.environment}`.toLowerCase();
      if (principals.has(key)) {
        report({ rule: 'shared-credential', path: [...at, 'github'], value: `${input.github.repository}@${input.github.environment}`, message: `agent shares its GitHub repository and environment with agent ${principals.get(key)}`, fix: 'give each agent its own GitHub environment' }, label);
      } else {
        principals.set(key, name);
      }
    }
    const keptInAws = agentScopes.flatMap((s) => (s.kind === 'secret' && credentials[s.secret]?.store === 'aws' ? [s.secret] : []));
    const schedule = parseSchedule(resolved.rotation);
    if (keptInAws.length > 0 && schedule.problem === undefined && shortestInterval(schedule) < SECRETS_MANAGER_SHORTEST_ROTATION) {
      report({
        rule: 'invalid-schedule',
        path: input.rotation !== undefined ? [...at, 'rotation'] : ['defaults', 'rotation'],
        value: resolved.rotation,
        message: `rotation is more often than Secrets Manager rotates (every 4 hours at most), and ${[...new Set(keptInAws)].join(', ')} is kept in AWS`,
        fix: 'rotate every 4 hours or less often, or keep the credential in Vault (store: vault)',
      }, label);
    }
    if (needsAws && resolved.credentialTtl < LIMITS.awsMinSession) {
      warnings.push({
        rule: 'aws-session-minimum',
        ...source.locate(input.credentialTtl !== undefined ? [...at, 'credentialTtl'] : ['defaults', 'credentialTtl']),
        agent: name,
        // As written (`5m`), where it was written: the agent's own TTL or the default it inherits.
        value: String(input.credentialTtl ?? defaultsInput.data?.credentialTtl),
        message: 'credentialTtl is below 15m, the shortest session AWS issues; its Vault token keeps the TTL, its AWS sessions last 15m',
        fix: 'accept 15-minute AWS sessions, or raise credentialTtl to 15m',
      });
    }
    if (problems.length > before) return;
    agents.push({
      name,
      owner: resolved.owner!,
      platform: resolved.platform,
      description: input.description,
      actions,
      scopes: agentScopes,
      credentialTtl: resolved.credentialTtl,
      credentialMaxTtl: resolved.credentialMaxTtl,
      secretIdTtl: resolved.secretIdTtl,
      rotation: resolved.rotation,
      alarms: resolved.alarms,
      boundCidrs: resolved.boundCidrs,
      permissionsBoundary: resolved.permissionsBoundary,
      awsPrincipal: input.awsPrincipal,
      github: input.github,
    });
  });

  if (settings.cloudTrail && agentsWithRoles > LIMITS.cloudTrailAgents) {
    report({
      rule: 'too-many-agents',
      path: ['fleet', 'cloudTrail'],
      value: String(agentsWithRoles),
      message: `${agentsWithRoles} agents have an IAM role; the fleet trail counts each with two metric filters on its log group, and CloudWatch Logs allows 100 a group (${LIMITS.cloudTrailAgents} agents)`,
      fix: 'split the table into fleets of at most 50 agents with IAM roles, or turn cloudTrail off and use an organization trail',
    });
  }

  const owners = [...new Set(githubRepos.map((r) => r.repository.split('/')[0].toLowerCase()))];
  if (owners.length > 1) {
    for (const r of githubRepos.filter((x) => !x.repository.toLowerCase().startsWith(`${owners[0]}/`))) {
      report({
        rule: 'invalid-value',
        path: r.path,
        value: r.repository,
        message: `the fleet's GitHub repositories belong to ${owners.join(' and ')}; its GitHub provider writes to one owner (GITHUB_OWNER)`,
        fix: `keep the github-actions agents' repositories and the runbook repository under ${owners[0]}, or split the table into one fleet per owner`,
      }, r.agent);
    }
  }

  if (settings.shards) {
    const shards = settings.shards;
    for (const shard of shardsOf({ settings, agents, credentials, warnings: [], files: [] })) {
      if (shard.agents.length <= shards.maxAgents) continue;
      report(
        shards.by === 'name'
          ? {
              rule: 'too-many-agents',
              path: ['fleet', 'shards', 'count'],
              value: String(shards.count),
              message: `shard ${shard.stack} would hold ${shard.agents.length} agents, above maxAgents ${shards.maxAgents}`,
              fix: `raise count (to about ${Math.ceil((agents.length / shards.maxAgents) * 1.5)}; this moves agents between shards' states, see "Resharding" in the README) or raise maxAgents`,
            }
          : {
              rule: 'too-many-agents',
              path: ['fleet', 'shards', 'by'],
              value: shard.agents[0].owner,
              message: `owner ${shard.agents[0].owner} has ${shard.agents.length} agents, above maxAgents ${shards.maxAgents} for its shard ${shard.stack}`,
              fix: 'raise maxAgents, or shard by: name',
            },
      );
    }
  }

  // Every name the fleet derives, checked after it is derived: two owners of one name would share one identity.
  const nameAt = (agent: string): DocPath => ['agents', firstIndex.get(agent) ?? 0, 'name'];
  for (const clash of nameClashes(generatedNames({ settings, agents, credentials, warnings: [], files: [] }, nameAt))) {
    const [first, ...others] = clash.owners;
    for (const other of others) {
      report({
        rule: 'name-clash',
        path: other.at,
        key: other.at[0] === 'scopes',
        value: clash.name,
        message: `${clash.namespace} ${clash.name} would belong to both ${first.owner} and ${other.owner}${first.caseInsensitive ? ' (compared without case)' : ''}`,
        fix: other.at[0] === 'scopes' ? 'rename one of the scopes so their names differ in more than punctuation and case' : first.at[0] === 'fleet' ? 'rename the agent, or the fleet (fleet.name)' : 'rename one of them',
      }, other.at[0] === 'agents' ? agentLabel(Number(other.at[1])) : undefined);
    }
  }

  if (problems.length > 0) throw new TableError(problems);
  return {
    settings,
    agents: agents.sort((a, b) => a.name.localeCompare(b.name)),
    credentials,
    warnings: warnings.map(redactProblem),
    files: source.files,
  };
}
