import { RunbookRepository } from '../../model/fleet';
import { FleetSettingsInput } from '../schema';
import { SettingProblem } from './inherit';

/** `owner/name`, as GitHub spells repository names. */
export const GITHUB_REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** Slash-separated segments of letters, digits, `.`, `_` and `-`, none of them `.` or `..`, none starting with `.`. */
const SEGMENTS = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

/**
 * Checks `fleet.runbooks` and applies its default path, `runbooks/<fleet>`.
 *
 * @returns `runbooks` undefined when the table configures none
 */
export function resolveRunbooks(input: FleetSettingsInput['runbooks'], fleetName: string): { runbooks?: RunbookRepository; problems: SettingProblem[] } {
  if (input === undefined) return { problems: [] };
  const problems: SettingProblem[] = [];
  const at = ['fleet', 'runbooks'];
  if (!GITHUB_REPOSITORY.test(input.repository)) {
    problems.push({
      rule: 'invalid-value',
      path: [...at, 'repository'],
      value: input.repository,
      message: 'repository is not owner/name',
      fix: 'write the repository as owner/name, e.g. acme/runbooks',
    });
  }
  // A git ref name: no `..`, no `.lock` suffix, no leading `.` in a segment (git check-ref-format).
  if (input.branch !== undefined && (!SEGMENTS.test(input.branch) || input.branch.endsWith('.lock'))) {
    problems.push({
      rule: 'invalid-value',
      path: [...at, 'branch'],
      value: input.branch,
      message: 'branch is not a branch name',
      fix: 'name an existing branch, e.g. main',
    });
  }
  if (input.path !== undefined && !SEGMENTS.test(input.path)) {
    problems.push({
      rule: 'invalid-value',
      path: [...at, 'path'],
      value: input.path,
      message: 'path is not a folder of the repository (letters, digits, ., _, - and /, without a leading or trailing /)',
      fix: `write a folder such as runbooks/${fleetName}`,
    });
  }
  const runbooks: RunbookRepository = {
    repository: input.repository,
    path: input.path ?? `runbooks/${fleetName}`,
    ...(input.branch !== undefined ? { branch: input.branch } : {}),
  };
  return { runbooks, problems };
}
