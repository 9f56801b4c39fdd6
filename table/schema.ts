import { z } from 'zod';
import { PLATFORMS, ROTATORS } from '../model/fleet';

/**
 * The shape of an agent table (`agents.yaml`), version 1.
 *
 * Only the shape lives here: types, required keys, unknown keys. Rules that
 * need the whole table (unknown scopes, duplicates, TTL ceilings, IAM action
 * names…) live in `validate.ts`, which reports them with the fix.
 *
 * Sections are parsed one item at a time (each agent, each scope), so that a
 * broken agent does not hide the problems of the others.
 */

const text = z.string({ error: 'expected a string' });
// zod's int() also refuses numbers past 2^53, which no longer hold an exact whole number.
const positiveInt = z
  .number({ error: 'expected a number' })
  .int({ error: (issue) => (Number.isInteger(issue.input) ? 'expected a whole number of at most 9007199254740991' : 'expected a whole number') })
  .positive('expected a number above 0');
const duration = z.union([text, positiveInt], { error: 'expected a duration such as "15m" or "1h"' });
const stringList = z.array(text, { error: 'expected a list of strings' });

/** Alarm thresholds; any agent may override any of them. */
export const AlarmsSchema = z.strictObject({
  /** Calls per minute above which the rate alarm fires. @default 1000 */
  maxCallsPerMinute: positiveInt.optional(),
  /** Denied calls per minute above which the denied-calls alarm fires. @default 20 */
  maxDeniedPerMinute: positiveInt.optional(),
  /** Hours without a single call after which the agent counts as an orphan. @default 24 */
  orphanAfterHours: positiveInt.optional(),
  /** What the orphan alarm does: `notify` the team, or also `revoke` the agent. @default "notify" */
  orphanAction: z.enum(['notify', 'revoke'], { error: 'expected notify or revoke' }).optional(),
});

/** Settings every agent inherits from `defaults:` and may override. */
const inheritable = {
  owner: text.optional(),
  platform: z.enum(PLATFORMS, { error: `expected one of ${PLATFORMS.join(', ')}` }).optional(),
  credentialTtl: duration.optional(),
  credentialMaxTtl: duration.optional(),
  secretIdTtl: duration.optional(),
  rotation: text.optional(),
  alarms: AlarmsSchema.optional(),
  boundCidrs: stringList.optional(),
  permissionsBoundary: text.optional(),
};

/** `defaults:`: the settings every agent inherits. */
export const DefaultsSchema = z.strictObject(inheritable);

/** A `socket` audit device beside the file device: `fleet.vaultAudit.socket` (or `fleet.vaultAuditSocket`). */
const VaultAuditSocketSchema = z.strictObject({
  /** `host:port` for tcp and udp, an absolute socket path for unix. */
  address: text,
  /** @default "tcp" */
  socketType: z.enum(['tcp', 'udp', 'unix'], { error: 'expected tcp, udp or unix' }).optional(),
  /** How long Vault waits for one write to the socket. @default "2s" */
  writeTimeout: duration.optional(),
});

