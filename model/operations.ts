/**
 * The contract between the synthesized resources and the runtime functions
 * (`functions/`): names, the call-log line, metrics, events, environment, and
 * the Vault policies the functions themselves carry. One place, so the
 * constructs and the Lambdas cannot drift apart. Pure: no cdktf, no AWS SDK.
 */
import { BUILTIN_APIS } from './apis';
import { AGENT_PREFIX, Fleet, FleetSettings, OrphanAction } from './fleet';
import { VaultGrant } from './vault-policy';

/** The kinds of alarm every agent has. */
export const ALARM_KINDS = ['call-rate', 'denied-rate', 'orphan', 'rotation-failure'] as const;
/** One of {@link ALARM_KINDS}. */
export type AlarmKind = (typeof ALARM_KINDS)[number];

/** Alarms that always cut the agent off: anomalies of the agent's own use. A failed rotation only notifies. */
export const REVOKING_ALARMS: readonly AlarmKind[] = ['call-rate', 'denied-rate'];

/** The alarms that watch the agent's use: the revoking ones, and the orphan alarm. */
export const USE_ALARMS: readonly AlarmKind[] = ['call-rate', 'denied-rate', 'orphan'];

/**
 * The sentence an orphan alarm's description ends with when the table says
 * `orphanAction: revoke`: the revoke function reads it back from the alarm
 * notification, so one function serves agents of either setting.
 */
export const ORPHAN_REVOKES = 'orphanAction: revoke.';

/**
 * Whether alarm `kind` of an agent with `orphanAction` revokes it: the call-
 * and denied-rate alarms always do; the orphan alarm only with `revoke`, and
 * even then never an agent that has not made its first call (see the revoke
 * function); a failed rotation never does.
 */
export function alarmRevokes(kind: AlarmKind, orphanAction: OrphanAction): boolean {
  return REVOKING_ALARMS.includes(kind) || (kind === 'orphan' && orphanAction === 'revoke');
}

/** {@link alarmRevokes}, read back from a deployed alarm: its kind and its description. */
export function deployedAlarmRevokes(kind: AlarmKind, description: string | null | undefined): boolean {
  return alarmRevokes(kind, kind === 'orphan' && (description ?? '').endsWith(ORPHAN_REVOKES) ? 'revoke' : 'notify');
}

/** `scoped-agents/<fleet>/<agent>/<kind>`: the revoke function reads the agent back from it. */
export function alarmName(fleet: string, agent: string, kind: AlarmKind): string {
  return `scoped-agents/${fleet}/${agent}/${kind}`;
}

/** Reads an alarm name back; `undefined` for alarms that are not ours. */
export function parseAlarmName(name: string): { fleet: string; agent: string; kind: AlarmKind } | undefined {
  const m = /^scoped-agents\/([a-z0-9-]+)\/([a-z0-9-]+)\/([a-z-]+)$/.exec(name);
  if (!m || !(ALARM_KINDS as readonly string[]).includes(m[3])) return undefined;
  return { fleet: m[1], agent: m[2], kind: m[3] as AlarmKind };
}

/**
 * CloudWatch metrics the alarms, the dashboard and the daily summary read.
 * Dimension `Agent` carries the agent name. The fleet trail's counts are
 * separate metrics with dimension `Role` (the agent's IAM role, `agent-<name>`):
 * CloudTrail reaches CloudWatch Logs minutes late, and an agent's AWS calls
 * are also in its own call log, so adding them to `Calls` would skew the
 * per-minute alarms and count those calls twice.
 */
export const METRICS = {
  namespace: 'ScopedAgents',
  dimension: 'Agent',
  calls: 'Calls',
  deniedCalls: 'DeniedCalls',
  rotationSuccesses: 'RotationSuccesses',
  rotationFailures: 'RotationFailures',
  /** AWS API calls by the agent's IAM role, from the fleet trail (dimension `Role`). */
  awsCalls: 'AwsCalls',
  /** Those of them AWS refused (`AccessDenied*`, `*UnauthorizedOperation`). */
  awsDeniedCalls: 'AwsDeniedCalls',
  roleDimension: 'Role',
} as const;

/** Log group of one agent's call log. */
export function callLogGroupName(fleet: string, agent: string): string {
  return `/scoped-agents/${fleet}/agents/${agent}`;
}

