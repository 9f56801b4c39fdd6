import { Annotations, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Agent, Credential, FleetSettings, LIMITS } from '../model/fleet';
import { Access, accessFor } from '../model/access';
import { awsAccessOf, loginMethodOf } from '../model/agent-login';
import { secretEntriesFor } from '../model/secret-entries';
import { ApiDefinition } from '../model/apis';
import { gatewayAgentConfig } from '../model/gateway';
import { AgentGatewayItem } from './agent-gateway-item';
import { AgentAwsRole } from './agent-aws-role';
import { AgentAwsSecret } from './agent-aws-secret';
import { AgentGithubEnvironment } from './agent-github-environment';
import { AgentMonitoring } from './agent-monitoring';
import { AgentRotation } from './agent-rotation';
import { AgentSecretEntry } from './agent-secret-entry';
import { AgentVaultAccess } from './agent-vault-access';
import type { AgentOperations } from './fleet-operations';

/** Props of {@link ScopedAgent}. */
export interface ScopedAgentProps {
  /** The agent, as the model resolved it (see `model/validate.ts`). */
  readonly agent: Agent;
  /** Where the fleet's backends are mounted. */
  readonly settings: FleetSettings;
  /** Path of the KV v2 mount holding the agents' entries (a token from the mount resource). */
  readonly kvMount: string;
  /** Path of the AppRole auth backend (a token from the backend resource). */
  readonly appRoleBackend: string;
  /** The fleet's topic, key, rotate function and scheduler (`FleetOperations.agentOperations`). */
  readonly operations: AgentOperations;
  /**
   * How each SaaS credential is stored and rotated (`fleet.credentials`).
   * @default - every credential in the agent's own KV v2 entry, rotated by hand
   */
  readonly credentials?: Readonly<Record<string, Credential>>;
  /**
   * The APIs of the fleet (`fleet.apis`): where the gateway forwards the
   * agent's `http:` endpoints.
   * @default - none: an agent with `gateway: true` then fails
   */
  readonly apis?: Readonly<Record<string, ApiDefinition>>;
  /**
   * Path of Vault's AWS secrets engine, for agents whose AWS sessions Vault brokers.
   * @default - none; an agent with `aws:` scopes must then name its `awsPrincipal`
   */
  readonly awsSecretBackend?: string;
  /**
   * ARN of the principal Vault's AWS secrets engine runs as.
   * @default - none; required with `awsSecretBackend`
   */
  readonly brokerPrincipalArn?: string;
  /**
   * Path of the JWT auth backend for GitHub Actions' OIDC tokens (a token from
   * the backend resource). Required for a `github-actions` agent.
   * @default - none
   */
  readonly jwtBackend?: string;
  /**
   * ARN of the IAM OIDC provider for token.actions.githubusercontent.com.
   * Required for a `github-actions` agent with an IAM role.
   * @default - none
   */
  readonly githubOidcProviderArn?: string;
  /**
   * For a `github-actions` agent: manage its repository environment and the
   * variables a workflow needs (Vault's address as workflows reach it, and
   * the GitHub provider for the repository's owner).
   * @default - the environment and its variables are not managed
   */
  readonly githubEnvironment?: { readonly vaultAddr: string; readonly provider?: TerraformProvider };
}

/**
 * One agent's own credential set: a Vault policy and AppRole role with
 * short-lived tokens (for a `github-actions` agent, a JWT role bound to its
 * repository and environment instead, and its GitHub environment's
 * variables), a KV v2 entry (or a Secrets Manager secret) per SaaS
 * credential, an IAM role with exactly its `aws:` scopes when it needs one, a
 * rotation schedule, and its call log with four alarms. Nothing is shared with
 * another agent.
 */
export class ScopedAgent extends Construct {
  /** The agent this construct renders. */
  public readonly agent: Agent;
  /** Vault policy and AppRole role. */
  public readonly vault: AgentVaultAccess;
  /** The agent's SaaS credential entries kept in Vault, by secret name. */
  public readonly secrets: Record<string, AgentSecretEntry>;
  /** The agent's SaaS credentials kept in AWS Secrets Manager, by secret name. */
  public readonly awsSecrets: Record<string, AgentAwsSecret>;
  /** The agent's IAM role, when it has `aws:` scopes or credentials kept in AWS. */
  public readonly aws?: AgentAwsRole;
  /** Call log, metric filters and alarms. */
  public readonly monitoring: AgentMonitoring;
  /** Rotation schedule and the secret its login is delivered to. */
  public readonly rotation: AgentRotation;
  /** The GitHub environment and its variables, for a `github-actions` agent. */
  public readonly github?: AgentGithubEnvironment;
  /** Its item in the gateway's table, when it calls through the fleet's gateway. */
  public readonly gateway?: AgentGatewayItem;
  /** Name of the agent's Vault policy. */
  public readonly vaultPolicyName: string;
  /** What the agent may do, as rendered here (`accessFor`, with this stack's references). */
  public readonly access: Access;
  /** ARN of the agent's IAM role, when it has one. */
  public readonly roleArn?: string;

