/**
 * The exceptions the library itself accepts, for every fleet whatever its
 * name: the wildcard resources of the fleet functions' own policies, which
 * are the library's design, not the user's choice. They are accepted with
 * their reasons in every check, and never listed as unused: a fleet without a
 * gateway, say, simply has no finding for them to match.
 */
import { SynthOutput } from '../synth-output';
import { StackView, stackViews } from '../terraform';
import { Suppression } from './suppressions';

/** Where a built-in exception says it was written. */
export const BUILT_IN = 'built in (the fleet functions’ own policies)';

/**
 * The references a stack's function policies build their ARNs from, as
 * findings show them: `data.aws_partition.partition` where the stack has one
 * data source of each type (the review shortens the reference), the full
 * `data.aws_partition.<id>.partition` where a view has several (the shared
 * stack and the shards of a sharded fleet, read as one).
 */
export interface ArnSources {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

const SHORT: ArnSources = { partition: 'data.aws_partition.partition', region: 'data.aws_region.region', account: 'data.aws_caller_identity.account_id' };

/** The library's exceptions for the fleet `fleet`, whose policies name ARNs through `sources`. */
export function builtinExceptions(fleet: string, sources: ArnSources = SHORT): Suppression[] {
  const ARN = (service: string, resource: string): string =>
    `arn:\${${sources.partition}}:${service}:${service === 'iam' ? '' : `\${${sources.region}}`}:\${${sources.account}}:${resource}`;
  const policy = (fn: string): string => `aws_iam_role_policy/${fleet}-${fn}`;
  const callLogs = `logs:DescribeLogStreams on ${ARN('logs', `log-group:/scoped-agents/${fleet}/agents/*`)}`;
  const entry = (fn: string, grant: string, reason: string): Suppression => ({
    rule: 'no-wildcard-resource',
    resource: policy(fn),
    grant,
    reason,
    file: BUILT_IN,
  });
  return [
    entry(
      'revoke',
      `iam:GetRole, iam:PutRolePolicy on ${ARN('iam', 'role/agent-*')}`,
      "The revoke function cuts off whichever agent an alarm names by writing a deny-all inline policy on that agent's IAM role. Every agent role is named agent-<name>, " +
        'so the prefix reaches the fleet’s agents and no function or operator role; the function can only read roles and write inline policies on them.',
    ),
    entry(
      'rotate',
      'cloudwatch:PutMetricData on *',
      "PutMetricData cannot be narrowed to a namespace by resource ARN; the statement's condition (cloudwatch:namespace = ScopedAgents) limits the rotate function to the fleet's own rotation metrics.",
    ),
    entry(
      'usage-summary',
      'cloudwatch:GetMetricData on *',
      "CloudWatch does not authorize GetMetricData per metric or namespace; the usage summary's queries read only the ScopedAgents namespace, and the action is read-only.",
    ),
    entry(
      'rotate',
      `secretsmanager:DescribeSecret, secretsmanager:GetSecretValue, secretsmanager:PutSecretValue, secretsmanager:UpdateSecretVersionStage on ${ARN('secretsmanager', `secret:scoped-agents/${fleet}/agents/*`)}`,
      "The rotate function delivers each agent's Vault login and gateway key and rotates the credentials agents keep in AWS; every one of them lives under scoped-agents/<fleet>/agents/, " +
        "a prefix that holds only the fleet's agents' secrets (validation refuses a table grant that reaches scoped-agents/). The shared stack of a sharded fleet names no agent, so the prefix cannot be a list of names.",
    ),
    entry(
      'revoke',
      callLogs,
      "Before revoking on an orphan alarm, the revoke function asks whether the agent ever made a call (the newest stream of its call log): an agent never used is not revoked. The prefix holds only the fleet's agents' call logs, and DescribeLogStreams reads stream names and times, never a log event.",
    ),
    entry(
      'usage-summary',
      callLogs,
      "The daily summary reports an idle agent whose call log never held a call as never used rather than as an orphan. The prefix holds only the fleet's agents' call logs, and DescribeLogStreams reads stream names and times, never a log event.",
    ),
  ];
}

/**
 * The exception of a fleet's log forwarding: Firehose writes objects of its
 * backup bucket. The bucket's name is AWS's (a prefix and a unique suffix), so
 * the grant names the bucket by its Terraform reference, followed by `/*`.
 */
export function logForwardingException(fleet: string, bucketAddress: string): Suppression {
  return {
    rule: 'no-wildcard-resource',
    resource: `aws_iam_role_policy/${fleet}-siem-firehose`,
    grant: `s3:AbortMultipartUpload, s3:PutObject on \${${bucketAddress}.arn}/*`,
    reason:
      "Firehose writes the records the SIEM did not take as objects of the stream's own backup bucket, under keys it chooses (failed/<date>/…); " +
      'the bucket is named by its reference, holds nothing else, and the role may neither read nor delete an object.',
    file: BUILT_IN,
  };
}

/**
 * The full references of a view's data sources, one set a construct that
 * declares them (`fleet_Operations_Partition_…` with `fleet_Operations_Region_…`):
 * a sharded fleet's view joins the shared stack's and the shards' own.
 */
function fullSourcesOf(view: StackView): ArnSources[] {
  const byOwner = new Map<string, Partial<Record<keyof ArnSources, string>>>();
  const kinds = { aws_partition: 'partition', aws_region: 'region', aws_caller_identity: 'account' } as const;
  const attribute = { partition: 'partition', region: 'region', account: 'account_id' } as const;
  for (const b of view.blocks()) {
    if (b.kind !== 'data' || !(b.type in kinds)) continue;
    const kind = kinds[b.type as keyof typeof kinds];
    const owner = b.name.replace(/(Partition|Region|Account)_[0-9A-F]+$/, '');
    byOwner.set(owner, { ...byOwner.get(owner), [kind]: `data.${b.type}.${b.name}.${attribute[kind]}` });
  }
  return [...byOwner.values()].flatMap((s) => (s.partition && s.region && s.account ? [{ partition: s.partition, region: s.region, account: s.account }] : []));
}

/** The library's exceptions for every fleet of an output (the `fleet` tag of its roles). */
export function builtinExceptionsOf(output: SynthOutput): Suppression[] {
  // Per fleet, the references its policies may show: the short form, and each stack's own data sources in full.
  const fleets = new Map<string, Map<string, ArnSources>>();
  const backups: Suppression[] = [];
  for (const view of stackViews(output)) {
    const full = fullSourcesOf(view);
    for (const role of view.resources('aws_iam_role')) {
      const tags = role.body.tags as Record<string, string> | undefined;
      if (!tags?.fleet || !tags.component || tags.agent !== undefined) continue;
      const sources = fleets.get(tags.fleet) ?? new Map([[SHORT.partition, SHORT]]);
      for (const f of full) sources.set(f.partition, f);
      fleets.set(tags.fleet, sources);
    }
    for (const bucket of view.resources('aws_s3_bucket')) {
      const tags = bucket.body.tags as Record<string, string> | undefined;
      if (tags?.fleet && tags.component === 'log-forwarding') backups.push(logForwardingException(tags.fleet, bucket.address));
    }
  }
  const fleetExceptions = [...fleets.keys()]
    .sort()
    .flatMap((fleet) => [...fleets.get(fleet)!.values()].flatMap((sources) => builtinExceptions(fleet, sources)));
  return [...fleetExceptions, ...backups];
}
