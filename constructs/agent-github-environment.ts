import { ActionsEnvironmentVariable } from '@cdktf/provider-github/lib/actions-environment-variable';
import { RepositoryEnvironment } from '@cdktf/provider-github/lib/repository-environment';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { githubEnvironmentVariables } from '../model/delivery';
import { Agent, FleetSettings } from '../model/fleet';
import { githubRepositoryParts } from '../model/github-oidc';

/** Props of {@link AgentGithubEnvironment}. */
export interface AgentGithubEnvironmentProps {
  /** A `github-actions` agent. */
  readonly agent: Agent;
  readonly settings: FleetSettings;
  /** Vault's address as workflows reach it (the fleet's `vaultAddr`, or the `vault_addr` variable). */
  readonly vaultAddr: string;
  /**
   * ARN of the agent's IAM role, for `AWS_ROLE_ARN`.
   * @default - no `AWS_ROLE_ARN` (the agent has no IAM role)
   */
  readonly roleArn?: string;
  /**
   * The fleet gateway's URL, for `SCOPED_AGENTS_GATEWAY_URL` of an agent calling through it.
   * @default - none
   */
  readonly gatewayUrl?: string;
  /**
   * The GitHub provider for the repository's owner.
   * @default - the stack's default `github` provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * Where a `github-actions` agent runs: its repository's environment, and the
 * environment's variables a workflow needs to log in to Vault with its OIDC
 * token and to assume its IAM role (`VAULT_ADDR`, `VAULT_AUDIENCE`,
 * `VAULT_AUTH_PATH`, `VAULT_ROLE`, `AWS_ROLE_ARN`, `SCOPED_AGENTS_GATEWAY_URL`). None is secret: no
 * secret is stored in GitHub.
 */
export class AgentGithubEnvironment extends Construct {
  /** The repository environment (main resource). */
  public readonly resource: RepositoryEnvironment;
  /** The environment's variables, by name. */
  public readonly variables: Record<string, ActionsEnvironmentVariable>;

  constructor(scope: Construct, id: string, props: AgentGithubEnvironmentProps) {
    super(scope, id);
    const { agent } = props;
    if (agent.github === undefined) throw new Error(`agent ${agent.name}: only a github-actions agent has a GitHub environment`);
    const repository = githubRepositoryParts(agent.github.repository).name;

    this.resource = new RepositoryEnvironment(this, 'Resource', {
      provider: props.provider,
      repository,
      environment: agent.github.environment,
    });

    this.variables = {};
    for (const [name, value] of Object.entries(
      githubEnvironmentVariables(agent, props.settings, { vaultAddr: props.vaultAddr, roleArn: props.roleArn, gatewayUrl: props.gatewayUrl }),
    )) {
      this.variables[name] = new ActionsEnvironmentVariable(this, name, {
        provider: props.provider,
        repository,
        // The environment resource's name: the variable waits for the environment.
        environment: this.resource.environment,
        variableName: name,
        value,
      });
    }
  }
}