  constructor(scope: Construct, id: string, props: ScopedAgentProps) {
    super(scope, id);
    const { agent, settings, operations: ops } = props;
    const credentials = props.credentials ?? {};
    this.agent = agent;

    this.secrets = {};
    this.awsSecrets = {};
    for (const entry of secretEntriesFor(agent, settings, credentials)) {
      if (entry.store === 'vault') {
        this.secrets[entry.secret] = new AgentSecretEntry(this, `Secret-${entry.secret}`, { agent, entry, mount: props.kvMount });
      } else {
        this.awsSecrets[entry.secret] = new AgentAwsSecret(this, `Secret-${entry.secret}`, {
          agent,
          entry,
          keyArn: ops.keyArn,
          rotateFunctionArn: ops.rotateFunctionArn,
          rotateFunctionName: ops.rotateFunctionName,
        });
      }
    }

    if (loginMethodOf(agent) === 'github-jwt' && props.jwtBackend === undefined) {
      throw new Error(`agent ${agent.name}: a github-actions agent needs jwtBackend, the JWT auth backend for GitHub's OIDC tokens`);
    }
    const aws = awsAccessOf(agent, credentials);
    if (aws === 'github-oidc' && props.githubOidcProviderArn === undefined)
      throw new Error(`agent ${agent.name}: the IAM role of a github-actions agent needs githubOidcProviderArn`);
    if (aws === 'vault-broker' && (props.brokerPrincipalArn === undefined || props.awsSecretBackend === undefined)) {
      throw new Error(`agent ${agent.name}: an IAM role needs awsPrincipal or both awsSecretBackend and brokerPrincipalArn`);
    }
    // What the agent may do, with the references only known at deploy time: everything below renders it.
    const access = accessFor(
      agent,
      { settings, credentials },
      {
        secretArns: Object.fromEntries(Object.entries(this.awsSecrets).map(([name, s]) => [name, s.secretArn])),
        kmsKeyArn: ops.keyArn,
        brokerPrincipalArn: props.brokerPrincipalArn,
        githubOidcProviderArn: props.githubOidcProviderArn,
        appRoleBackend: props.appRoleBackend,
        jwtBackend: props.jwtBackend,
      },
    );
    this.access = access;
    this.vault = new AgentVaultAccess(this, 'Vault', { agent, settings, access, appRoleBackend: props.appRoleBackend, jwtBackend: props.jwtBackend });
    this.vaultPolicyName = this.vault.vaultPolicyName;

    if (access.aws) {
      this.aws = new AgentAwsRole(this, 'Aws', { agent, role: access.aws, awsSecretBackend: props.awsSecretBackend });
      this.roleArn = this.aws.roleArn;
      if (agent.credentialTtl < LIMITS.awsMinSession) {
        Annotations.of(this).addWarning(
          `[scoped-agents:aws-session-minimum] agent ${agent.name}: credentialTtl is below 15m; its Vault token keeps it, its AWS sessions last 15m`,
        );
      }
    }

    this.monitoring = new AgentMonitoring(this, 'Monitoring', {
      agent,
      settings,
      keyArn: ops.keyArn,
      topicArn: ops.topicArn,
      logForwarding: ops.logForwarding,
      awsRole: this.aws !== undefined,
    });
    this.rotation = new AgentRotation(this, 'Rotation', {
      agent,
      settings,
      keyArn: ops.keyArn,
      rotateFunctionArn: ops.rotateFunctionArn,
      scheduleGroup: ops.scheduleGroup,
      schedulerRoleArn: ops.schedulerRoleArn,
    });

    if (agent.gateway) {
      const config = gatewayAgentConfig(agent, { settings, credentials, apis: props.apis ?? {} });
      if (!config || ops.gatewayTable === undefined)
        throw new Error(
          `agent ${agent.name}: calling through the gateway needs the fleet's gateway (operations.gatewayTable) and the APIs of its http: grants (apis)`,
        );
      this.gateway = new AgentGatewayItem(this, 'Gateway', { config, table: ops.gatewayTable });
    }

    if (props.githubEnvironment && agent.github) {
      this.github = new AgentGithubEnvironment(this, 'Github', {
        agent,
        settings,
        vaultAddr: props.githubEnvironment.vaultAddr,
        roleArn: this.roleArn,
        gatewayUrl: ops.gatewayUrl,
        provider: props.githubEnvironment.provider,
      });
    }
  }
}
