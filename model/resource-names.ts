/**
 * Every name the fleet gives a resource, derived once: the constructs name
 * what they create with these functions, and validation checks the names
 * after they are derived, for two owners of one name (a fleet called `agent`
 * and an agent called `revoke` would share the IAM role `agent-revoke`) and
 * for table grants that reach the fleet's own machinery.
 */
import { awsAccessOf, loginMethodOf } from './agent-login';
import { deliveryFor } from './delivery';
import { Agent, AGENT_PREFIX, agentResourceName, Fleet, FleetSettings } from './fleet';
import { needsIamRole, sidFor } from './iam-policy';
import {
  ALARM_KINDS,
  alarmName,
  callLogGroupName,
  CLOUD_TRAIL,
  dashboardName,
  FunctionRole,
  FUNCTIONS,
  functionName,
  functionShardPolicyName,
  functionVaultRole,
  revocationMarker,
  SECRET_NAMES,
  USAGE_SUMMARY,
} from './operations';
import { secretEntriesFor } from './secret-entries';
import { GATEWAY, gatewayAuthOf } from './gateway';
import { shardsOf } from './shards';

/** A path into the table (`['agents', 2, 'name']`): where what made a name is written. */
export type TablePath = readonly (string | number)[];

/** Names of the fleet's own resources that are not in `operations.ts` (the functions do not need them). */
export const FLEET_RESOURCE_NAMES = {
  /** The SNS topic every alarm notifies. */
  topic: (fleet: string) => `${fleet}-alarms`,
  /** AWS Chatbot's Slack channel configuration, and its IAM role. */
  chatbotConfiguration: (fleet: string) => `${fleet}-alarms`,
  chatbotRole: (fleet: string) => `${fleet}-chatbot`,
  /** The alias of the fleet key. */
  keyAlias: (fleet: string) => `alias/scoped-agents/${fleet}`,
  /** EventBridge Scheduler: the fleet's schedule group, and the role its schedules run as. */
  scheduleGroup: (fleet: string) => fleet,
  schedulerRole: (fleet: string) => `${fleet}-scheduler`,
  /** The role CloudTrail delivers the fleet trail to CloudWatch Logs as. */
  trailDeliveryRole: (fleet: string) => `${fleet}-cloudtrail`,
  /** What the trail bucket's name starts with (AWS appends a unique suffix; at most 37 characters). */
  trailBucketPrefix: (fleet: string) => `${fleet.slice(0, 30).replace(/-+$/, '')}-trail-`,
  /**
   * Log forwarding (`fleet.logForwarding`): the Firehose delivery stream, the
   * role Firehose delivers as, the role CloudWatch Logs sends to the stream
   * as, the endpoint's access key (filled by the operator), what the backup
   * bucket's name starts with (at most 35 characters), and the name of every
   * subscription filter.
   */
  siemStream: (fleet: string) => `${fleet}-siem`,
  siemFirehoseRole: (fleet: string) => `${fleet}-siem-firehose`,
  siemLogsRole: (fleet: string) => `${fleet}-siem-logs`,
  siemAccessKey: (fleet: string) => `scoped-agents/${fleet}/siem-access-key`,
  siemBucketPrefix: (fleet: string) => `${fleet.slice(0, 30).replace(/-+$/, '')}-siem-`,
  siemSubscriptionFilter: () => 'scoped-agents-siem',
  /** A function's log group and its dead-letter queue. */
  functionLogGroup: (fleet: string, role: FunctionRole) => `/aws/lambda/${functionName(fleet, role)}`,
  deadLetterQueue: (fleet: string, role: FunctionRole) => `${functionName(fleet, role)}-dead-letters`,
} as const;

/** The functions a fleet deploys: `notify` only when notifications go to a webhook (not AWS Chatbot), `gateway` only with the fleet's gateway. */
export function deployedFunctions(settings: Pick<FleetSettings, 'notify' | 'gateway'>): FunctionRole[] {
  return FUNCTIONS.filter((r) => (r !== 'notify' || settings.notify === undefined) && (r !== 'gateway' || settings.gateway));
}

