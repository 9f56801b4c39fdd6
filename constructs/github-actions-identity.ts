import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { JwtAuthBackend } from '@cdktf/provider-vault/lib/jwt-auth-backend';
import { Construct } from 'constructs';
import { FleetSettings } from '../model/fleet';
import { GITHUB_OIDC } from '../model/github-oidc';

/** Props of {@link GithubActionsIdentity}. */
export interface GithubActionsIdentityProps {
  readonly settings: FleetSettings;
  /**
   * Whether some `github-actions` agent has an IAM role, so AWS must trust
   * GitHub's OIDC tokens.
   * @default false
   */
  readonly aws?: boolean;
  /**
   * ARN of the account's existing IAM OIDC provider for
   * token.actions.githubusercontent.com. An account holds at most one provider
   * per URL: when it already has GitHub's, pass its ARN here (or import it
   * into this resource with `terraform import`).
   * @default - the fleet creates the provider (only when `aws` is true)
   */
  readonly oidcProviderArn?: string;
}

/**
 * GitHub Actions as an identity provider for the fleet: Vault's JWT auth
 * backend at `fleet.jwtMount`, which verifies a workflow run's OIDC token
 * against GitHub's published keys (OIDC discovery on the issuer) and its
 * `iss`; and, when an agent has an IAM role, the account's IAM OIDC provider
 * for the same issuer, which its role trusts. The per-agent bindings
 * (audience, repository, environment) live on the agents' own roles.
 */
export class GithubActionsIdentity extends Construct {
  /** Vault's JWT auth backend (main resource). */
  public readonly resource: JwtAuthBackend;
  /** Path of the JWT auth backend (a token: roles depend on the backend). */
  public readonly jwtBackendPath: string;
  /** The IAM OIDC provider, when the fleet creates it. */
  public readonly oidcProvider?: IamOpenidConnectProvider;
  /** ARN of the IAM OIDC provider the agents' roles trust, when AWS is involved. */
  public readonly oidcProviderArn?: string;

  constructor(scope: Construct, id: string, props: GithubActionsIdentityProps) {
    super(scope, id);
    this.resource = new JwtAuthBackend(this, 'Resource', {
      path: props.settings.jwtMount,
      type: 'jwt',
      description: "GitHub Actions' OIDC tokens, one role per github-actions agent (scoped-agents)",
      oidcDiscoveryUrl: GITHUB_OIDC.issuer,
      boundIssuer: GITHUB_OIDC.issuer,
    });
    this.jwtBackendPath = this.resource.path;

    if (props.aws) {
      if (props.oidcProviderArn !== undefined) {
        this.oidcProviderArn = props.oidcProviderArn;
      } else {
        // No thumbprint: AWS validates token.actions.githubusercontent.com against its own trusted CAs.
        this.oidcProvider = new IamOpenidConnectProvider(this, 'OidcProvider', {
          url: GITHUB_OIDC.issuer,
          clientIdList: [GITHUB_OIDC.awsAudience],
          tags: { fleet: props.settings.name, 'managed-by': 'scoped-agents' },
        });
        this.oidcProviderArn = this.oidcProvider.arn;
      }
    }
  }
}
