import { Fleet, LIMITS } from '../../model/fleet';
import { credentialsEnvironment } from '../../model/operations';
import { Problem } from '../../model/problem';
import { generatedNames, nameClashes } from '../../model/resource-names';
import { shardsOf } from '../../model/shards';
import { DocPath, TableSource } from '../table-source';
import { CheckedAgents } from './check-agents';
import { agentLabel, asRecord, located, rawAgentsOf } from './located';
import { normalizeName } from '../../model/names';
import { secretEntriesFor } from '../../model/secret-entries';
import { GITHUB_REPOSITORY } from './resolve-runbooks';

/**
 * What only the whole fleet can break: the trail's metric-filter limit, one
 * GitHub owner, the shards' capacity, and the names the fleet derives (two
 * owners of one name would share one identity).
 *
 * @param fleet the agents that passed their own checks
 */
export function checkFleetWide(source: TableSource, fleet: Fleet, checked: CheckedAgents): Problem[] {
  const { settings, agents } = fleet;
  const problems: Problem[] = [];
  if (settings.cloudTrail && checked.withRoles > LIMITS.cloudTrailAgents) {
    problems.push(
      located(source, {
        rule: 'too-many-agents',
        path: ['fleet', 'cloudTrail'],
        value: String(checked.withRoles),
        message: `${checked.withRoles} agents have an IAM role; the fleet trail counts each with two metric filters on its log group, and CloudWatch Logs allows 100 a group (${LIMITS.cloudTrailAgents} agents)`,
        fix: 'split the table into fleets of at most 50 agents with IAM roles, or turn cloudTrail off and use an organization trail',
      }),
    );
  }

  // The rotate and revoke functions carry every credential's settings in their environment, which Lambda caps at 4 KB.
  const environment = credentialsEnvironment(fleet).length;
  if (environment > LIMITS.credentialsEnvironment) {
    problems.push(
      located(source, {
        rule: 'too-many-credentials',
        path:
          Object.keys(fleet.credentials).length > 0 && source.data && typeof source.data === 'object' && 'credentials' in source.data ? ['credentials'] : [],
        value: String(Object.keys(fleet.credentials).length),
        message: `the fleet's ${Object.keys(fleet.credentials).length} credentials take ${environment} bytes of the rotate and revoke functions' environment, more than the ${LIMITS.credentialsEnvironment} that fit beside the rest of Lambda's 4 KB`,
        fix: 'share fewer credential names across the fleet (one secret: name per provider account), or split the table into fleets',
      }),
    );
  }

  // A GitHub App credential holds the App's private key: only the gateway, which mints the hour-long tokens from it, may read it.
  const raw = rawAgentsOf(source);
  for (const agent of agents) {
    for (const e of secretEntriesFor(agent, settings, fleet.credentials)) {
      if (e.rotator !== 'github-app' || e.readBy === 'gateway') continue;
      const i = raw.findIndex((a) => normalizeName(String(asRecord(a).name ?? '')) === agent.name);
      problems.push(
        located(source, {
          rule: 'github-app-direct',
          path: i === -1 ? ['agents'] : ['agents', i],
          value: e.secret,
          message: `${e.secret} is a GitHub App credential (its entry holds the App's private key), and ${agent.name} would read it itself`,
          fix: `call GitHub through the gateway (give its ${e.secret} scopes http: grants), or write credentials.${e.secret}.rotator: manual for a token of its own`,
        }),
      );
    }
  }

  // Every GitHub repository the fleet writes to: one provider, one owner (compared without case, as GitHub does).
  const repositories = [
    ...(settings.runbooks && GITHUB_REPOSITORY.test(settings.runbooks.repository)
      ? [{ repository: settings.runbooks.repository, path: ['fleet', 'runbooks', 'repository'] as DocPath }]
      : []),
    ...checked.githubRepositories,
  ];
  const owners = [...new Set(repositories.map((r) => r.repository.split('/')[0].toLowerCase()))];
  if (owners.length > 1) {
    for (const r of repositories.filter((x) => !x.repository.toLowerCase().startsWith(`${owners[0]}/`))) {
      problems.push(
        located(
          source,
          {
            rule: 'invalid-value',
            path: r.path,
            value: r.repository,
            message: `the fleet's GitHub repositories belong to ${owners.join(' and ')}; its GitHub provider writes to one owner (GITHUB_OWNER)`,
            fix: `keep the github-actions agents' repositories and the runbook repository under ${owners[0]}, or split the table into one fleet per owner`,
          },
          'agent' in r ? r.agent : undefined,
        ),
      );
    }
  }

  if (settings.shards) {
    const shards = settings.shards;
    for (const shard of shardsOf(fleet)) {
      if (shard.agents.length <= shards.maxAgents) continue;
      problems.push(
        located(
          source,
          shards.by === 'name'
            ? {
                rule: 'too-many-agents',
                path: ['fleet', 'shards', 'count'],
                value: String(shards.count),
                message: `shard ${shard.stack} would hold ${shard.agents.length} agents, above maxAgents ${shards.maxAgents}`,
                fix: `raise count (to about ${Math.ceil((agents.length / shards.maxAgents) * 1.5)}; this moves agents between shards' states, see "Resharding" in docs/deploying.md) or raise maxAgents`,
              }
            : {
                rule: 'too-many-agents',
                path: ['fleet', 'shards', 'by'],
                value: shard.agents[0].owner,
                message: `owner ${shard.agents[0].owner} has ${shard.agents.length} agents, above maxAgents ${shards.maxAgents} for its shard ${shard.stack}`,
                fix: 'raise maxAgents, or shard by: name',
              },
        ),
      );
    }
  }

  const nameAt = (agent: string): DocPath => ['agents', checked.positions.get(agent) ?? 0, 'name'];
  for (const clash of nameClashes(generatedNames(fleet, nameAt))) {
    const [first, ...others] = clash.owners;
    for (const other of others) {
      problems.push(
        located(
          source,
          {
            rule: 'name-clash',
            path: other.at,
            key: other.at[0] === 'scopes',
            value: clash.name,
            message: `${clash.namespace} ${clash.name} would belong to both ${first.owner} and ${other.owner}${first.caseInsensitive ? ' (compared without case)' : ''}`,
            fix:
              other.at[0] === 'scopes'
                ? 'rename one of the scopes so their names differ in more than punctuation and case'
                : first.at[0] === 'fleet'
                  ? 'rename the agent, or the fleet (fleet.name)'
                  : 'rename one of them',
          },
          other.at[0] === 'agents' ? agentLabel(source, Number(other.at[1])) : undefined,
        ),
      );
    }
  }
  return problems;
}
