import { arnShapeProblem } from '../../model/arn';
import { Agent, AGENT_PREFIX, AgentAction, Credential, LIMITS, Scope } from '../../model/fleet';
import { closest, normalizeName, SAFE_NAME } from '../../model/names';
import { Problem } from '../../model/problem';
import { parseSchedule, shortestInterval } from '../../model/schedule';
import { ActionSchema, AgentInput, AgentSchema, DefaultsInput } from '../schema';
import { DocPath, TableSource } from '../table-source';
import { CheckedCatalog } from './check-catalog';
import { inherit, ResolvedSettings, SettingProblem } from './inherit';
import { agentLabel, asRecord, located, rawAgentsOf } from './located';
import { GITHUB_REPOSITORY } from './resolve-runbooks';
import { parseWithProblems } from './zod-problems';

/** How IAM tells principals apart: role and user names without case. */
const principalKey = (arn: string): string => arn.toLowerCase();

/** Secrets Manager rotates a secret at most every four hours. */
const SECRETS_MANAGER_SHORTEST_ROTATION = 4 * 3600;

/** What the agents' checks read from the rest of the table. */
export interface AgentContext {
  /** Whether the fleet has its gateway. */
  readonly gateway: boolean;
  readonly defaults: ResolvedSettings;
  /** `defaults:` as written (a warning quotes the value where it was written). */
  readonly writtenDefaults: DefaultsInput;
  readonly catalog: CheckedCatalog;
  readonly credentials: Readonly<Record<string, Credential>>;
}

/** A GitHub repository the fleet writes to, where the table names it. */
export interface GithubRepositoryUse {
  readonly repository: string;
  readonly path: DocPath;
  readonly agent?: string;
}

/** The agents that passed every check, and what the fleet-wide checks need of them all. */
export interface CheckedAgents {
  /** In table order. */
  readonly agents: Agent[];
  readonly problems: Problem[];
  readonly warnings: Problem[];
  /** The first position of each agent name in the table. */
  readonly positions: ReadonlyMap<string, number>;
  /** How many agents have an IAM role (valid or not). */
  readonly withRoles: number;
  readonly githubRepositories: readonly GithubRepositoryUse[];
}

/** `agents:`: none at all, names written twice, then every agent on its own. */
export function checkAgents(source: TableSource, ctx: AgentContext): CheckedAgents {
  const rawAgents = rawAgentsOf(source);
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  if (rawAgents.length === 0) {
    problems.push({
      rule: 'no-agents',
      ...source.locate(['agents'], 'agents' in asRecord(source.data)),
      message: 'the table lists no agents',
      fix: 'add at least one agent under agents:, with a name, an owner and its actions',
    });
  }
  // Duplicates are judged on raw names, so an agent with other problems still counts.
  const positions = new Map<string, number>();
  rawAgents.forEach((rawAgent, i) => {
    const written = asRecord(rawAgent).name;
    if (typeof written !== 'string' || normalizeName(written) === '') return;
    const name = normalizeName(written);
    const first = positions.get(name);
    if (first === undefined) {
      positions.set(name, i);
      return;
    }
    const where = source.locate(['agents', first, 'name']);
    problems.push(
      located(source, {
        rule: 'duplicate-agent',
        path: ['agents', i, 'name'],
        value: written,
        message: `agent "${name}" is already defined at ${where.file}:${where.line}`,
        fix: 'give each agent its own name: one credential set per agent',
      }),
    );
  });

  const agents: Agent[] = [];
  const principals = new Map<string, string>();
  const githubRepositories: GithubRepositoryUse[] = [];
  let withRoles = 0;
  rawAgents.forEach((rawAgent, i) => {
    const checked = checkAgent(source, ctx, rawAgent, i, principals);
    problems.push(...checked.problems);
    warnings.push(...checked.warnings);
    githubRepositories.push(...checked.githubRepositories);
    if (checked.needsAws) withRoles++;
    if (checked.agent) agents.push(checked.agent);
  });
  return { agents, problems, warnings, positions, withRoles, githubRepositories };
}

