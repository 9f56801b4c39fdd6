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
 * Why an ARN grants more than named resources, or `undefined` when it does not.
 *
 * A wildcard may narrow a path below a named resource (`bucket/uploads/*`), but
 * never stand for the partition, service, region, account, a bucket, or a
 * resource's name (`table/*`).
 */
export function arnWildcardProblem(arn: string): string | undefined {
  if (arn === '*') return 'matches every resource';
  const parts = arn.split(':');
  if (parts.slice(0, 5).some((p) => WILDCARD.test(p))) return 'has a wildcard in its partition, service, region or account';
  const service = parts[2];
  const segments = parts.slice(5).join(':').split(/[/:]/);
  // S3 ARNs start with the bucket name; most others with a resource type, then its name.
  const named = service === 's3' ? 1 : Math.min(2, segments.length);
  // Secrets Manager appends six random characters to a secret's name; `name-??????` still names one secret.
  const namesOne = (s: string): boolean => !WILDCARD.test(s) || (service === 'secretsmanager' && /^[^*?]+-\?{6}$/.test(s));
  if (!segments.slice(0, named).every(namesOne)) return 'has a wildcard where the resource is named';
  return undefined;
}
