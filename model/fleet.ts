import { ApiDefinition } from './apis';
import { HttpEndpoint } from './http-grants';
import { Problem } from './problem';
import { RotatorName, ROTATORS } from './providers';
import type { ProviderName, RevokerName } from './providers';

/** The platforms an agent can run on; each gets its own delivery of credentials. */
export const PLATFORMS = ['claude', 'openai', 'zapier', 'github-actions', 'generic'] as const;
/** One of {@link PLATFORMS}. */
export type Platform = (typeof PLATFORMS)[number];

export { ROTATORS };
export type { RotatorName };

/** A catalog scope that unlocks a SaaS credential kept in the agent's own KV v2 entry. */
export interface SecretScope {
  readonly kind: 'secret';
  readonly name: string;
  readonly description?: string;
  /** Name of the credential (e.g. `hubspot`); the entry is `<kv>/agents/<agent>/<secret>`. */
  readonly secret: string;
  /**
   * The endpoints of one API this scope grants through the fleet's gateway,
   * which holds the credential in the agent's place. Absent: the agent reads
   * the credential itself and calls the provider directly.
   */
  readonly http?: { readonly api: string; readonly endpoints: readonly HttpEndpoint[] };
}

/** A catalog scope that grants IAM actions on named resources, in the agent's own role. */
export interface AwsScope {
  readonly kind: 'aws';
  readonly name: string;
  readonly description?: string;
  /** Sorted, de-duplicated, in the canonical case of the IAM reference. */
  readonly actions: readonly string[];
  /** Sorted, de-duplicated ARNs. */
  readonly resources: readonly string[];
}

/** A catalog scope that grants capabilities on one Vault path. */
export interface VaultScope {
  readonly kind: 'vault';
  readonly name: string;
  readonly description?: string;
  readonly path: string;
  /** Sorted, de-duplicated Vault capabilities. */
  readonly capabilities: readonly string[];
}

/** A scope of the catalog, resolved to its concrete grant. */
export type Scope = SecretScope | AwsScope | VaultScope;

/** What an orphan alarm does: tell the team (the default), or also revoke the agent. */
export type OrphanAction = 'notify' | 'revoke';

/** Alarm thresholds of one agent. */
export interface AlarmThresholds {
  readonly maxCallsPerMinute: number;
  readonly maxDeniedPerMinute: number;
  readonly orphanAfterHours: number;
  /** What the orphan alarm does: an idle agent is flagged, and revoked only when the table says so. */
  readonly orphanAction: OrphanAction;
}

/** One action of the table: what the agent does, and the scopes it needs for it. */
export interface AgentAction {
  readonly action: string;
  readonly scopes: readonly string[];
}

/** One agent, with its defaults applied and every scope resolved. */
export interface Agent {
  /** Lowercase kebab-case; safe in Vault paths, IAM names and Terraform identifiers. */
  readonly name: string;
  readonly owner: string;
  readonly platform: Platform;
  readonly description?: string;
  readonly actions: readonly AgentAction[];
  /** Every scope the agent's actions need, sorted by name. */
  readonly scopes: readonly Scope[];
  /** Vault token TTL, in seconds. */
  readonly credentialTtl: number;
  /** Vault token max TTL, in seconds. */
  readonly credentialMaxTtl: number;
  /** AppRole secret-id TTL, in seconds. */
  readonly secretIdTtl: number;
  /** EventBridge schedule expression of the rotation job. */
  readonly rotation: string;
  readonly alarms: AlarmThresholds;
  /** CIDRs the agent may log in from and use its token from; empty for anywhere. */
  readonly boundCidrs: readonly string[];
  readonly permissionsBoundary?: string;
  /** The principal that assumes the agent's IAM role; absent when Vault's AWS engine brokers it. */
  readonly awsPrincipal?: string;
  readonly github?: { readonly repository: string; readonly environment: string };
  /**
   * Whether its SaaS calls go through the fleet's gateway: the fleet has one,
   * the agent has `http:` grants, and the table does not say `gateway: false`.
   */
  readonly gateway: boolean;
}

