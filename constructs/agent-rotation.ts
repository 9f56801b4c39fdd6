import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { Construct } from 'constructs';
import { loginMethodOf } from '../model/agent-login';
import { Agent, agentResourceName, FleetSettings } from '../model/fleet';
import { RotateEvent, SECRET_NAMES } from '../model/operations';
import { GATEWAY, gatewayAuthOf } from '../model/gateway';

/** Props of {@link AgentRotation}. */
export interface AgentRotationProps {
  readonly agent: Agent;
  readonly settings: FleetSettings;
  /** The fleet key: the schedule's payload and the delivery secret are encrypted with it. */
  readonly keyArn: string;
  readonly rotateFunctionArn: string;
  /** The fleet's schedule group and the role its schedules run as. */
  readonly scheduleGroup: string;
  readonly schedulerRoleArn: string;
  /**
   * Retries of a failed invocation of the rotate function (a failed rotation
   * inside the function raises the rotation-failure alarm instead).
   * @default 2
   */
  readonly retries?: number;
}

/**
 * One agent's rotation: an EventBridge Scheduler schedule on the agent's
 * `rotation` expression that sends the rotate function
 * `{"action":"rotate","agent":"<name>"}`, and the Secrets Manager secret the
 * rotation delivers the agent's new AppRole login to (`{"role_id","secret_id"}`;
 * the value never passes through Terraform).
 *
 * A `github-actions` agent logs in with its workflow's OIDC token: it has no
 * AppRole role, so no delivery secret. Its schedule stays: the rotate function
 * finds no AppRole role and skips the secret-id (functions/rotate/rotate-agent.ts),
 * still rotates the SaaS credentials it keeps in Vault, and still publishes
 * the rotation metrics its rotation-failure alarm reads.
 */
export class AgentRotation extends Construct {
  /** The schedule (main resource), `agent-<name>` in the fleet's group. */
  public readonly resource: SchedulerSchedule;
  /** Where the agent reads its current login; absent for a `github-actions` agent (no secret-id). */
  public readonly delivery?: SecretsmanagerSecret;
  public readonly deliverySecretArn?: string;
  /** Where the rotation delivers its gateway key (`{"key":"sag_…"}`), for an agent of a hosted platform calling through the gateway. */
  public readonly gatewayKey?: SecretsmanagerSecret;

  constructor(scope: Construct, id: string, props: AgentRotationProps) {
    super(scope, id);
    const { agent, settings } = props;
    const keyed = agent.gateway && gatewayAuthOf(agent) === 'gateway-key';
    const event: RotateEvent = { action: 'rotate', agent: agent.name };
    const tags = { agent: agent.name, owner: agent.owner, fleet: settings.name, 'managed-by': 'scoped-agents' };
    if (keyed) {
      this.gatewayKey = new SecretsmanagerSecret(this, 'GatewayKey', {
        name: GATEWAY.keySecretName(settings.name, agent.name),
        description:
          `Gateway key ({"key":"sag_…"}) of agent ${agent.name}: its platform presents it to the fleet's gateway. ` +
          'A new one at every rotation (the previous one works for the grace period); the gateway keeps only its hash. Not managed by Terraform.',
        kmsKeyId: props.keyArn,
        tags,
      });
    }

    this.resource = new SchedulerSchedule(this, 'Resource', {
      name: agentResourceName(agent),
      groupName: props.scheduleGroup,
      description: `Rotates the credentials of agent ${agent.name} (scoped-agents)`,
      scheduleExpression: agent.rotation,
      scheduleExpressionTimezone: 'UTC',
      // Rotation runs when the table says, not within a window around it.
      flexibleTimeWindow: { mode: 'OFF' },
      kmsKeyArn: props.keyArn,
      state: 'ENABLED',
      target: {
        arn: props.rotateFunctionArn,
        roleArn: props.schedulerRoleArn,
        input: JSON.stringify(event),
        retryPolicy: { maximumRetryAttempts: props.retries ?? 2, maximumEventAgeInSeconds: 3600 },
      },
    });

    if (loginMethodOf(agent) === 'github-jwt') return;
    this.delivery = new SecretsmanagerSecret(this, 'Delivery', {
      name: SECRET_NAMES.agentLogin(settings.name, agent.name),
      description:
        `Vault AppRole login ({"role_id","secret_id"}) of agent ${agent.name}, delivered by the rotate function at every rotation. ` +
        'Not managed by Terraform.',
      kmsKeyId: props.keyArn,
      tags,
    });
    this.deliverySecretArn = this.delivery.arn;
  }
}
