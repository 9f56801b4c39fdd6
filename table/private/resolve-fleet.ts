import { parseDuration } from '../../model/duration';
import {
  AGENT_PREFIX,
  BUILTIN_FLEET_SETTINGS,
  defaultVaultAuditFile,
  FleetSettings,
  LIMITS,
  LOG_RETENTION_DAYS,
  ShardSettings,
  StateSettings,
} from '../../model/fleet';
import { SAFE_NAME } from '../../model/names';
import { FleetSettingsInput } from '../schema';
import { urlProblem } from './checks';
import { SettingProblem } from './inherit';
import { resolveLogForwarding, resolveVaultAuditSocket } from './resolve-forwarding';
import { resolveRunbooks } from './resolve-runbooks';

/** Secrets-engine paths Vault refuses to mount at (OpenBao 2.7 answers `cannot mount "sys/"`, and so on). */
const RESERVED_SECRET_MOUNTS: readonly string[] = ['sys', 'identity', 'cubbyhole', 'auth', 'audit'];
/** Auth paths Vault already uses: its token auth method. */
const RESERVED_AUTH_MOUNTS: readonly string[] = ['token'];

/** Checks `fleet:` and applies the built-in settings under it. */
export function resolveFleetSettings(input: FleetSettingsInput): { settings: FleetSettings; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  for (const key of ['name', 'kvMount', 'appRoleMount', 'awsMount', 'jwtMount'] as const) {
    const value = input[key];
    if (value !== undefined && !SAFE_NAME.test(value)) {
      problems.push({
        rule: 'unsafe-name',
        path: ['fleet', key],
        value,
        message: `${key} is not lowercase kebab-case`,
        fix: `use a name such as ${BUILTIN_FLEET_SETTINGS[key]}`,
      });
    }
  }
  // Paths Vault (and OpenBao) keep for themselves: a mount there is refused, or shadows the token backend.
  for (const key of ['kvMount', 'awsMount'] as const) {
    const value = input[key];
    if (value !== undefined && RESERVED_SECRET_MOUNTS.includes(value)) {
      problems.push({
        rule: 'reserved-mount',
        path: ['fleet', key],
        value,
        message: `${key} ${value} is a path Vault reserves for itself (${RESERVED_SECRET_MOUNTS.join(', ')})`,
        fix: `use another path, e.g. ${BUILTIN_FLEET_SETTINGS[key]}`,
      });
    }
  }
  for (const key of ['appRoleMount', 'jwtMount'] as const) {
    const value = input[key];
    if (value !== undefined && RESERVED_AUTH_MOUNTS.includes(value)) {
      problems.push({
        rule: 'reserved-mount',
        path: ['fleet', key],
        value,
        message: `${key} ${value} is the path of Vault's own token auth method`,
        fix: `use another path, e.g. ${BUILTIN_FLEET_SETTINGS[key]}`,
      });
    }
  }
  if ((input.kvMount ?? BUILTIN_FLEET_SETTINGS.kvMount) === (input.awsMount ?? BUILTIN_FLEET_SETTINGS.awsMount)) {
    problems.push({
      rule: 'reserved-mount',
      path: ['fleet', input.awsMount !== undefined ? 'awsMount' : 'kvMount'],
      value: input.awsMount ?? input.kvMount,
      message: 'kvMount and awsMount name the same path; each secrets engine needs its own',
      fix: `give them different paths, e.g. ${BUILTIN_FLEET_SETTINGS.kvMount} and ${BUILTIN_FLEET_SETTINGS.awsMount}`,
    });
  }
  if (input.name !== undefined && input.name.startsWith(AGENT_PREFIX)) {
    problems.push({
      rule: 'unsafe-name',
      path: ['fleet', 'name'],
      value: input.name,
      message: `the fleet's own roles would be named ${input.name}-revoke…, inside the ${AGENT_PREFIX}* names the revoke function may act on`,
      fix: `choose a fleet name that does not start with ${AGENT_PREFIX}`,
    });
  }
  if (input.name !== undefined && SAFE_NAME.test(input.name) && input.name.length > LIMITS.fleetName) {
    problems.push({
      rule: 'name-too-long',
      path: ['fleet', 'name'],
      value: input.name,
      message: `the fleet name has ${input.name.length} characters; the usage-summary function and its IAM role, ${input.name}-usage-summary, would pass their 64-character limit`,
      fix: `shorten the fleet name to at most ${LIMITS.fleetName} characters`,
    });
  }
  if (input.vaultAuditFile !== undefined && input.vaultAuditFile !== 'stdout' && !/^\/[A-Za-z0-9._/-]+$/.test(input.vaultAuditFile)) {
    problems.push({
      rule: 'invalid-value',
      path: ['fleet', 'vaultAuditFile'],
      value: input.vaultAuditFile,
      message: 'vaultAuditFile is not an absolute file path on the Vault server (letters, digits, ., _, -, /) nor stdout',
      fix: 'write an absolute path such as /var/log/vault/scoped-agents-audit.log',
    });
  }
  if (input.vaultAudit === false && input.vaultAuditFile !== undefined) {
    problems.push({
      rule: 'unused-setting',
      path: ['fleet', 'vaultAuditFile'],
      value: input.vaultAuditFile,
      message: 'vaultAuditFile applies only to the audit device the fleet enables, and vaultAudit is false',
      fix: 'remove vaultAuditFile, or set vaultAudit: true',
    });
  }
  const vaultAddrWhy = input.vaultAddr === undefined ? undefined : urlProblem(input.vaultAddr);
  if (vaultAddrWhy) {
    problems.push({
      rule: 'invalid-value',
      path: ['fleet', 'vaultAddr'],
      value: input.vaultAddr,
      message: `vaultAddr ${vaultAddrWhy}`,
      fix: "write Vault's address as https://vault.example.com:8200",
    });
  }
  if (input.logRetentionDays !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(input.logRetentionDays)) {
    problems.push({
      rule: 'invalid-value',
      path: ['fleet', 'logRetentionDays'],
      value: String(input.logRetentionDays),
      message: 'logRetentionDays is not a retention CloudWatch Logs accepts',
      fix: `use one of ${LOG_RETENTION_DAYS.join(', ')}`,
    });
  }
  let rotationGrace = BUILTIN_FLEET_SETTINGS.rotationGrace;
  if (input.rotationGrace !== undefined) {
    const seconds = parseDuration(input.rotationGrace);
    if (seconds === undefined) {
      problems.push({
        rule: 'invalid-duration',
        path: ['fleet', 'rotationGrace'],
        value: String(input.rotationGrace),
        message: 'rotationGrace is not a duration',
        fix: 'write a duration such as "1h"',
      });
    } else {
      rotationGrace = seconds;
    }
  }
  if ((input.jwtMount ?? BUILTIN_FLEET_SETTINGS.jwtMount) === (input.appRoleMount ?? BUILTIN_FLEET_SETTINGS.appRoleMount)) {
    // Two auth backends cannot share a path.
    problems.push({
      rule: 'invalid-value',
      path: ['fleet', input.jwtMount !== undefined ? 'jwtMount' : 'appRoleMount'],
      value: input.jwtMount ?? input.appRoleMount,
      message: 'jwtMount and appRoleMount name the same path; each auth backend needs its own',
      fix: `give them different paths, e.g. ${BUILTIN_FLEET_SETTINGS.jwtMount} and ${BUILTIN_FLEET_SETTINGS.appRoleMount}`,
    });
  }
  const runbooks = resolveRunbooks(input.runbooks, input.name ?? BUILTIN_FLEET_SETTINGS.name);
  problems.push(...runbooks.problems);
  const { slackTeamId, slackChannelId } = input.notify ?? {};
  if ((slackTeamId === undefined) !== (slackChannelId === undefined)) {
    problems.push({
      rule: 'missing-key',
      path: ['fleet', 'notify'],
      message: 'AWS Chatbot needs both slackTeamId and slackChannelId',
      fix: 'give both ids, or neither to announce through the webhook',
    });
  }
  const shards = resolveShards(input.shards, problems);
  const state = resolveState(input.state, problems);
  const logForwarding = resolveLogForwarding(input.logForwarding, problems);
  const vaultAuditSocket = resolveVaultAuditSocket(input, problems);
  const resolvedApart = ['notify', 'rotationGrace', 'runbooks', 'shards', 'state', 'logForwarding', 'vaultAuditSocket'];
  const settings: FleetSettings = {
    ...BUILTIN_FLEET_SETTINGS,
    ...Object.fromEntries(Object.entries(input).filter(([k, v]) => v !== undefined && !resolvedApart.includes(k))),
    // Only when set: a table without them keeps the settings it always had.
    ...(logForwarding ? { logForwarding } : {}),
    ...(vaultAuditSocket ? { vaultAuditSocket } : {}),
    runbooks: runbooks.runbooks,
    shards,
    state,
    rotationGrace,
    // `vaultAudit: { socket }` enables the fleet's devices, the file device and the socket beside it.
    ...(typeof input.vaultAudit === 'object' ? { vaultAudit: true } : {}),
    vaultAuditFile: input.vaultAuditFile ?? defaultVaultAuditFile(input.name ?? BUILTIN_FLEET_SETTINGS.name),
    notify: slackTeamId !== undefined && slackChannelId !== undefined ? { slackTeamId, slackChannelId } : undefined,
  };
  return { settings, problems };
}