/** One agent: its shape, name, actions and scopes, its inherited settings, its identities, its rotation. */
function checkAgent(
  source: TableSource,
  ctx: AgentContext,
  rawAgent: unknown,
  i: number,
  principals: Map<string, string>,
): { agent?: Agent; problems: Problem[]; warnings: Problem[]; needsAws: boolean; githubRepositories: GithubRepositoryUse[] } {
  const at: DocPath = ['agents', i];
  const label = agentLabel(source, i);
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const githubRepositories: GithubRepositoryUse[] = [];
  const report = (p: SettingProblem): void => {
    problems.push(located(source, p, label));
  };
  const parsed = parseWithProblems(AgentSchema, rawAgent, at, source, label);
  problems.push(...parsed.problems);
  const input = parsed.data;
  if (!input) return { problems, warnings, needsAws: false, githubRepositories };
  const before = problems.length;

  const name = normalizeName(input.name);
  if (!SAFE_NAME.test(name)) {
    report({
      rule: 'unsafe-name',
      path: [...at, 'name'],
      value: input.name,
      message: 'agent name is not safe in Vault paths, IAM role names and Terraform identifiers',
      fix: 'use letters, digits and single hyphens, starting with a letter, e.g. lead-enricher',
    });
  } else if (name.length > LIMITS.agentName) {
    report({
      rule: 'name-too-long',
      path: [...at, 'name'],
      value: input.name,
      message: `agent name has ${name.length} characters; with the "agent-" prefix that is ${AGENT_PREFIX.length + name.length}, above IAM's 64-character role name limit`,
      fix: `shorten the name to at most ${LIMITS.agentName} characters`,
    });
  }
  const actions = checkActions(source, ctx.catalog, input, at, label, problems);

  const own = inherit(input, ctx.defaults, at);
  own.problems.forEach(report);
  const resolved = own.settings;
  if (!resolved.owner)
    report({ rule: 'missing-owner', path: at, message: 'agent has no owner', fix: 'add owner: (the team that answers for it), or defaults.owner' });

  const scopes = [...new Set(actions.flatMap((a) => a.scopes))]
    .sort()
    .map((s) => ctx.catalog.scopes.get(s))
    .filter((s): s is Scope => s !== undefined);
  const keptInAws = scopes.flatMap((s) => (s.kind === 'secret' && ctx.credentials[s.secret]?.store === 'aws' ? [s.secret] : []));
  const needsAws = keptInAws.length > 0 || scopes.some((s) => s.kind === 'aws');
  const hasEndpoints = scopes.some((s) => s.kind === 'secret' && s.http !== undefined);
  if (input.gateway === true && !ctx.gateway) {
    report({
      rule: 'invalid-value',
      path: [...at, 'gateway'],
      value: 'true',
      message: 'the agent asks for the gateway, and the fleet has none (fleet.gateway: false)',
      fix: 'remove gateway:, or turn the fleet gateway on',
    });
  }

  if (input.awsPrincipal !== undefined) {
    const why =
      arnShapeProblem(input.awsPrincipal) ??
      (/^arn:[^:]+:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/.test(input.awsPrincipal) ? undefined : 'is not an IAM role or user ARN');
    if (why) {
      report({
        rule: 'invalid-arn',
        path: [...at, 'awsPrincipal'],
        value: input.awsPrincipal,
        message: `awsPrincipal ${why}`,
        fix: 'write the ARN of the role the agent runs as, e.g. arn:aws:iam::123456789012:role/lead-enricher-runtime',
      });
    } else if (principals.has(principalKey(input.awsPrincipal))) {
      report({
        rule: 'shared-credential',
        path: [...at, 'awsPrincipal'],
        value: input.awsPrincipal,
        message: `agent shares its AWS runtime principal with agent ${principals.get(principalKey(input.awsPrincipal))}`,
        fix: 'give each agent its own runtime role; a shared principal is a shared credential',
      });
    } else {
      principals.set(principalKey(input.awsPrincipal), name);
    }
    if (!needsAws) {
      warnings.push({
        rule: 'unused-setting',
        ...source.locate([...at, 'awsPrincipal']),
        agent: name,
        value: input.awsPrincipal,
        message: 'awsPrincipal is set but the agent has no aws: scope, so it gets no IAM role',
        fix: 'remove awsPrincipal, or give the agent an aws: scope',
      });
    }
  }
  if (resolved.platform === 'github-actions' && input.awsPrincipal !== undefined) {
    report({
      rule: 'unused-setting',
      path: [...at, 'awsPrincipal'],
      value: input.awsPrincipal,
      message: "awsPrincipal does not apply to a github-actions agent: its IAM role trusts GitHub's OIDC token for its repository and environment",
      fix: 'remove awsPrincipal; the workflow assumes the role with its OIDC token',
    });
  }
  if (resolved.platform === 'github-actions' && !input.github) {
    report({
      rule: 'missing-key',
      path: at,
      message: 'a github-actions agent needs the repository and environment it runs in',
      fix: 'add github: { repository: owner/name, environment: production }',
    });
  }
  if (input.github) {
    if (resolved.platform !== 'github-actions') {
      report({
        rule: 'unused-setting',
        path: [...at, 'github'],
        message: `github: applies only to platform github-actions, not ${resolved.platform}`,
        fix: 'remove github:, or set platform: github-actions',
      });
    }
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(input.github.repository)) {
      report({
        rule: 'invalid-value',
        path: [...at, 'github', 'repository'],
        value: input.github.repository,
        message: 'repository is not owner/name',
        fix: 'write the repository as owner/name, e.g. acme/lead-enricher',
      });
    }
    if (!/^[A-Za-z0-9_.-]+$/.test(input.github.environment)) {
      report({
        rule: 'invalid-value',
        path: [...at, 'github', 'environment'],
        value: input.github.environment,
        message: 'environment is not a GitHub environment name',
        fix: 'name one environment, e.g. production',
      });
    }
    if (resolved.platform === 'github-actions' && GITHUB_REPOSITORY.test(input.github.repository))
      githubRepositories.push({ repository: input.github.repository, path: [...at, 'github', 'repository'], agent: label });
    // GitHub compares owners, repositories and environment names without case.
    const key = `github:${input.github.repository}@${input.github.environment}`.toLowerCase();
    if (principals.has(key)) {
      report({
        rule: 'shared-credential',
        path: [...at, 'github'],
        value: `${input.github.repository}@${input.github.environment}`,
        message: `agent shares its GitHub repository and environment with agent ${principals.get(key)}`,
        fix: 'give each agent its own GitHub environment',
      });
    } else {
      principals.set(key, name);
    }
  }
  const schedule = parseSchedule(resolved.rotation);
  if (keptInAws.length > 0 && schedule.problem === undefined && shortestInterval(schedule) < SECRETS_MANAGER_SHORTEST_ROTATION) {
    report({
      rule: 'invalid-schedule',
      path: input.rotation !== undefined ? [...at, 'rotation'] : ['defaults', 'rotation'],
      value: resolved.rotation,
      message: `rotation is more often than Secrets Manager rotates (every 4 hours at most), and ${[...new Set(keptInAws)].join(', ')} is kept in AWS`,
      fix: 'rotate every 4 hours or less often, or keep the credential in Vault (store: vault)',
    });
  }
  if (needsAws && resolved.credentialTtl < LIMITS.awsMinSession) {
    warnings.push({
      rule: 'aws-session-minimum',
      ...source.locate(input.credentialTtl !== undefined ? [...at, 'credentialTtl'] : ['defaults', 'credentialTtl']),
      agent: name,
      // As written (`5m`), where it was written: the agent's own TTL or the default it inherits.
      value: String(input.credentialTtl ?? ctx.writtenDefaults.credentialTtl),
      message: 'credentialTtl is below 15m, the shortest session AWS issues; its Vault token keeps the TTL, its AWS sessions last 15m',
      fix: 'accept 15-minute AWS sessions, or raise credentialTtl to 15m',
    });
  }
  if (problems.length > before) return { problems, warnings, needsAws, githubRepositories };
  return {
    agent: {
      name,
      owner: resolved.owner!,
      platform: resolved.platform,
      description: input.description,
      actions,
      scopes,
      credentialTtl: resolved.credentialTtl,
      credentialMaxTtl: resolved.credentialMaxTtl,
      secretIdTtl: resolved.secretIdTtl,
      rotation: resolved.rotation,
      alarms: resolved.alarms,
      boundCidrs: resolved.boundCidrs,
      permissionsBoundary: resolved.permissionsBoundary,
      awsPrincipal: input.awsPrincipal,
      github: input.github,
      gateway: ctx.gateway && hasEndpoints && input.gateway !== false,
    },
    problems,
    warnings,
    needsAws,
    githubRepositories,
  };
}