/** Fleet-wide settings: where the shared Vault backends are mounted. */
export const FleetSettingsSchema = z.strictObject({
  /** Name of the fleet; becomes the stack name. @default "scoped-agents" */
  name: text.optional(),
  /** Path of the KV v2 mount that holds the agents' secrets. @default "kv" */
  kvMount: text.optional(),
  /** Path of the AppRole auth backend. @default "approle" */
  appRoleMount: text.optional(),
  /** Path of the AWS secrets engine that brokers agents' AWS sessions. @default "aws" */
  awsMount: text.optional(),
  /** Path of the JWT auth backend that takes GitHub Actions' OIDC tokens, for `github-actions` agents. @default "github-actions" */
  jwtMount: text.optional(),
  /**
   * Commit each agent's runbook to a GitHub repository (through the GitHub
   * provider), as `<path>/<agent>.md`.
   * @default - runbooks are only written beside the synthesized output
   */
  runbooks: z
    .strictObject({
      /** `owner/name`. */
      repository: text,
      /** @default - the repository's default branch */
      branch: text.optional(),
      /** Folder of the runbooks in the repository. @default "runbooks/<fleet name>" */
      path: text.optional(),
    })
    .optional(),
  /** Vault's address as the fleet's functions reach it (https://…). @default - a Terraform variable `vault_addr` */
  vaultAddr: text.optional(),
  /** Days the per-agent call logs are kept. @default 365 */
  logRetentionDays: positiveInt.optional(),
  /** How long a replaced AppRole secret-id keeps working after rotation. @default "1h" */
  rotationGrace: duration.optional(),
  /**
   * Where alarms and revocations are announced: a Slack channel through AWS
   * Chatbot when both ids are given, otherwise a webhook whose URL the
   * operator stores in Secrets Manager.
   * @default - the webhook
   */
  notify: z
    .strictObject({
      slackTeamId: text.optional(),
      slackChannelId: text.optional(),
    })
    .optional(),
  /**
   * Absolute path, on the Vault server, of the file the fleet's audit device
   * (`vault_audit` of type file) writes; `stdout` writes to Vault's own output.
   * @default "/var/log/vault/<fleet name>-audit.log"
   */
  vaultAuditFile: text.optional(),
  /**
   * Whether the fleet enables its Vault audit device through the API (the
   * `vault_audit` resource). Set it to false when the server declares its audit
   * devices in its own configuration — OpenBao 2.3 and later refuse API-created
   * ones unless `unsafe_allow_api_audit_creation` is set.
   * @default true
   */
  vaultAudit: z
    .union([z.boolean(), z.strictObject({ socket: VaultAuditSocketSchema })], { error: 'expected true, false, or { socket: { address, socketType? } }' })
    .optional(),
  /**
   * A second audit device of type `socket` beside the file device, streaming
   * the same JSON lines to a collector (the team's SIEM agent). Vault waits up
   * to `writeTimeout` for the socket on every request, and refuses requests
   * when no device can write: keep the file device on (docs/operations.md).
   * @default - no socket device
   */
  vaultAuditSocket: VaultAuditSocketSchema.optional(),
  /**
   * Gives the fleet its own multi-region CloudTrail trail (KMS-encrypted with
   * the fleet key, log file validation on, delivered to CloudWatch Logs), whose
   * events are counted per agent role into `ScopedAgents/AwsCalls` and `AwsDeniedCalls`.
   * @default false
   */
  cloudTrail: z.boolean({ error: 'expected true or false' }).optional(),
  /**
   * Forwards every log group of the fleet (the agents' call logs, the
   * gateway's and the functions' logs, the trail's) through one KMS-encrypted
   * Kinesis Data Firehose delivery stream to the team's SIEM; records Firehose
   * cannot deliver are kept in an encrypted S3 bucket. The endpoint's access
   * key (or Splunk's HEC token) goes into a Secrets Manager secret the operator fills.
   * @default - nothing is forwarded
   */
  logForwarding: z
    .strictObject({
      /** `http_endpoint` (Datadog, New Relic, a generic collector) or `splunk` (Splunk's HTTP Event Collector). */
      destination: z.enum(['http_endpoint', 'splunk'], { error: 'expected http_endpoint or splunk' }),
      /** The endpoint's https:// URL: the collector's Firehose intake, or Splunk's HEC endpoint. */
      url: text,
      /** With http_endpoint: the name Firehose gives the endpoint. @default - the URL's host */
      name: text.optional(),
      /** With splunk: the HEC endpoint type. @default "Raw" */
      hecEndpointType: z.enum(['Raw', 'Event'], { error: 'expected Raw or Event' }).optional(),
    })
    .optional(),
  /**
   * Splits the fleet into one shared stack and shard stacks of at most
   * `maxAgents` agents each, keyed by the agent's own row only (its name's
   * hash among `count` shards, or its owner), so adding an agent changes one shard.
   * @default - one stack for the whole fleet
   */
  shards: z
    .strictObject({
      /** What decides an agent's shard. @default "name" */
      by: z.enum(['name', 'owner'], { error: 'expected name or owner' }).optional(),
      /** With `by: name`: how many shards the names hash into. Fixed: changing it moves agents between shards. */
      count: positiveInt.optional(),
      /** The most agents one shard may hold. @default 250 */
      maxAgents: positiveInt.optional(),
    })
    .optional(),
  /**
   * Deploys the fleet's gateway: every `http:` grant is called through it,
   * which holds the provider credentials, logs each call, holds each agent to
   * its endpoints and limits its rate.
   * @default - on when any scope has `http:` grants
   */
  gateway: z.boolean({ error: 'expected true or false' }).optional(),
  /**
   * Where every stack keeps its Terraform state.
   * @default - a local file per stack, `terraform.<stack>.tfstate` at the project root
   */
  state: z
    .strictObject({
      /** An S3 bucket, one object per stack at `<keyPrefix>/<stack>/terraform.tfstate`, locked with an S3 lock file. */
      s3: z
        .strictObject({
          bucket: text,
          region: text,
          /** @default "scoped-agents" */
          keyPrefix: text.optional(),
          /** A KMS key (ARN) for the state objects. @default - the bucket's default encryption (SSE-S3) */
          kmsKeyId: text.optional(),
        })
        .optional(),
      /** HCP Terraform (or Terraform Enterprise): one workspace per stack, `<workspacePrefix><stack>`. */
      hcp: z
        .strictObject({
          organization: text,
          /** @default "app.terraform.io" */
          hostname: text.optional(),
          /** @default "" */
          workspacePrefix: text.optional(),
        })
        .optional(),
    })
    .optional(),
});

