import { ChatbotSlackChannelConfiguration } from '@cdktf/provider-aws/lib/chatbot-slack-channel-configuration';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { Construct } from 'constructs';
import { FleetSettings } from '../model/fleet';
import { SECRET_NAMES } from '../model/operations';
import { FLEET_RESOURCE_NAMES } from '../model/resource-names';
import { AwsContext } from './private/aws-context';
import { serviceTrust } from './private/function-policies';
import type { FleetFunction } from './fleet-function';

/** Props of {@link FleetNotifications}. */
export interface FleetNotificationsProps {
  readonly settings: FleetSettings;
  readonly context: AwsContext;
  /** The fleet key: the topic and the webhook secret are encrypted with it. */
  readonly keyArn: string;
}

/**
 * Where every alarm of the fleet goes: one KMS-encrypted SNS topic, and the
 * team's channel — a Slack channel through AWS Chatbot when `fleet.notify`
 * names one, otherwise a webhook whose URL the operator keeps in a Secrets
 * Manager secret (read by the notify function). Functions subscribe with
 * {@link FleetNotifications.subscribe}.
 *
 * The webhook secret exists in both cases: the daily usage summary is a
 * message for people and always goes to the webhook (Chatbot relays only what
 * arrives on the alarm topic, which the revoke function also reads).
 */
export class FleetNotifications extends Construct {
  /** The alarm topic (main resource). */
  public readonly resource: SnsTopic;
  public readonly topicArn: string;
  /** The webhook's secret: alarms (without Chatbot) and the daily usage summary are posted there. */
  public readonly webhookSecret: SecretsmanagerSecret;
  /** The Slack channel configuration, when notifications go through AWS Chatbot. */
  public readonly chatbot?: ChatbotSlackChannelConfiguration;

  constructor(scope: Construct, id: string, props: FleetNotificationsProps) {
    super(scope, id);
    const { settings, context: ctx } = props;
    const tags = { fleet: settings.name, 'managed-by': 'scoped-agents' };

    this.resource = new SnsTopic(this, 'Resource', {
      name: FLEET_RESOURCE_NAMES.topic(settings.name),
      displayName: `scoped-agents ${settings.name} alarms`,
      kmsMasterKeyId: props.keyArn,
      tags,
    });
    this.topicArn = this.resource.arn;

    if (settings.notify) {
      // The channel's role grants nothing, and the guardrail denies everything:
      // the channel only shows notifications; nobody runs AWS commands from Slack.
      const role = new IamRole(this, 'ChatbotRole', {
        name: FLEET_RESOURCE_NAMES.chatbotRole(settings.name),
        description: `AWS Chatbot channel role of fleet ${settings.name}: no permissions (scoped-agents)`,
        assumeRolePolicy: JSON.stringify(serviceTrust('chatbot.amazonaws.com')),
        tags: { ...tags, component: 'chatbot' },
      });
      this.chatbot = new ChatbotSlackChannelConfiguration(this, 'Slack', {
        configurationName: FLEET_RESOURCE_NAMES.chatbotConfiguration(settings.name),
        slackTeamId: settings.notify.slackTeamId,
        slackChannelId: settings.notify.slackChannelId,
        iamRoleArn: role.arn,
        guardrailPolicyArns: [`arn:${ctx.partition}:iam::aws:policy/AWSDenyAll`],
        snsTopicArns: [this.topicArn],
        userAuthorizationRequired: true,
        loggingLevel: 'ERROR',
        tags,
      });
    }
    const what = settings.notify ? 'its daily usage summary' : 'alarms, revocations and its daily usage summary';
    this.webhookSecret = new SecretsmanagerSecret(this, 'Webhook', {
      name: SECRET_NAMES.webhook(settings.name),
      description: `{"url": …} of the incoming webhook (Slack) that fleet ${settings.name} posts ${what} to. Not managed by Terraform: the operator writes it.`,
      kmsKeyId: props.keyArn,
      tags,
    });
  }

  /** Subscribes a function to the topic, and lets this topic alone invoke it. */
  public subscribe(fn: FleetFunction): void {
    new LambdaPermission(this, `Invoke-${fn.node.id}`, {
      statementId: 'AlarmTopic',
      action: 'lambda:InvokeFunction',
      functionName: fn.resource.functionName,
      principal: 'sns.amazonaws.com',
      sourceArn: this.topicArn,
    });
    new SnsTopicSubscription(this, `Subscription-${fn.node.id}`, {
      topicArn: this.topicArn,
      protocol: 'lambda',
      endpoint: fn.functionArn,
    });
  }
}