/**
 * One name the fleet gives a resource, with where it comes from: the far
 * side's namespace (unique within it), whether the far side compares it
 * without case (IAM role names, Vault policy names), and its owner.
 */
export interface GeneratedName {
  /** What kind of name, where it must be unique: `IAM role`, `Vault policy`, `IAM statement Sid of agent-x`… */
  readonly namespace: string;
  readonly name: string;
  readonly caseInsensitive: boolean;
  /** Who the name is for, in words: `agent revoke`, `the revoke function of fleet agent`, `scope s3.read of agent x`. */
  readonly owner: string;
  /** Where the table says what made the name. */
  readonly at: TablePath;
}

/**
 * Every name the fleet's resources get, from the validated fleet.
 *
 * @param agentAt where each agent is in the table (its `name`), by agent name
 */
export function generatedNames(fleet: Fleet, agentAt: (agent: string) => TablePath): GeneratedName[] {
  const { settings } = fleet;
  const fleetName = settings.name;
  const names: GeneratedName[] = [];
  const add = (namespace: string, name: string, owner: string, at: TablePath, caseInsensitive = false): void => {
    names.push({ namespace, name, owner, at, caseInsensitive });
  };
  const fleetAt: TablePath = ['fleet', 'name'];
  const fn = (role: string): string => `the ${role} function of fleet ${fleetName}`;

  // The fleet's own: IAM role names are unique per account without regard to case; so are Vault policy names.
  for (const role of deployedFunctions(settings)) {
    add('IAM role', functionName(fleetName, role), fn(role), fleetAt, true);
    add('Lambda function', functionName(fleetName, role), fn(role), fleetAt);
    add('CloudWatch log group', FLEET_RESOURCE_NAMES.functionLogGroup(fleetName, role), fn(role), fleetAt);
  }
  add('IAM role', FLEET_RESOURCE_NAMES.schedulerRole(fleetName), `the scheduler role of fleet ${fleetName}`, fleetAt, true);
  if (settings.notify) add('IAM role', FLEET_RESOURCE_NAMES.chatbotRole(fleetName), `the AWS Chatbot role of fleet ${fleetName}`, fleetAt, true);
  if (settings.cloudTrail) {
    add('IAM role', FLEET_RESOURCE_NAMES.trailDeliveryRole(fleetName), `the CloudTrail delivery role of fleet ${fleetName}`, fleetAt, true);
    add('CloudWatch log group', CLOUD_TRAIL.logGroupName(fleetName), `the trail of fleet ${fleetName}`, fleetAt);
  }
  if (settings.logForwarding) {
    add('IAM role', FLEET_RESOURCE_NAMES.siemFirehoseRole(fleetName), `the log forwarding (Firehose) role of fleet ${fleetName}`, fleetAt, true);
    add('IAM role', FLEET_RESOURCE_NAMES.siemLogsRole(fleetName), `the log forwarding (CloudWatch Logs) role of fleet ${fleetName}`, fleetAt, true);
    add('Firehose delivery stream', FLEET_RESOURCE_NAMES.siemStream(fleetName), `the log forwarding of fleet ${fleetName}`, fleetAt);
    add('Secrets Manager secret', FLEET_RESOURCE_NAMES.siemAccessKey(fleetName), `the SIEM access key of fleet ${fleetName}`, fleetAt);
  }
  for (const role of settings.gateway ? (['revoke', 'rotate', 'gateway'] as const) : (['revoke', 'rotate'] as const)) {
    add('Vault policy', functionVaultRole(role), fn(role), fleetAt, true);
    add(`AppRole role in auth/${settings.appRoleMount}`, functionVaultRole(role), fn(role), fleetAt);
    add('Secrets Manager secret', SECRET_NAMES.functionLogin(fleetName, role), `the Vault login of ${fn(role)}`, fleetAt);
  }
  if (!settings.notify) add('Secrets Manager secret', SECRET_NAMES.webhook(fleetName), `the webhook of fleet ${fleetName}`, fleetAt);
  if (settings.gateway) {
    add('DynamoDB table', GATEWAY.tableName(fleetName), `the gateway of fleet ${fleetName}`, fleetAt);
    add('CloudWatch log group', GATEWAY.logGroupName(fleetName), `the gateway of fleet ${fleetName}`, fleetAt);
  }
  const shards = settings.shards ? shardsOf(fleet) : [];
  for (const shard of shards) {
    for (const role of settings.gateway ? (['revoke', 'rotate', 'gateway'] as const) : (['revoke', 'rotate'] as const))
      add('Vault policy', functionShardPolicyName(role, shard.stack), `the ${role} policy of shard ${shard.stack}`, fleetAt, true);
    add('Scheduler schedule', `${USAGE_SUMMARY.scheduleName}-${shard.key}`, `the usage summary of shard ${shard.stack}`, fleetAt);
    add('CloudWatch dashboard', shard.stack, `the dashboard of shard ${shard.stack}`, fleetAt);
  }
  if (shards.length === 0) {
    add('Scheduler schedule', USAGE_SUMMARY.scheduleName, `the usage summary of fleet ${fleetName}`, fleetAt);
    for (let page = 0; page * 100 < Math.max(1, fleet.agents.length); page++) {
      add(
        'CloudWatch dashboard',
        page === 0 ? dashboardName(fleetName) : `${dashboardName(fleetName)}-${page + 1}`,
        `the dashboard of fleet ${fleetName}`,
        fleetAt,
      );
    }
  }

  for (const agent of fleet.agents) names.push(...agentNames(agent, fleet, agentAt(agent.name)));
  return names;
}

