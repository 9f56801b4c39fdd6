import { createHash } from 'crypto';
import { PROOF_ACCOUNT } from './iam-simulator';
import { SynthesizedStack } from './synthesized';

/**
 * What AWS would give the references of a synthesized stack once deployed, in
 * the proofs' account and region: Terraform references (`${aws_…}`,
 * `${data.aws_…}`, `${var.…}`) in IAM documents become the ARNs and names AWS
 * would assign, so that the IAM simulator evaluates concrete resources.
 *
 * Only the references listed here are understood; any other one is an error,
 * never left in place (the simulator would treat `${x}` as matching anything).
 */

/** The region the proofs deploy into. */
export const PROOF_REGION = 'eu-west-1';
/** Secrets Manager appends six random characters to a secret's name in its ARN; the proofs use these. */
export const SECRET_SUFFIX = '-Pr00f1';

/** ARN of a Secrets Manager secret of that name, as deployed in the proofs. */
export const secretArn = (name: string): string => `arn:aws:secretsmanager:${PROOF_REGION}:${PROOF_ACCOUNT}:secret:${name}${SECRET_SUFFIX}`;
/** The name AWS gives a bucket created with `bucket_prefix`: the prefix and a 26-digit suffix. */
export const bucketName = (prefix: string): string => `${prefix}20261204000000000000000001`;
/** ARN of the KMS key of a resource address, as deployed in the proofs (a stable UUID per key). */
export function keyArn(resourceName: string): string {
  const h = createHash('sha256').update(resourceName).digest('hex');
  return `arn:aws:kms:${PROOF_REGION}:${PROOF_ACCOUNT}:key/${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** A literal argument of a resource, following references to other literals. */
function literal(stack: SynthesizedStack, type: string, name: string, attribute: string, variables: Record<string, string>): string {
  const body = (stack.json.resource as Resources | undefined)?.[type]?.[name];
  if (!body) throw new Error(`${type}.${name} is not in stack ${stack.name}`);
  const value = body[attribute];
  if (typeof value !== 'string') throw new Error(`${type}.${name}.${attribute} is not a literal string (${JSON.stringify(value)})`);
  return resolveReferences(stack, value, variables);
}

/** The value one reference takes once deployed. */
function valueOf(stack: SynthesizedStack, expression: string, variables: Record<string, string>): string {
  const variable = /^var\.([A-Za-z0-9_-]+)$/.exec(expression);
  if (variable) {
    if (!(variable[1] in variables)) throw new Error(`\${${expression}}: the proof gives variable ${variable[1]} no value`);
    return variables[variable[1]];
  }
  const data = /^data\.([a-z0-9_]+)\.[A-Za-z0-9_-]+\.([a-z_]+)$/.exec(expression);
  if (data) {
    const key = `${data[1]}.${data[2]}`;
    const known: Record<string, string> = {
      'aws_partition.partition': 'aws',
      'aws_region.region': PROOF_REGION,
      'aws_caller_identity.account_id': PROOF_ACCOUNT,
    };
    if (key in known) return known[key];
    throw new Error(`\${${expression}}: the proof does not know data.${key}`);
  }
  const ref = /^([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)$/.exec(expression);
  if (!ref) throw new Error(`\${${expression}}: not a reference the proof understands`);
  const [, type, name, attribute] = ref;
  const lit = (a: string): string => literal(stack, type, name, a, variables);
  switch (`${type}.${attribute}`) {
    case 'aws_iam_role.arn':
      return `arn:aws:iam::${PROOF_ACCOUNT}:role/${lit('name')}`;
    case 'aws_iam_role.id':
    case 'aws_iam_role.name':
      return lit('name');
    case 'aws_iam_openid_connect_provider.arn':
      // IAM names an OIDC provider after its URL without the scheme.
      return `arn:aws:iam::${PROOF_ACCOUNT}:oidc-provider/${lit('url').replace(/^https:\/\//, '')}`;
    case 'aws_sqs_queue.arn':
      return `arn:aws:sqs:${PROOF_REGION}:${PROOF_ACCOUNT}:${lit('name')}`;
    case 'aws_sns_topic.arn':
      return `arn:aws:sns:${PROOF_REGION}:${PROOF_ACCOUNT}:${lit('name')}`;
    case 'aws_secretsmanager_secret.arn':
    case 'aws_secretsmanager_secret.id':
      return secretArn(lit('name'));
    case 'aws_kms_key.arn':
      return keyArn(name);
    case 'aws_lambda_function.arn':
      return `arn:aws:lambda:${PROOF_REGION}:${PROOF_ACCOUNT}:function:${lit('function_name')}`;
    case 'aws_lambda_function.function_name':
      return lit('function_name');
    case 'aws_scheduler_schedule_group.name':
    case 'aws_cloudwatch_log_group.name':
    case 'aws_dynamodb_table.name':
      return lit('name');
    case 'aws_s3_bucket.arn':
      return `arn:aws:s3:::${bucketName(lit('bucket_prefix'))}`;
    case 'aws_s3_bucket.id':
      return bucketName(lit('bucket_prefix'));
    case 'aws_kinesis_firehose_delivery_stream.arn':
      return `arn:aws:firehose:${PROOF_REGION}:${PROOF_ACCOUNT}:deliverystream/${lit('name')}`;
    case 'aws_dynamodb_table.arn':
      return `arn:aws:dynamodb:${PROOF_REGION}:${PROOF_ACCOUNT}:table/${lit('name')}`;
    default:
      throw new Error(`\${${expression}}: the proof does not know what AWS assigns to ${type}.${attribute}`);
  }
}

/**
 * `text` with every `${…}` replaced by what AWS would assign in the proofs'
 * account and region.
 *
 * @param variables values of Terraform variables the text may name
 * @throws on a reference the proof does not understand
 */
export function resolveReferences(stack: SynthesizedStack, text: string, variables: Record<string, string> = {}): string {
  return text.replace(/\$\{([^}]*)\}/g, (_whole, expression: string) => valueOf(stack, expression.trim(), variables));
}