/** Checks `fleet.shards` and applies its defaults. */
function resolveShards(input: FleetSettingsInput['shards'], problems: SettingProblem[]): ShardSettings | undefined {
  if (input === undefined) return undefined;
  const at = ['fleet', 'shards'];
  const maxAgents = input.maxAgents ?? LIMITS.shardAgents;
  if (input.by === 'owner') {
    if (input.count !== undefined) {
      problems.push({
        rule: 'unused-setting',
        path: [...at, 'count'],
        value: String(input.count),
        message: 'count applies only to shards by name; by owner, each owner has one shard',
        fix: 'remove count, or shard by: name',
      });
    }
    return { by: 'owner', maxAgents };
  }
  if (input.count === undefined) {
    problems.push({
      rule: 'missing-key',
      path: at,
      message: 'shards by name need a fixed count of shards the names hash into',
      fix: `add count:, e.g. ${Math.ceil(1000 / (maxAgents * 0.6))} for about 1,000 agents (agents ÷ ${Math.round(maxAgents * 0.6)}, room to grow; changing it later moves agents between shards)`,
    });
    return undefined;
  }
  if (input.count > LIMITS.shardCount) {
    problems.push({
      rule: 'invalid-value',
      path: [...at, 'count'],
      value: String(input.count),
      message: `count is above ${LIMITS.shardCount} shards`,
      fix: `use at most ${LIMITS.shardCount}; raise maxAgents instead`,
    });
    return undefined;
  }
  return { by: 'name', count: input.count, maxAgents };
}

