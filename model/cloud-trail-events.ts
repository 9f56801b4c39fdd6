/**
 * What the fleet trail records: every management event, and the data events
 * on the resources the agents' `aws:` scopes name. A trail records no data
 * event unless told, and the calls agents make most (`s3:PutObject`,
 * `dynamodb:PutItem`) are data events; recording only the fleet's own
 * resources keeps the trail's cost to what it must see.
 */
import { Agent } from './fleet';

/** One advanced event selector, in CloudTrail's own field names. */
export interface TrailEventSelector {
  readonly name: string;
  readonly fieldSelectors: readonly {
    readonly field: string;
    readonly equals?: readonly string[];
    readonly startsWith?: readonly string[];
  }[];
}

/**
 * The trail's advanced event selectors for these agents: management events,
 * then S3 object data events under the object ARNs of their scopes (a trailing
 * `*` becomes a prefix) and DynamoDB data events on their tables. Values are
 * sorted and de-duplicated.
 */
export function cloudTrailEventSelectors(agents: readonly Agent[]): TrailEventSelector[] {
  const resources = agents.flatMap((a) => a.scopes.flatMap((s) => (s.kind === 'aws' ? s.resources : [])));
  const unique = (values: string[]): string[] => [...new Set(values)].sort();
  // Object ARNs have a key part (`bucket/…`); a bucket ARN's calls (ListBucket) are management-like and recorded already.
  const objects = unique(resources.filter((r) => /^arn:[^:]+:s3:::[^/]+\/.*/.test(r)).map((r) => r.replace(/\*$/, '')));
  const tables = unique(resources.filter((r) => /^arn:[^:]+:dynamodb:[^:]*:\d*:table\/[^/]+$/.test(r)));
  const selectors: TrailEventSelector[] = [{ name: 'Management events', fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }] }];
  if (objects.length > 0) {
    selectors.push({
      name: "Agents' S3 objects",
      fieldSelectors: [
        { field: 'eventCategory', equals: ['Data'] },
        { field: 'resources.type', equals: ['AWS::S3::Object'] },
        { field: 'resources.ARN', startsWith: objects },
      ],
    });
  }
  if (tables.length > 0) {
    selectors.push({
      name: "Agents' DynamoDB tables",
      fieldSelectors: [
        { field: 'eventCategory', equals: ['Data'] },
        { field: 'resources.type', equals: ['AWS::DynamoDB::Table'] },
        { field: 'resources.ARN', equals: tables },
      ],
    });
  }
  return selectors;
}
