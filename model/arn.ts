/** ARN checks for `aws:` scopes. */

const PARTITIONS = new Set(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc']);
const WILDCARD = /[*?]/;

/** Why an ARN is malformed, or `undefined` when it is well formed. */
export function arnShapeProblem(arn: string): string | undefined {
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(arn)) return 'holds whitespace or a control character';
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return 'is not an ARN (arn:partition:service:region:account:resource)';
  const [, partition, service, region, account] = parts;
  const resource = parts.slice(5).join(':');
  if (!PARTITIONS.has(partition)) return `has an unknown partition "${partition}"`;
  if (!/^[a-z0-9-]+$/.test(service)) return `has an invalid service "${service}"`;
  if (region !== '' && !/^[a-z0-9-]+$/.test(region)) return `has an invalid region "${region}"`;
  if (account !== '' && !/^(\d{12}|aws)$/.test(account)) return `has an invalid account "${account}" (12 digits)`;
  if (resource === '') return 'names no resource';
  return undefined;
}

/**
 * Where a wildcard may stand in an ARN, by service: only inside one named
 * resource, never in place of its name. Each pattern reads the resource part
 * (after the account) and names the resource without `*` or `?`; what follows
 * the name is the narrowing.
 */
const NARROWING: Readonly<Record<string, readonly { readonly shape: RegExp; readonly what: string }[]>> = {
  // An S3 object key (or key prefix) under a named bucket; an object under a named access point.
  s3: [
    { shape: /^[a-z0-9][a-z0-9.-]*\/.+$/, what: 'objects under a named bucket (bucket/prefix/*)' },
    { shape: /^accesspoint\/[a-z0-9-]+\/object\/.+$/, what: 'objects of a named access point' },
  ],
  // The log streams of a named log group.
  logs: [
    { shape: /^log-group:[^*?:]+:\*$/, what: "a named log group's streams (log-group:NAME:*)" },
    { shape: /^log-group:[^*?:]+:log-stream:.+$/, what: "a named log group's streams" },
  ],
  // The indexes or streams of a named table.
  dynamodb: [{ shape: /^table\/[^*?/]+\/(index|stream)\/.+$/, what: "a named table's indexes or streams" }],
  // Secrets Manager appends six random characters to a secret's name: `name-??????` still names one secret.
  secretsmanager: [{ shape: /^secret:[^*?]+-\?{6}$/, what: "a named secret's random suffix (name-??????)" }],
  // The schedules of a named schedule group (schedule/GROUP/*): the group names them.
  scheduler: [{ shape: /^schedule\/[^*?/]+\/.+$/, what: 'the schedules of a named group (schedule/GROUP/*)' }],
  // The versions and aliases of a named function.
  lambda: [{ shape: /^function:[^*?:]+:[^:]+$/, what: "a named function's versions and aliases" }],
};

/**
 * Why an ARN grants more than named resources, or `undefined` when it does not.
 *
 * A wildcard may narrow inside one named resource ({@link NARROWING}: an S3
 * object key under a named bucket is the common case), never stand for the
 * partition, service, region, account, or any part of a resource's name or
 * path (`log-group:/*` spans every log group whose name starts with `/`;
 * `role/service-role/*` every role on that path).
 */
export function arnWildcardProblem(arn: string): string | undefined {
  if (arn === '*') return 'matches every resource';
  // Whitespace or a control character is a malformed ARN: arnShapeProblem says so.
  if (!WILDCARD.test(arn) || /[\s\u0000-\u001f\u007f-\u009f]/.test(arn)) return undefined;
  const parts = arn.split(':');
  if (parts.slice(0, 5).some((p) => WILDCARD.test(p))) return 'has a wildcard in its partition, service, region or account';
  const service = parts[2];
  const resource = parts.slice(5).join(':');
  const allowed = NARROWING[service] ?? [];
  if (allowed.some((a) => a.shape.test(resource))) return undefined;
  return allowed.length > 0
    ? `has a wildcard where the resource is named; in ${service} ARNs a wildcard may only narrow ${allowed.map((a) => a.what).join(', or ')}`
    : `has a wildcard, and ${service} ARNs name each resource in full (a path such as role/service-role/ is part of the name)`;
}