/** The names one agent's resources get. */
function agentNames(agent: Agent, fleet: Pick<Fleet, 'settings' | 'credentials'>, at: TablePath): GeneratedName[] {
  const { settings } = fleet;
  const owner = `agent ${agent.name}`;
  const role = agentResourceName(agent);
  const out: GeneratedName[] = [];
  const add = (namespace: string, name: string, who: string, where: TablePath, caseInsensitive = false): void => {
    out.push({ namespace, name, owner: who, at: where, caseInsensitive });
  };
  add('Vault policy', role, owner, at, true);
  add(loginMethodOf(agent) === 'approle' ? `AppRole role in auth/${settings.appRoleMount}` : `JWT role in auth/${settings.jwtMount}`, role, owner, at);
  if (needsIamRole(agent, fleet.credentials)) add('IAM role', role, owner, at, true);
  if (awsAccessOf(agent, fleet.credentials) === 'vault-broker') add(`AWS secrets engine role in ${settings.awsMount}`, role, owner, at);
  add('Scheduler schedule', role, `the rotation of ${owner}`, at);
  add('CloudWatch log group', callLogGroupName(settings.name, agent.name), `the call log of ${owner}`, at);
  for (const kind of ALARM_KINDS) add('CloudWatch alarm', alarmName(settings.name, agent.name, kind), `the ${kind} alarm of ${owner}`, at);
  add(`KV v2 entry in ${settings.kvMount}`, revocationMarker(agent.name), `the revocation marker of ${owner}`, at);
  if (loginMethodOf(agent) === 'approle') add('Secrets Manager secret', SECRET_NAMES.agentLogin(settings.name, agent.name), `the Vault login of ${owner}`, at);
  if (agent.gateway && gatewayAuthOf(agent) === 'gateway-key')
    add('Secrets Manager secret', GATEWAY.keySecretName(settings.name, agent.name), `the gateway key of ${owner}`, at);
  for (const entry of secretEntriesFor(agent, settings, fleet.credentials)) {
    const what = `the ${entry.secret} credential of ${owner}`;
    if (entry.store === 'aws') add('Secrets Manager secret', entry.secretsManagerName, what, at);
    else add(`KV v2 entry in ${settings.kvMount}`, entry.name, what, at);
  }
  // IAM refuses a policy with two statements of one Sid; `s3.read` and `s3-read` both become `S3Read`.
  for (const scope of agent.scopes) {
    if (scope.kind === 'aws') add(`IAM statement Sid of ${role}`, sidFor(scope.name), `scope ${scope.name}`, ['scopes', scope.name], true);
    if (scope.kind === 'secret' && fleet.credentials[scope.secret]?.store === 'aws')
      add(`IAM statement Sid of ${role}`, `Credential${sidFor(scope.secret)}`, `credential ${scope.secret}`, ['scopes', scope.name], true);
  }
  // What the agent's platform knows its secrets by, and the variables it reads them from.
  const delivery = deliveryFor(agent, fleet);
  const refs = [
    ...delivery.credentials,
    ...(delivery.vaultLogin ? [delivery.vaultLogin.roleId, delivery.vaultLogin.secretId] : []),
    ...(delivery.gateway?.key ? [delivery.gateway.key] : []),
  ];
  for (const ref of refs) add('platform secret name', ref.name, `${ref.description} of ${owner}`, at);
  const settingsDelivered = [...delivery.settings, ...(delivery.gateway ? [delivery.gateway.url] : [])];
  for (const s of settingsDelivered) add(`environment variable of ${owner}`, s.env, `its setting ${s.env} (${s.description})`, at);
  for (const api of delivery.gateway?.apis ?? []) add(`environment variable of ${owner}`, api.env, `the gateway base URL of ${api.api}`, at);
  for (const r of refs) add(`environment variable of ${owner}`, r.env, `its ${r.description}`, at);
  return out;
}