/** How one SaaS credential (a `secret:` name) is stored and rotated; shared by every agent's own copy. */
export const CredentialSchema = z.strictObject({
  /** Which provider API rotates it. @default "manual" */
  rotator: z.enum(ROTATORS, { error: `expected one of ${ROTATORS.join(', ')}` }).optional(),
  /** The provider's token endpoint, for oauth2-refresh (https://…); built-in providers have theirs. */
  tokenUrl: text.optional(),
  /** The provider's RFC 7009 token revocation endpoint, for oauth2-refresh (https://…). */
  revocationUrl: text.optional(),
  /** The management credential (a secret name) key-management calls use, apart from the agents' keys. @default "<name>-management" where needed */
  management: text.optional(),
  /** Where each agent's copy lives: its own KV v2 entry, or its own AWS Secrets Manager secret. @default "vault" */
  store: z.enum(['vault', 'aws'], { error: 'expected vault or aws' }).optional(),
  description: text.optional(),
});

/** An `aws:` grant: IAM actions on named resources. */
export const AwsGrantSchema = z.strictObject({
  actions: z.array(text, { error: 'expected a list of IAM actions' }).min(1, 'list at least one IAM action'),
  resources: z.array(text, { error: 'expected a list of ARNs' }).min(1, 'list at least one resource ARN'),
});

/** A `vault:` grant: capabilities on one Vault path. */
export const VaultGrantSchema = z.strictObject({
  path: text,
  capabilities: z.array(text, { error: 'expected a list of capabilities' }).min(1, 'list at least one capability'),
});

/** An `http:` grant: endpoints of one API, called through the fleet's gateway. */
export const HttpGrantSchema = z.strictObject({
  /** A built-in API (hubspot, sendgrid, slack, zendesk, github, openai) or one of the table's `apis:`. */
  api: text,
  /** `METHOD /path-pattern` entries: `*` matches one segment, a final `**` the rest. */
  allow: z.array(text, { error: 'expected a list of endpoints such as GET /crm/v3/objects/contacts/*' }).min(1, 'list at least one endpoint'),
});