/** CloudWatch Logs filter patterns over the call-log line. */
export function callLogFilterPatterns(agent: string): { calls: string; denied: string } {
  return {
    calls: `{ $.agent = "${agent}" }`,
    denied: `{ $.agent = "${agent}" && $.outcome = "denied" }`,
  };
}

/**
 * CloudWatch Logs filter patterns over the fleet trail's events, attributing
 * each to the agent whose IAM role (`agent-<name>`) made the call.
 */
export function cloudTrailFilterPatterns(agent: string): { calls: string; denied: string } {
  const byRole = `$.userIdentity.sessionContext.sessionIssuer.userName = "${AGENT_PREFIX}${agent}"`;
  return {
    calls: `{ ${byRole} }`,
    denied: `{ ${byRole} && ($.errorCode = "AccessDenied*" || $.errorCode = "*UnauthorizedOperation") }`,
  };
}

/** The fleet trail's name, and the log group it delivers to. */
export const CLOUD_TRAIL = {
  trailName: (fleet: string) => `${fleet}-trail`,
  logGroupName: (fleet: string) => `/scoped-agents/${fleet}/cloudtrail`,
} as const;

/** The path (in Vault's `sys/audit`) of the fleet's audit device. */
export function vaultAuditPath(fleet: string): string {
  return fleet;
}

/** The path (in Vault's `sys/audit`) of the fleet's `socket` audit device, beside the file device. */
export function vaultAuditSocketPath(fleet: string): string {
  return `${fleet}-socket`;
}

/** Name of the fleet's CloudWatch dashboard. */
export function dashboardName(fleet: string): string {
  return fleet;
}

/** The daily usage summary: when it runs (in the fleet's schedule group), and what it compares. */
export const USAGE_SUMMARY = {
  scheduleName: 'usage-summary',
  /** Every day at 07:00 UTC, over the 24 hours up to the last full hour. */
  schedule: 'cron(0 7 * * ? *)',
  /** The summary's window, in hours. */
  windowHours: 24,
  /** How many earlier windows of the same length the trend and the daily spike compare with. */
  historyWindows: 7,
} as const;

/** What the usage-summary schedule sends: the agents and the limits their spikes are judged by. */
export interface UsageSummaryEvent {
  readonly action: 'summarize';
  /** By agent name, sorted. */
  readonly agents: Readonly<Record<string, { readonly maxCallsPerMinute: number }>>;
  /** The shard the agents are, in a sharded fleet (its stack name), named in the message. @default - the whole fleet */
  readonly shard?: string;
  /** ISO 8601: summarize the 24 hours before this time (a re-run for a past day). @default - the last full hour */
  readonly end?: string;
  /** The fleet has its own CloudTrail trail: count each agent's AWS calls (`AwsCalls`, `AwsDeniedCalls` by role) beside its gateway calls. */
  readonly cloudTrail?: true;
}

/** The fleet's functions, by role. */
export const FUNCTIONS = ['revoke', 'rotate', 'notify', 'usage-summary', 'gateway'] as const;
/** One of {@link FUNCTIONS}. */
export type FunctionRole = (typeof FUNCTIONS)[number];

/** Lambda function (and IAM role) name of one of the fleet's functions. */
export function functionName(fleet: string, role: FunctionRole): string {
  return `${fleet}-${role}`;
}

/** The Vault AppRole role each function logs in with (its secret-id lives in Secrets Manager). */
export function functionVaultRole(role: 'revoke' | 'rotate' | 'gateway'): string {
  return `scoped-agents-${role}`;
}

/**
 * The Vault policy a shard grants a function over its own agents
 * (`scoped-agents-<role>-<shard stack>`); the function's tokens carry it
 * beside its own.
 */
export function functionShardPolicyName(role: 'revoke' | 'rotate' | 'gateway', shardStack: string): string {
  return `${functionVaultRole(role)}-${shardStack}`;
}

