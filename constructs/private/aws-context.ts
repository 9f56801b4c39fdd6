import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { Construct } from 'constructs';

/**
 * The account, region and partition the fleet deploys into, as Terraform
 * references: ARNs are built from them, never from literals, so the same
 * synthesized JSON deploys to any account, region or partition.
 */
export interface AwsContext {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/** Declares the three data sources (`aws_partition`, `aws_region`, `aws_caller_identity`) under `scope`. */
export function awsContext(scope: Construct): AwsContext {
  return {
    partition: new DataAwsPartition(scope, 'Partition', {}).partition,
    // `name` is deprecated in provider 6; `region` is its replacement.
    region: new DataAwsRegion(scope, 'Region', {}).region,
    account: new DataAwsCallerIdentity(scope, 'Account', {}).accountId,
  };
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>`; IAM ARNs carry no region. */
export function arnOf(ctx: AwsContext, service: string, resource: string): string {
  const region = service === 'iam' ? '' : ctx.region;
  return `arn:${ctx.partition}:${service}:${region}:${ctx.account}:${resource}`;
}