/** Two owners of one name. */
export interface NameClash {
  readonly namespace: string;
  readonly name: string;
  /** Every owner of the name, in the fleet's order (the fleet's own first). */
  readonly owners: readonly GeneratedName[];
}

/** Every name two owners would share, compared as the far side compares it. */
export function nameClashes(names: readonly GeneratedName[]): NameClash[] {
  const groups = new Map<string, GeneratedName[]>();
  for (const n of names) {
    const key = JSON.stringify([n.namespace, n.caseInsensitive ? n.name.toLowerCase() : n.name]);
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  return [...groups.values()]
    .map((owners) => owners.filter((o, i) => owners.findIndex((x) => x.owner === o.owner) === i))
    .filter((owners) => owners.length > 1)
    .map((owners) => ({ namespace: owners[0].namespace, name: owners[0].name, owners }));
}

/**
 * Why a table's ARN reaches the fleet's own machinery, or `undefined` when it
 * does not: the functions, their roles and logins, the key, the topic, the
 * schedules, the trail and its bucket, the state bucket, and every agent's
 * role, secrets and call log (an agent that may write another's call log can
 * forge its calls; one that may read a function's login can rewrite every
 * agent's policy). Compared as AWS compares the names.
 */
export function fleetResourceProblem(arn: string, settings: FleetSettings): string | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const service = parts[2];
  const resource = parts.slice(5).join(':');
  const fleet = settings.name;
  const functions = FUNCTIONS.map((r) => functionName(fleet, r));
  const roles = [
    ...functions,
    FLEET_RESOURCE_NAMES.schedulerRole(fleet),
    FLEET_RESOURCE_NAMES.chatbotRole(fleet),
    FLEET_RESOURCE_NAMES.trailDeliveryRole(fleet),
    FLEET_RESOURCE_NAMES.siemFirehoseRole(fleet),
    FLEET_RESOURCE_NAMES.siemLogsRole(fleet),
  ].map((r) => r.toLowerCase());
  const group = FLEET_RESOURCE_NAMES.scheduleGroup(fleet);
  const reaches = (what: string): string => `reaches ${what}, which only the fleet itself may touch`;
  switch (service) {
    case 'iam': {
      const name = /^(?:role|user)\/(?:[^/]*\/)*([^/]+)$/.exec(resource)?.[1]?.toLowerCase();
      if (name === undefined) return undefined;
      if (name.startsWith(AGENT_PREFIX)) return reaches(`an agent's IAM role (${name})`);
      if (roles.includes(name)) return reaches(`the fleet's IAM role ${name}`);
      return undefined;
    }
    case 'lambda': {
      const name = /^function:([^:]+)/.exec(resource)?.[1];
      return name !== undefined && functions.includes(name) ? reaches(`the fleet's function ${name}`) : undefined;
    }
    case 'logs': {
      const name = /^log-group:([^:]+)/.exec(resource)?.[1];
      if (name === undefined) return undefined;
      if (name.startsWith('/scoped-agents/')) return reaches(`the fleet's log group ${name} (call logs, the trail)`);
      return FUNCTIONS.some((r) => FLEET_RESOURCE_NAMES.functionLogGroup(fleet, r) === name)
        ? reaches(`the log group of the fleet's function (${name})`)
        : undefined;
    }
    case 'secretsmanager':
      return /^secret:scoped-agents\//.test(resource)
        ? reaches(`a secret of scoped-agents (${resource.slice('secret:'.length)}: logins, credentials, the webhook)`)
        : undefined;
    case 'dynamodb': {
      const table = /^table\/([^/]+)/.exec(resource)?.[1];
      return table !== undefined && table === GATEWAY.tableName(fleet)
        ? reaches(`the gateway's table ${table} (agents' endpoints, key hashes, rate counters)`)
        : undefined;
    }
    case 'sns':
      return resource === FLEET_RESOURCE_NAMES.topic(fleet) ? reaches(`the fleet's alarm topic ${resource}`) : undefined;
    case 'sqs':
      return FUNCTIONS.some((r) => FLEET_RESOURCE_NAMES.deadLetterQueue(fleet, r) === resource)
        ? reaches(`the dead-letter queue ${resource} of a fleet function`)
        : undefined;
    case 'kms':
      return /^alias\/scoped-agents\//.test(resource) ? reaches(`the fleet key (${resource})`) : undefined;
    case 'scheduler':
      return resource === `schedule-group/${group}` || resource.startsWith(`schedule/${group}/`)
        ? reaches(`the fleet's schedules (group ${group})`)
        : undefined;
    case 'firehose':
      return resource === `deliverystream/${FLEET_RESOURCE_NAMES.siemStream(fleet)}` ? reaches(`the fleet's log forwarding stream ${resource}`) : undefined;
    case 'cloudtrail':
      return resource === `trail/${CLOUD_TRAIL.trailName(fleet)}` ? reaches(`the fleet trail ${CLOUD_TRAIL.trailName(fleet)}`) : undefined;
    case 'cloudwatch':
      if (resource.startsWith(`alarm:scoped-agents/${fleet}/`)) return reaches("the agents' alarms");
      return new RegExp(`^dashboard/${fleet}(-\\d+|-shard-.*)?$`).test(resource) ? reaches("the fleet's dashboard") : undefined;
    case 's3': {
      const bucket = resource.split('/')[0];
      if (settings.state?.s3 && bucket === settings.state.s3.bucket) return reaches(`the state bucket ${bucket}, which holds every stack's state`);
      if (settings.logForwarding && bucket.startsWith(FLEET_RESOURCE_NAMES.siemBucketPrefix(fleet)))
        return reaches(`the log forwarding backup bucket (${bucket})`);
      return settings.cloudTrail && bucket.startsWith(FLEET_RESOURCE_NAMES.trailBucketPrefix(fleet))
        ? reaches(`the fleet trail's bucket (${bucket})`)
        : undefined;
    }
    default:
      return undefined;
  }
}