/** Fleet-wide settings: where the shared backends are mounted, how operations behave. */
export interface FleetSettings {
  readonly name: string;
  readonly kvMount: string;
  readonly appRoleMount: string;
  readonly awsMount: string;
  /** Path of the JWT auth backend that takes GitHub Actions' OIDC tokens (mounted only when a `github-actions` agent exists). */
  readonly jwtMount: string;
  /** The GitHub repository the agents' runbooks are committed to; absent → runbooks are only written beside the output. */
  readonly runbooks?: RunbookRepository;
  /** Vault's address for the fleet's functions; absent → a Terraform variable. */
  readonly vaultAddr?: string;
  /** Days the per-agent call logs are kept. */
  readonly logRetentionDays: number;
  /** Seconds a replaced AppRole secret-id keeps working after rotation. */
  readonly rotationGrace: number;
  /** Slack channel for AWS Chatbot; absent → the webhook function. */
  readonly notify?: { readonly slackTeamId: string; readonly slackChannelId: string };
  /** Whether the fleet enables its own Vault audit device (false: the server's configuration declares one). */
  readonly vaultAudit: boolean;
  /** Path, on the Vault server, of the file the fleet's Vault audit device writes. */
  readonly vaultAuditFile: string;
  /** A `socket` audit device beside the file device; absent → none. */
  readonly vaultAuditSocket?: VaultAuditSocket;
  /** Whether the fleet has its own CloudTrail trail, attributing AWS calls to agents by role name. */
  readonly cloudTrail: boolean;
  /** Where the fleet's log groups are forwarded to (one Firehose delivery stream); absent → nowhere. */
  readonly logForwarding?: LogForwarding;
  /** How the fleet splits into shard stacks; absent → one stack. */
  readonly shards?: ShardSettings;
  /** Where the stacks keep their state; absent → local files. */
  readonly state?: StateSettings;
  /** Whether the fleet deploys its gateway, through which every `http:` grant is called. */
  readonly gateway: boolean;
}

/** `fleet.vaultAuditSocket` in the table: a Vault audit device of type `socket`. */
export interface VaultAuditSocket {
  /** `host:port` (tcp, udp) or an absolute socket path (unix). */
  readonly address: string;
  readonly socketType: 'tcp' | 'udp' | 'unix';
  /** Seconds Vault waits for one write to the socket. */
  readonly writeTimeout: number;
}

/** `fleet.logForwarding` in the table: the SIEM the fleet's log groups are forwarded to. */
export type LogForwarding =
  | {
      /** An HTTPS endpoint that takes Firehose's HTTP delivery (Datadog, New Relic, a generic collector). */
      readonly destination: 'http_endpoint';
      readonly url: string;
      /** The name Firehose gives the endpoint. */
      readonly name: string;
    }
  | {
      /** Splunk's HTTP Event Collector. */
      readonly destination: 'splunk';
      readonly url: string;
      readonly hecEndpointType: 'Raw' | 'Event';
    };

/** `fleet.shards` in the table: see `model/shards.ts`. */
export type ShardSettings =
  | { readonly by: 'name'; /** Shards the names hash into. */ readonly count: number; readonly maxAgents: number }
  | { readonly by: 'owner'; readonly maxAgents: number };

/** `fleet.state` in the table: exactly one of its backends. */
export type StateSettings =
  | {
      /** One state object per stack at `<keyPrefix>/<stack>/terraform.tfstate`, locked by an S3 lock file. */
      readonly s3: { readonly bucket: string; readonly region: string; readonly keyPrefix: string; readonly kmsKeyId?: string };
      readonly hcp?: undefined;
    }
  | {
      /** One HCP Terraform workspace per stack, `<workspacePrefix><stack>`. */
      readonly hcp: { readonly organization: string; readonly hostname: string; readonly workspacePrefix: string };
      readonly s3?: undefined;
    };

/** Where the agents' runbooks are committed on GitHub (`fleet.runbooks` in the table). */
export interface RunbookRepository {
  /** `owner/name`. */
  readonly repository: string;
  /** Branch the commits go to; absent → the repository's default branch. */
  readonly branch?: string;
  /** Folder of the runbooks, `<path>/<agent>.md`; no leading or trailing `/`. */
  readonly path: string;
}

