import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretRotation } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { Agent } from '../model/fleet';
import { SecretEntry } from '../model/secret-entries';

/** A Lambda permission statement id (at most 100 characters) naming the agent and credential. */
function statementId(agent: string, secret: string): string {
  const readable = `SecretsManager-${agent}-${secret}`;
  if (readable.length <= 100) return readable;
  return `SecretsManager-${createHash('sha256').update(`${agent}/${secret}`).digest('hex').slice(0, 32)}`;
}

/** Props of {@link AgentAwsSecret}. */
export interface AgentAwsSecretProps {
  readonly agent: Agent;
  /** The entry, with `store: 'aws'` (from `secretEntriesFor`). */
  readonly entry: SecretEntry;
  /** The fleet key. */
  readonly keyArn: string;
  /** The rotate function, which Secrets Manager calls for the rotation's four steps. */
  readonly rotateFunctionArn: string;
  readonly rotateFunctionName: string;
}

/**
 * One SaaS credential of one agent kept in AWS: its own Secrets Manager
 * secret `scoped-agents/<fleet>/agents/<agent>/<secret>` (KMS-encrypted with
 * the fleet key; its description lists the scopes the provider must mint it with) and a
 * rotation rule on the agent's `rotation` expression that calls the rotate
 * function. Only the agent's IAM role may read it (see `iamPolicyFor`).
 *
 * The value never passes through Terraform: the operator seeds it, the
 * rotation replaces it. The first rotation waits for the schedule, so an
 * unseeded secret is not rotated at apply time.
 */
export class AgentAwsSecret extends Construct {
  /** The secret (main resource). */
  public readonly resource: SecretsmanagerSecret;
  public readonly rotation: SecretsmanagerSecretRotation;
  public readonly secretArn: string;

  constructor(scope: Construct, id: string, props: AgentAwsSecretProps) {
    super(scope, id);
    const { agent, entry } = props;
    if (entry.store !== 'aws') throw new Error(`agent ${agent.name}: credential ${entry.secret} is kept in ${entry.store}, not in AWS`);
    // Secrets Manager rotates at most every four hours; Terraform would fail only at apply.
    const rate = /^rate\((\d+) (minutes?|hours?)\)$/.exec(agent.rotation);
    if (rate && (rate[2].startsWith('minute') || Number(rate[1]) < 4)) {
      throw new Error(
        `agent ${agent.name}: rotation ${agent.rotation} is more often than Secrets Manager rotates (every 4 hours at most), and ${entry.secret} is kept in AWS; ` +
          'rotate it every 4 hours or less often, or keep the credential in Vault (store: vault)',
      );
    }

    this.resource = new SecretsmanagerSecret(this, 'Resource', {
      name: entry.secretsManagerName,
      description: `${entry.secret} credential of agent ${agent.name}, scopes ${entry.scopes.join(', ')}; rotator ${entry.rotator} (scoped-agents). Not managed by Terraform.`,
      kmsKeyId: props.keyArn,
      tags: { agent: agent.name, owner: agent.owner, credential: entry.secret, 'managed-by': 'scoped-agents' },
    });
    this.secretArn = this.resource.arn;

    // Secrets Manager may invoke the rotate function for this secret only.
    const permission = new LambdaPermission(this, 'InvokeRotate', {
      statementId: statementId(agent.name, entry.secret),
      action: 'lambda:InvokeFunction',
      functionName: props.rotateFunctionName,
      principal: 'secretsmanager.amazonaws.com',
      sourceArn: this.secretArn,
    });
    this.rotation = new SecretsmanagerSecretRotation(this, 'Rotation', {
      secretId: this.resource.id,
      rotationLambdaArn: props.rotateFunctionArn,
      rotationRules: { scheduleExpression: agent.rotation },
      rotateImmediately: false,
      dependsOn: [permission],
    });
  }
}
