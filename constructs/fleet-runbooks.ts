import { RepositoryFile } from '@cdktf/provider-github/lib/repository-file';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { runbookFor } from '../documents/runbook';
import { Fleet, RunbookRepository } from '../model/fleet';
import { githubRepositoryParts } from '../model/github-oidc';

/** Props of {@link FleetRunbooks}. */
export interface FleetRunbooksProps {
  /** A validated table (`loadFleet`). */
  readonly fleet: Fleet;
  /** Where the runbooks are committed (`fleet.runbooks`). */
  readonly repository: RunbookRepository;
  /**
   * The GitHub provider for the repository's owner.
   * @default - the stack's default `github` provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * Terraform reads `${…}` and `%{…}` in any string as an expression; a runbook
 * is literal text, so both are escaped (`$${`, `%%{`), which Terraform turns
 * back into `${` and `%{` when it writes the file.
 */
export function terraformLiteral(text: string): string {
  // Replacement functions: in a replacement string `$$` would itself mean one `$`.
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/**
 * Each agent's runbook, committed to the docs repository the table names as
 * `<path>/<agent>.md` (`github_repository_file`, overwriting a file already
 * there on create). A change to the table changes the page in the next apply.
 */
export class FleetRunbooks extends Construct {
  /** The committed files, by agent name. */
  public readonly files: Record<string, RepositoryFile>;

  constructor(scope: Construct, id: string, props: FleetRunbooksProps) {
    super(scope, id);
    const { fleet, repository } = props;
    const name = githubRepositoryParts(repository.repository).name;
    this.files = {};
    for (const agent of fleet.agents) {
      this.files[agent.name] = new RepositoryFile(this, agent.name, {
        provider: props.provider,
        repository: name,
        branch: repository.branch,
        file: `${repository.path}/${agent.name}.md`,
        content: terraformLiteral(runbookFor(agent, fleet)),
        commitMessage: `Runbook of agent ${agent.name}, from the agent table of fleet ${fleet.settings.name} (scoped-agents)`,
        overwriteOnCreate: true,
      });
    }
  }
}