/** How one SaaS credential is stored and rotated (each agent still has its own copy). */
export interface Credential {
  /** The `secret:` name, e.g. `hubspot`. */
  readonly name: string;
  readonly rotator: RotatorName;
  /** Token endpoint of an oauth2-refresh provider. */
  readonly tokenUrl?: string;
  /** RFC 7009 revocation endpoint of an oauth2-refresh provider (the `oauth2-rfc7009` revoker). */
  readonly revocationUrl?: string;
  /** Each agent's copy: a KV v2 entry (`vault`) or a Secrets Manager secret (`aws`). */
  readonly store: 'vault' | 'aws';
  /** The built-in provider it belongs to; absent for a provider of the table's own. */
  readonly provider?: ProviderName;
  /** How it is revoked at the provider when an agent is cut off; absent: by hand, at the provider's console. */
  readonly revoker?: RevokerName;
  /**
   * The management credential its rotator or revoker uses for key-management
   * calls (a secret name: the fleet-level entry `<kv>/management/<name>`, read
   * by the rotate and revoke functions only), so the agent's own key carries
   * exactly its table scopes.
   */
  readonly management?: string;
  /** Whether the table wrote the rotator (`manual` written out is a decision; a default `manual` is a gap `check` reports). */
  readonly rotatorWritten?: boolean;
}

/** A whole validated table: the input every construct and report renders. */
export interface Fleet {
  readonly settings: FleetSettings;
  /** Sorted by name. */
  readonly agents: readonly Agent[];
  /** Every credential a `secret:` scope names, by secret name. */
  readonly credentials: Readonly<Record<string, Credential>>;
  /** Every API an `http:` grant names, by name: built in, or from the table's `apis:`. */
  readonly apis: Readonly<Record<string, ApiDefinition>>;
  /** Things that are allowed but worth saying (e.g. a TTL AWS cannot honour). */
  readonly warnings: readonly Problem[];
  /** The files the table was read from. */
  readonly files: readonly string[];
}

/** Built-in defaults, used where neither the agent nor `defaults:` says otherwise. */
export const BUILTIN_DEFAULTS = {
  platform: 'generic' as Platform,
  credentialTtl: 15 * 60,
  credentialMaxTtl: 60 * 60,
  // A day plus an hour: the nightly rotation issues the next secret-id before this one lapses.
  secretIdTtl: 25 * 60 * 60,
  rotation: 'cron(0 3 * * ? *)',
  alarms: { maxCallsPerMinute: 1000, maxDeniedPerMinute: 20, orphanAfterHours: 24, orphanAction: 'notify' as OrphanAction },
} as const;

/** The fleet settings of a table whose `fleet:` says nothing. */
export const BUILTIN_FLEET_SETTINGS: FleetSettings = {
  name: 'scoped-agents',
  kvMount: 'kv',
  appRoleMount: 'approle',
  awsMount: 'aws',
  jwtMount: 'github-actions',
  logRetentionDays: 365,
  rotationGrace: 60 * 60,
  vaultAudit: true,
  vaultAuditFile: defaultVaultAuditFile('scoped-agents'),
  cloudTrail: false,
  gateway: false,
};

/** Where the fleet's Vault audit device writes unless the table says: one file per fleet, so two fleets on one Vault never share one. */
export function defaultVaultAuditFile(fleet: string): string {
  return `/var/log/vault/${fleet}-audit.log`;
}

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Ceilings the table may not exceed. */
export const LIMITS = {
  credentialTtl: 60 * 60,
  credentialMaxTtl: 12 * 60 * 60,
  /** AWS will not issue a role session shorter than this. */
  awsMinSession: 15 * 60,
  /** `agent-` + name must fit IAM's 64-character role name limit. */
  agentName: 64 - 'agent-'.length,
  secretName: 63,
  /** CloudWatch evaluates an alarm over at most 7 days of hourly periods. */
  orphanAfterHours: 168,
  /** `<fleet>-usage-summary`, the longest IAM role and Lambda function name derived from the fleet's, must fit their 64 characters. */
  fleetName: 64 - '-usage-summary'.length,
  /**
   * Agents with an IAM role a fleet trail can attribute: each has two metric
   * filters on the trail's log group, and CloudWatch Logs allows 100 a group.
   */
  cloudTrailAgents: 50,
  /** The most agents a shard holds unless `fleet.shards.maxAgents` says otherwise. */
  shardAgents: 250,
  /** The most shards `fleet.shards.count` may ask for. */
  shardCount: 1000,
  /** Bytes of `CREDENTIALS` (model/operations.ts) that fit in the rotate function's environment beside its other variables (Lambda: 4 KB in all). */
  credentialsEnvironment: 3000,
} as const;

/** The prefix of every per-agent Vault policy, AppRole role, Vault AWS role and IAM role. */
export const AGENT_PREFIX = 'agent-';

/** Name of the agent's Vault policy, AppRole role, Vault AWS role and IAM role. */
export function agentResourceName(agent: Pick<Agent, 'name'>): string {
  return `${AGENT_PREFIX}${agent.name}`;
}