/** Checks `fleet.state` and applies its defaults. */
function resolveState(input: FleetSettingsInput['state'], problems: SettingProblem[]): StateSettings | undefined {
  if (input === undefined) return undefined;
  const before = problems.length;
  if ((input.s3 === undefined) === (input.hcp === undefined)) {
    problems.push({
      rule: input.s3 === undefined ? 'missing-key' : 'invalid-value',
      path: ['fleet', 'state'],
      message: input.s3 === undefined ? 'state names no backend' : 'state names two backends; every stack keeps its state in one place',
      fix: 'give exactly one of s3: { bucket, region } or hcp: { organization }',
    });
    return undefined;
  }
  if (input.hcp) {
    const at = ['fleet', 'state', 'hcp'];
    const { organization } = input.hcp;
    const hostname = input.hcp.hostname ?? 'app.terraform.io';
    const workspacePrefix = input.hcp.workspacePrefix ?? '';
    if (!/^[A-Za-z0-9_-]+$/.test(organization)) {
      problems.push({
        rule: 'invalid-value',
        path: [...at, 'organization'],
        value: organization,
        message: 'organization is not an HCP Terraform organization name',
        fix: 'write the organization as HCP Terraform shows it, e.g. acme',
      });
    }
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?$/.test(hostname)) {
      problems.push({
        rule: 'invalid-value',
        path: [...at, 'hostname'],
        value: hostname,
        message: 'hostname is not a host name',
        fix: 'write the host alone, e.g. app.terraform.io or tfe.acme.example',
      });
    }
    if (!/^[A-Za-z0-9_-]*$/.test(workspacePrefix)) {
      problems.push({
        rule: 'invalid-value',
        path: [...at, 'workspacePrefix'],
        value: workspacePrefix,
        message: 'workspacePrefix has characters a workspace name cannot hold',
        fix: 'use letters, digits, - and _, e.g. agents-',
      });
    }
    return problems.length > before ? undefined : { hcp: { organization, hostname, workspacePrefix } };
  }
  const at = ['fleet', 'state', 's3'];
  const { bucket, region, kmsKeyId } = input.s3!;
  const keyPrefix = input.s3!.keyPrefix ?? 'scoped-agents';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    problems.push({
      rule: 'invalid-value',
      path: [...at, 'bucket'],
      value: bucket,
      message: 'bucket is not an S3 bucket name',
      fix: "write the state bucket's name, 3-63 lowercase letters, digits, dots and hyphens, e.g. acme-terraform-state",
    });
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    problems.push({
      rule: 'invalid-value',
      path: [...at, 'region'],
      value: region,
      message: 'region is not an AWS region',
      fix: "write the bucket's region, e.g. eu-west-1",
    });
  }
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(keyPrefix)) {
    problems.push({
      rule: 'invalid-value',
      path: [...at, 'keyPrefix'],
      value: keyPrefix,
      message: 'keyPrefix is not an S3 key prefix (letters, digits, ., _, - and / between them)',
      fix: 'write a prefix such as scoped-agents or terraform/acme',
    });
  }
  if (kmsKeyId !== undefined && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[\w/-]+$/.test(kmsKeyId)) {
    problems.push({
      rule: 'invalid-arn',
      path: [...at, 'kmsKeyId'],
      value: kmsKeyId,
      message: 'kmsKeyId is not a KMS key or alias ARN',
      fix: "write the key's ARN, e.g. arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    });
  }
  return problems.length > before ? undefined : { s3: { bucket, region, keyPrefix, kmsKeyId } };
}
