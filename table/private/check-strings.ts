import { Problem } from '../../model/problem';
import { secretIn } from '../../model/secret-patterns';
import { TableSource } from '../table-source';
import { controlCharacterProblem, stringsIn } from './checks';
import { agentAt } from './located';

/**
 * What no string of the table may hold, whatever key it is under: a
 * credential, a control character, a Terraform interpolation. Checked on
 * every string and map key before anything else reads them.
 */
export function checkStrings(source: TableSource): Problem[] {
  const problems: Problem[] = [];
  for (const s of stringsIn(source.data)) {
    const where = { ...source.locate(s.path, s.key), agent: agentAt(source, s.path), value: s.text };
    const what = s.key ? 'key' : 'value';
    const secret = secretIn(s.text);
    if (secret) {
      problems.push({
        rule: 'secret-in-table',
        ...where,
        message: `${what} holds what looks like a ${secret.name}`,
        fix: 'remove it and revoke it at its issuer (the table is in the repository); credentials reach Vault through TF_VAR_seed__… or the rotation, never the table',
      });
    }
    const freeText = !s.key && (s.path[s.path.length - 1] === 'description' || s.path[s.path.length - 1] === 'action');
    const control = controlCharacterProblem(s.text, freeText);
    if (control) {
      problems.push({
        rule: 'control-character',
        ...where,
        message: `${what} ${control}, which would reach runbooks, reports and Terraform as it is`,
        fix: freeText
          ? 'remove it; free text may hold tabs and line breaks, nothing else of the kind'
          : 'remove it; names, URLs and ARNs are one line of visible characters',
      });
    }
    // A `${` anywhere would be evaluated by Terraform at deploy time.
    if (s.text.includes('${') || s.text.includes('%{')) {
      problems.push({
        rule: 'interpolation',
        ...where,
        message: 'contains ${ or %{, which Terraform would evaluate as an expression',
        fix: 'remove the ${ / %{ sequence; the table holds literal values only',
      });
    }
  }
  return problems;
}
