import { readOutput } from '../../review/read-output';
import { resourceGraph } from '../../review/graph';
import { BUILT_IN, builtinExceptionsOf } from '../../review/rules/builtin-exceptions';
import { synthesizeTable } from '../support/synthesized';
import { cli } from './support/review-fixtures';

/** `check`, `report` and `graph` over a fleet that forwards its logs (test/fixtures/log-forwarding.yaml). */

let outDir: string;
beforeAll(async () => {
  outDir = (await synthesizeTable({ table: 'test/fixtures/log-forwarding.yaml' })).outDir;
}, 60_000);

test("check passes, accepting the backup bucket's objects for Firehose's role as a built-in exception, with its reason", async () => {
  const r = await cli(['check', '--out', outDir, '--format', 'json']);
  expect([r.code, r.err]).toEqual([0, '']);
  const json = JSON.parse(r.out);
  expect(json.findings).toEqual([]);
  const firehose = json.accepted.filter((a: { finding: { resource: string } }) => a.finding.resource === 'aws_iam_role_policy/siem-demo-siem-firehose');
  expect(firehose).toHaveLength(1);
  expect(firehose[0].suppression).toMatchObject({
    rule: 'no-wildcard-resource',
    grant: 's3:AbortMultipartUpload, s3:PutObject on ${aws_s3_bucket.fleet_Operations_LogForwarding_Backup_B7EBFF52.arn}/*',
    file: BUILT_IN,
  });
  expect(firehose[0].suppression.reason).toMatch(/backup bucket/);
  // Nothing else of the log forwarding is accepted: the logs role's grant is one stream, named.
  expect(json.accepted.map((a: { finding: { resource: string } }) => a.finding.resource)).not.toContain('aws_iam_role_policy/siem-demo-siem-logs');
});

test("the bucket exception names the stream's own role only", () => {
  const exceptions = builtinExceptionsOf(readOutput(outDir)).filter((s) => s.grant?.includes('aws_s3_bucket'));
  expect(exceptions.map((s) => s.resource)).toEqual(['aws_iam_role_policy/siem-demo-siem-firehose']);
});

test('report and graph read the new resources: the stream, its roles and every subscription filter', async () => {
  expect((await cli(['report', '--out', outDir])).code).toBe(0);
  const graph = resourceGraph(readOutput(outDir));
  const ids = graph.nodes.map((n) => n.id);
  expect(ids.filter((id) => id.includes('aws_kinesis_firehose_delivery_stream'))).toHaveLength(1);
  expect(ids.filter((id) => id.includes('aws_cloudwatch_log_subscription_filter'))).toHaveLength(10);
  const stream = ids.find((id) => id.includes('aws_kinesis_firehose_delivery_stream'))!;
  // Every filter points at the stream.
  expect(graph.edges.filter((e) => e.to === stream && e.from.includes('aws_cloudwatch_log_subscription_filter'))).toHaveLength(10);
  for (const format of ['json', 'dot', 'mermaid', 'csv'])
    expect([format, (await cli(['graph', '--out', outDir, '--format', format])).code]).toEqual([format, 0]);
});
