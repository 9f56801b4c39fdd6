import { cloudTrailEventSelectors } from '../../model';
import { BASE_SCOPES, fleetFromYaml } from '../helpers';

/** What the fleet trail records: management events, and data events on exactly the agents' own S3 objects and tables. */

test('records management events only when no agent names an object or a table', async () => {
  const fleet = await fleetFromYaml(
    `version: 1\n${BASE_SCOPES}agents:\n  - { name: a, owner: o@acme.example, actions: [{ action: List, scopes: [storage.buckets.read] }] }\n`,
  );
  expect(cloudTrailEventSelectors(fleet.agents)).toEqual([{ name: 'Management events', fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }] }]);
});

test("adds the agents' object prefixes and tables, sorted and de-duplicated, a trailing * read as a prefix", async () => {
  const fleet = await fleetFromYaml(`version: 1
${BASE_SCOPES}  archive.put:
    aws: { actions: [s3:PutObject], resources: ["arn:aws:s3:::acme-archive/2026/report.pdf", "arn:aws:s3:::acme-invoices/uploads/*"] }
  orders.write:
    aws: { actions: [dynamodb:PutItem], resources: ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders"] }
agents:
  - { name: a, owner: o@acme.example, awsPrincipal: "arn:aws:iam::123456789012:role/a", actions: [{ action: Upload, scopes: [storage.objects.create, orders.write] }] }
  - { name: b, owner: o@acme.example, awsPrincipal: "arn:aws:iam::123456789012:role/b", actions: [{ action: Archive, scopes: [archive.put, orders.write] }] }
`);
  expect(cloudTrailEventSelectors(fleet.agents).slice(1)).toEqual([
    {
      name: "Agents' S3 objects",
      fieldSelectors: [
        { field: 'eventCategory', equals: ['Data'] },
        { field: 'resources.type', equals: ['AWS::S3::Object'] },
        { field: 'resources.ARN', startsWith: ['arn:aws:s3:::acme-archive/2026/report.pdf', 'arn:aws:s3:::acme-invoices/uploads/'] },
      ],
    },
    {
      name: "Agents' DynamoDB tables",
      fieldSelectors: [
        { field: 'eventCategory', equals: ['Data'] },
        { field: 'resources.type', equals: ['AWS::DynamoDB::Table'] },
        { field: 'resources.ARN', equals: ['arn:aws:dynamodb:eu-west-1:123456789012:table/orders'] },
      ],
    },
  ]);
});