/** Secrets Manager names the fleet uses. */
export const SECRET_NAMES = {
  /** `{ "role_id": …, "secret_id": … }` of a function's own Vault login. */
  functionLogin: (fleet: string, role: 'revoke' | 'rotate' | 'gateway') => `scoped-agents/${fleet}/functions/${role}/vault-login`,
  /** `{ "role_id": …, "secret_id": … }` delivered to an agent by the rotation: where the agent reads its login. */
  agentLogin: (fleet: string, agent: string) => `scoped-agents/${fleet}/agents/${agent}/vault-login`,
  /** `{ "url": … }` of the team's incoming webhook (Slack), set by the operator. */
  webhook: (fleet: string) => `scoped-agents/${fleet}/notify-webhook`,
} as const;

/** Environment variables the functions read. */
export interface FunctionEnvironment {
  readonly FLEET: string;
  readonly VAULT_ADDR: string;
  readonly KV_MOUNT: string;
  readonly APPROLE_MOUNT: string;
  /** ARN of the Secrets Manager secret holding this function's own Vault login. */
  readonly VAULT_LOGIN_SECRET_ARN: string;
  /** rotate: seconds a replaced secret-id keeps working. */
  readonly ROTATION_GRACE_SECONDS?: string;
  /** rotate: EventBridge Scheduler group and role for the one-shot "expire the previous secret-id" schedule. */
  readonly SCHEDULE_GROUP?: string;
  readonly SCHEDULER_ROLE_ARN?: string;
  /** rotate: its own ARN, the target of that schedule. */
  readonly FUNCTION_ARN?: string;
  /** rotate, revoke: JSON map of credential name → { rotator, tokenUrl?, store, revoker?, baseUrl?, management?, … } (`credentialsEnvironment`). */
  readonly CREDENTIALS?: string;
  /** rotate: base URL of SendGrid's API for the sendgrid-api-key rotator (EU subusers: https://api.eu.sendgrid.com). @default https://api.sendgrid.com */
  readonly SENDGRID_API_URL?: string;
  /** revoke, notify: ARN of the webhook secret, when notifications go to a webhook; usage-summary: always. */
  readonly WEBHOOK_SECRET_ARN?: string;
  /** gateway, rotate (with gateway agents): the gateway's DynamoDB table. */
  readonly GATEWAY_TABLE?: string;
  /** gateway: the largest request body it forwards, in bytes. @default 6291456 */
  readonly MAX_BODY_BYTES?: string;
  /** gateway: milliseconds a provider may take to answer, and may stay idle while answering. @default 10000 and 30000 */
  readonly UPSTREAM_HEADERS_TIMEOUT_MS?: string;
  readonly UPSTREAM_IDLE_TIMEOUT_MS?: string;
}

/** The event the rotation schedule sends, and the one-shot expiry it schedules. */
export type RotateEvent =
  { readonly action: 'rotate'; readonly agent: string } | { readonly action: 'expire-previous'; readonly agent: string; readonly keepAccessor: string };

/** KV v2 path (under the KV mount) where a revocation is recorded; rotation refuses while it exists. */
export function revocationMarker(agent: string): string {
  return `control/revoked/${agent}`;
}

/**
 * The AppRole paths of each named agent's role, exactly: `auth/<mount>/role/agent-*`
 * would also reach each role's configuration (`token_policies`) and role-id,
 * with which a function could mint itself a login carrying any policy.
 */
function agentRolePaths(
  settings: FleetSettings,
  agents: readonly string[],
  subpaths: readonly { sub: string; capabilities: string[]; reason: string }[],
): VaultGrant[] {
  return agents.flatMap((agent) =>
    subpaths.map((s) => ({ path: `auth/${settings.appRoleMount}/role/${AGENT_PREFIX}${agent}/${s.sub}`, capabilities: s.capabilities, reason: s.reason })),
  );
}

/**
 * What the revoke function may do to the named agents: list and destroy their
 * secret-ids, empty their policies. In a sharded fleet each shard grants its
 * own agents' part in a policy of its own (`functionShardPolicyName`).
 */