/** One entry of the scope catalog: exactly one of `secret` (optionally with `http`), `http`, `aws`, `vault`. */
export const ScopeSchema = z.strictObject({
  description: text.optional(),
  /** Why this scope's http: endpoints may manage the provider's keys (mint, read or revoke them), which the agent's key otherwise must not. */
  keyManagement: text.optional(),
  secret: text.optional(),
  http: HttpGrantSchema.optional(),
  aws: AwsGrantSchema.optional(),
  vault: VaultGrantSchema.optional(),
});

/** One entry of `apis:`: an API of the table's own, or a built-in one's base URL and credential. */
export const ApiSchema = z.strictObject({
  /** `https://host[:port][/path]`: every forwarded request starts here. Required for an API that is not built in, and for zendesk. */
  baseUrl: text.optional(),
  /** The credential (`secret:` name) of the calling agent the gateway injects. @default - the API's name */
  credential: text.optional(),
  /** Where the credential goes. @default - bearer for a built-in API; required for another */
  auth: z
    .strictObject({
      type: z.enum(['bearer', 'header', 'basic', 'query'], { error: 'expected bearer, header, basic or query' }),
      /** The header (type header) or query parameter (type query) name. */
      name: text.optional(),
      /** Written before the credential in a header, e.g. `Token `. @default "" */
      prefix: text.optional(),
    })
    .optional(),
});

/** One action of an agent: what it does, and the scopes it needs for it. */
export const ActionSchema = z.strictObject({
  action: text.min(1, 'describe the action'),
  scopes: z.array(text, { error: 'expected a list of scope names' }).min(1, 'list at least one scope'),
});

/** Where a `github-actions` agent runs: one repository and one environment. */
export const GithubBindingSchema = z.strictObject({
  repository: text,
  environment: text,
});

/** One agent as written; its actions are checked one by one with {@link ActionSchema}. */
export const AgentSchema = z.strictObject({
  name: text,
  description: text.optional(),
  actions: z.array(z.unknown(), { error: 'expected a list of actions' }),
  /** The IAM principal that assumes the agent's role, instead of Vault's AWS secrets engine. */
  awsPrincipal: text.optional(),
  /** `false`: the agent calls its APIs directly, holding its credentials itself (`check` reports it unlogged). @default true */
  gateway: z.boolean({ error: 'expected true or false' }).optional(),
  github: GithubBindingSchema.optional(),
  ...inheritable,
});

/** The top level; agents and scopes are checked one by one with the schemas above. */
export const TableSchema = z.strictObject({
  /** The JSON Schema an editor checks the file with (`schema/agents.schema.json` of the package); ignored by the validation. */
  $schema: text.optional(),
  version: z.literal(1, { error: 'expected version: 1' }),
  fleet: z.unknown().optional(),
  defaults: z.unknown().optional(),
  scopes: z.record(z.string(), z.unknown(), { error: 'expected a map of scope names to grants' }).optional(),
  credentials: z.record(z.string(), z.unknown(), { error: 'expected a map of secret names to their storage and rotator' }).optional(),
  apis: z.record(z.string(), z.unknown(), { error: 'expected a map of API names to their base URL and credential' }).optional(),
  agents: z.array(z.unknown(), { error: 'expected a list of agents' }).optional(),
});

/** A scope catalog file (`--catalog`): a table without agents. */
export const CatalogSchema = TableSchema.omit({ agents: true });

/** `alarms:` as written. */
export type AlarmsInput = z.infer<typeof AlarmsSchema>;
/** `defaults:` as written. */
export type DefaultsInput = z.infer<typeof DefaultsSchema>;
/** `fleet:` as written. */
export type FleetSettingsInput = z.infer<typeof FleetSettingsSchema>;
/** One entry of `apis:` as written. */
export type ApiInput = z.infer<typeof ApiSchema>;
/** One entry of `credentials:` as written. */
export type CredentialInput = z.infer<typeof CredentialSchema>;
/** One scope as written. */
export type ScopeInput = z.infer<typeof ScopeSchema>;
/** One action as written. */
export type ActionInput = z.infer<typeof ActionSchema>;
/** One agent as written. */
export type AgentInput = z.infer<typeof AgentSchema>;