/** An agent's actions, each naming scopes of the catalog (the closest names suggested for one it lacks). */
function checkActions(source: TableSource, catalog: CheckedCatalog, input: AgentInput, at: DocPath, label: string, problems: Problem[]): AgentAction[] {
  const actions: AgentAction[] = [];
  if (input.actions.length === 0) {
    problems.push(
      located(
        source,
        {
          rule: 'no-actions',
          path: [...at, 'actions'],
          message: 'agent lists no actions',
          fix: 'list what the agent must do, e.g. - { action: Read contact info, scopes: [crm.contacts.read] }',
        },
        label,
      ),
    );
  }
  input.actions.forEach((rawAction, j) => {
    const action = parseWithProblems(ActionSchema, rawAction, [...at, 'actions', j], source, label);
    problems.push(...action.problems);
    if (!action.data) return;
    action.data.scopes.forEach((scope, k) => {
      if (catalog.scopes.has(scope) || catalog.broken.has(scope)) return;
      const near = closest(scope, [...catalog.scopes.keys(), ...catalog.broken]);
      problems.push(
        located(
          source,
          {
            rule: 'unknown-scope',
            path: [...at, 'actions', j, 'scopes', k],
            value: scope,
            message: 'scope is not in the scope catalog',
            fix:
              near.length > 0
                ? `did you mean ${near.join(' or ')}? Otherwise add it under scopes:`
                : 'add it under scopes: with its secret, aws or vault grant',
          },
          label,
        ),
      );
    });
    actions.push({ action: action.data.action, scopes: [...new Set(action.data.scopes)].sort() });
  });
  return actions;
}