export function revokerAgentRules(settings: FleetSettings, agents: readonly string[]): VaultGrant[] {
  const roles = agentRolePaths(settings, agents, [
    { sub: 'secret-id', capabilities: ['list'], reason: 'list agent secret-ids' },
    { sub: 'secret-id-accessor/destroy', capabilities: ['update'], reason: 'destroy agent secret-ids' },
  ]);
  // Replace an agent's policy with one that grants nothing: live tokens lose every path at once.
  const policies: VaultGrant[] = agents.map((agent) => ({
    path: `sys/policies/acl/${AGENT_PREFIX}${agent}`,
    capabilities: ['read', 'update'],
    reason: 'empty the agent policy',
  }));
  return [...roles, ...policies].sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The revoke function's own Vault policy: it may act on `agent-*` roles,
 * policies and the fleet's control entries only.
 *
 * @param agents the fleet's agents: their roles' secret-id paths and their
 *   policies are named one by one (an `agent-*` glob would also let the
 *   function rewrite a role's configuration and mint its secret-ids: a way to
 *   any policy in Vault)
 */
export function revokerVaultPolicy(settings: FleetSettings, agents: readonly string[]): VaultGrant[] {
  return [
    ...revokerAgentRules(settings, agents),
    // Find and revoke the agents' live tokens (listing accessors is root-protected in Vault).
    { path: 'auth/token/accessors', capabilities: ['list', 'sudo'], reason: 'find live agent tokens' },
    { path: 'auth/token/lookup-accessor', capabilities: ['update'], reason: 'find live agent tokens' },
    { path: 'auth/token/revoke-accessor', capabilities: ['update'], reason: 'revoke live agent tokens' },
    { path: `${settings.kvMount}/data/control/revoked/*`, capabilities: ['create', 'read', 'update'], reason: 'record the revocation' },
    { path: `${settings.kvMount}/data/agents/*`, capabilities: ['read'], reason: "read the agents' SaaS credentials, to revoke them at the provider" },
    { path: `${settings.kvMount}/data/management/*`, capabilities: ['read'], reason: 'revoke credentials at the provider with its management credential' },
  ].sort((a, b) => a.path.localeCompare(b.path));
}

/** What the rotate function may do to the named agents' AppRole roles: deliver role-ids, issue and expire secret-ids. */
export function rotatorAgentRules(settings: FleetSettings, agents: readonly string[]): VaultGrant[] {
  return agentRolePaths(settings, agents, [
    { sub: 'role-id', capabilities: ['read'], reason: 'deliver the agent role-id' },
    { sub: 'secret-id', capabilities: ['list', 'update'], reason: 'issue and list agent secret-ids' },
    { sub: 'secret-id-accessor/destroy', capabilities: ['update'], reason: 'expire agent secret-ids' },
    { sub: 'secret-id-accessor/lookup', capabilities: ['update'], reason: 'expire agent secret-ids' },
  ]).sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The rotate function's own Vault policy: new secret-ids for `agent-*` roles, its agents' KV entries.
 *
 * @param agents the fleet's agents, whose roles' role-id and secret-id paths
 *   are named one by one (see {@link revokerVaultPolicy} for why not a glob)
 */
export function rotatorVaultPolicy(settings: FleetSettings, agents: readonly string[]): VaultGrant[] {
  return [
    ...rotatorAgentRules(settings, agents),
    { path: `${settings.kvMount}/data/agents/*`, capabilities: ['create', 'read', 'update'], reason: 'write rotated SaaS credentials (check-and-set)' },
    { path: `${settings.kvMount}/metadata/agents/*`, capabilities: ['read'], reason: 'read versions for check-and-set' },
    { path: `${settings.kvMount}/data/control/revoked/*`, capabilities: ['read'], reason: 'refuse to rotate a revoked agent' },
    { path: `${settings.kvMount}/data/management/*`, capabilities: ['read'], reason: 'mint new provider keys with the management credential' },
  ].sort((a, b) => a.path.localeCompare(b.path));
}

/** The rotate function's invocation for one agent: what its schedule sends, run by hand. */
export function rotateCommand(fleet: string, agent: string): string {
  return `aws lambda invoke --function-name ${functionName(fleet, 'rotate')} --cli-binary-format raw-in-base64-out --payload '{"action":"rotate","agent":"${agent}"}' /dev/stdout`;
}

/** What undoing a revocation of one agent depends on. */
export interface ReEnableFacts {
  readonly fleet: string;
  readonly agent: string;
  readonly kvMount: string;
  /** Whether the agent logs in with AppRole (a secret-id to issue), rather than with GitHub's OIDC token (none to issue). */
  readonly appRole: boolean;
  /** Whether its IAM role carries the deny of the sessions issued before the revocation. */
  readonly awsRole: boolean;
  /** When it was revoked (ISO 8601), when known: the revocation message names the time, the runbook cannot. */
  readonly revokedAt?: string;
  /** Its SaaS credentials at their providers: each is replaced after a revocation, whether it was revoked there automatically or must be by hand. */
  readonly providerCredentials?: readonly { readonly credential: string; readonly provider: string; readonly revoked: boolean }[];
}

/** One step to re-enable a revoked agent: what and why, and the command that does it. */
export interface ReEnableStep {
  readonly what: string;
  readonly command: string;
}

/** Name of the inline policy the revoke function puts on an agent's IAM role: every session issued before the revocation is denied. */
export function revokedSessionsPolicyName(agent: string): string {
  return `${AGENT_PREFIX}${agent}-revoked`;
}

/**
 * The steps that undo a revocation, in order: the same in the revoke
 * function's message and in the agent's runbook.
 */
export function reEnableSteps(f: ReEnableFacts): ReEnableStep[] {
  const role = `${AGENT_PREFIX}${f.agent}`;
  const steps: ReEnableStep[] = [
    {
      what: 'Delete the revocation marker (rotation refuses the agent while it exists)',
      command: `vault kv metadata delete -mount=${f.kvMount} ${revocationMarker(f.agent)}`,
    },
    { what: `Restore the agent's generated Vault policy ${role}`, command: 'cdktf deploy' },
    // Before the rotation: it renews a credential from the current one, which must be alive.
    ...(f.providerCredentials ?? []).map((p) => ({
      what: p.revoked
        ? `Mint a new ${p.credential} credential at ${p.provider} (the old one was revoked there) and write it to the agent's entry`
        : `Revoke the old ${p.credential} credential at ${p.provider} by hand if not done yet, mint a new one and write it to the agent's entry`,
      command: `vault kv put -mount=${f.kvMount} agents/${f.agent}/${p.credential} @${p.credential}.json`,
    })),
    {
      what: f.appRole
        ? 'Issue a new secret-id and deliver it to the agent'
        : 'Run its rotation (its SaaS credentials; it has no secret-id, its next workflow run logs in with a new OIDC token)',
      command: rotateCommand(f.fleet, f.agent),
    },
  ];
  if (f.awsRole) {
    steps.push({
      what: `Once the AWS sessions issued before ${f.revokedAt ?? 'the revocation'} have expired (new sessions are not affected), remove the deny`,
      command: `aws iam delete-role-policy --role-name ${role} --policy-name ${revokedSessionsPolicyName(f.agent)}`,
    });
  }
  return steps;
}

/**
 * `CREDENTIALS` of the rotate and revoke functions: each credential of the
 * fleet with how it rotates, how it is revoked at its built-in provider (and
 * the API's base URL when the table changes it), and its management
 * credential. No secret: names and URLs only. Kept short: Lambda allows 4 KB
 * of environment a function, and the functions look the provider's title and
 * console up in model/providers.ts themselves.
 */
export function credentialsEnvironment(fleet: Pick<Fleet, 'credentials' | 'apis'>): string {
  const entries = Object.keys(fleet.credentials)
    .sort()
    .map((name) => {
      const c = fleet.credentials[name];
      // The table's own base URL (a Zendesk subdomain, SendGrid's EU region); a built-in one the revokers know.
      const baseUrl = c.provider ? fleet.apis[c.provider]?.baseUrl : undefined;
      const changed = baseUrl !== undefined && c.provider !== undefined && baseUrl !== BUILTIN_APIS[c.provider]?.baseUrl;
      return [
        name,
        {
          rotator: c.rotator,
          ...(c.tokenUrl ? { tokenUrl: c.tokenUrl } : {}),
          store: c.store,
          ...(c.revoker ? { revoker: c.revoker } : {}),
          ...(c.revocationUrl ? { revocationUrl: c.revocationUrl } : {}),
          ...(c.revoker && changed ? { baseUrl } : {}),
          ...(c.management ? { management: c.management } : {}),
          ...(c.provider ? { provider: c.provider } : {}),
        },
      ];
    });
  return JSON.stringify(Object.fromEntries(entries));
}
