import { execFile } from 'child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { writeFiles } from '../helpers';
import { PROOF_TABLES, SynthesizedStack, synthesizeTable } from '../support/synthesized';

/**
 * checkov over what would deploy: the synthesized `cdktf.out` of both proof
 * tables, with zero failed checks, zero parsing errors, and real checks run.
 *
 * Two facts about checkov 3.3.30 (pinned in scripts/setup-tools.js) shape this
 * file; both are read from its source, `checkov/terraform_json/`:
 *
 * - Its Terraform JSON parser cannot read a scalar attribute of the `terraform`
 *   block. `handle_block_type` passes every value of that block to `hclify`,
 *   which accepts only objects, so our `"required_version": ">= 1.11.0"` (valid
 *   Terraform JSON, and needed: write-only attributes and ephemeral variables
 *   need Terraform 1.11) makes the whole file a parsing error, and nothing in it
 *   is checked. checkov's `terraform` framework would not help: it reads `.tf`
 *   and `.hcl` files only. So checkov scans a copy of each `cdk.tf.json` without
 *   the `terraform` block's scalar attributes. No checkov check reads the
 *   `terraform` block (its check registries cover resource, data, provider and
 *   module blocks), so dropping them changes no result; the copy is otherwise
 *   the synthesized JSON unchanged, at the same `stacks/<name>/cdk.tf.json`
 *   path, so findings name the real file and resource. A test below proves the raw file
 *   still fails to parse, so the copy is dropped once checkov reads it.
 * - Its `terraform_json` runner reads no inline suppressions: Python checks are
 *   scanned with an empty skip list and graph results are recorded as they come,
 *   so neither a `"//"` comment nor `checkov:skip=` text in a resource skips
 *   anything. A check that cannot apply is excluded on the command line
 *   (`--skip-check`): {@link SKIPPED_CHECKS} lists each with its reason, and
 *   where a skip would also hide a resource the check does fit, a test below
 *   proves that resource by hand.
 */

const ROOT = join(__dirname, '..', '..');
const CHECKOV = join(ROOT, '.venv', 'bin', 'checkov');

/**
 * Keeps checkov offline: `--skip-download` stops the Prisma Cloud calls (guidelines,
 * policy metadata); `CKV_SKIP_PACKAGE_UPDATE_CHECK` stops the PyPI version check.
 */
/**
 * Checks that cannot apply to what the fleet deploys, each with why. The list
 * is global (see the file comment), so keep it to checks no resource of ours
 * can satisfy as designed.
 */
const SKIPPED_CHECKS: Readonly<Record<string, string>> = {
  CKV_AWS_117:
    'Lambda inside a VPC: the functions reach Vault at the address the operator gives (fleet.vaultAddr) and AWS APIs; ' +
    'the library cannot know a VPC, subnets or endpoints, and a VPC without a NAT or endpoints would cut both off.',
  CKV_AWS_272:
    'Lambda code signing: signed code must be an AWS Signer job output in S3; the functions ship as a local archive ' +
    '(a cdktf asset) that esbuild builds from this repository at synth time, pinned by source_code_hash.',
  CKV2_AWS_57:
    'Secrets Manager rotation rule on every secret: the secrets it flags are rotated, but not by Secrets Manager. ' +
    "Each agent's delivery secret and gateway key is rewritten by the rotate function on the agent's schedule; the functions' Vault logins " +
    'and the webhook URL are written by the operator. Credentials kept in AWS do carry a rotation rule: ' +
    '"every other Secrets Manager secret has a rotation rule" below checks it in place of this check.',
  CKV_AWS_18:
    "S3 access logging on the trail's bucket and the log forwarding backup bucket: an access-log bucket would need access logging of its own (checkov flags it in turn); " +
    "the trail's bucket holds only the trail's log files, which log file validation proves untouched, the backup bucket only what Firehose could not deliver, " +
    'and changes to either bucket are management events the trail records.',
  CKV_AWS_144:
    "S3 cross-region replication of the trail's bucket and the log forwarding backup bucket: it needs a second bucket in another region and a second AWS provider; " +
    'the trail is multi-region already, an organization trail is the place for a second copy, and the backup holds copies of logs CloudWatch Logs still keeps.',
  CKV2_AWS_62:
    "S3 event notifications on the trail's bucket and the log forwarding backup bucket: nothing reacts to a new log file; the fleet reads its trail through CloudWatch Logs " +
    "(the per-agent metric filters), and the backup is replayed by hand once the SIEM's endpoint is back.",
  CKV_AWS_258:
    "Lambda Function URL with AuthType NONE: the gateway's URL must be reachable by hosted platforms (Claude, OpenAI, Zapier) that cannot sign " +
    'requests with SigV4. The gateway authenticates every request itself before anything else (a gateway key it knows only by hash, or the ' +
    "agent's Vault token looked up with that token) and answers 401, logged, to anything else; it is the only Function URL the fleet deploys.",
  CKV_AWS_252:
    'an SNS topic for CloudTrail log file deliveries: nobody subscribes to them; the trail is read through CloudWatch Logs, and a topic would only add a publisher to the fleet key.',
};

const CHECKOV_ARGS = ['--framework', 'terraform_json', '--skip-download', '--output', 'json', '--skip-check', Object.keys(SKIPPED_CHECKS).sort().join(',')];
const CHECKOV_ENV = { ...process.env, CKV_SKIP_PACKAGE_UPDATE_CHECK: 'true', LOG_LEVEL: 'ERROR' };

/**
 * The checks that must have passed on every IAM role and inline policy: proof
 * that checkov evaluated the grants, not just that it started.
 */
const REQUIRED_PASSES: Record<string, readonly string[]> = {
  aws_iam_role: ['CKV_AWS_60', 'CKV_AWS_61'],
  aws_iam_role_policy: ['CKV_AWS_62', 'CKV_AWS_63'],
  aws_kms_key: ['CKV_AWS_7', 'CKV_AWS_33', 'CKV_AWS_227', 'CKV2_AWS_64'],
  aws_sns_topic: ['CKV_AWS_26'],
  aws_sqs_queue: ['CKV_AWS_27'],
  aws_cloudwatch_log_group: ['CKV_AWS_158', 'CKV_AWS_338'],
  aws_cloudwatch_metric_alarm: ['CKV_AWS_319'],
  aws_lambda_function: ['CKV_AWS_45', 'CKV_AWS_50', 'CKV_AWS_115', 'CKV_AWS_116', 'CKV_AWS_173', 'CKV_AWS_363'],
  aws_lambda_permission: ['CKV_AWS_301', 'CKV_AWS_364'],
  aws_dynamodb_table: ['CKV_AWS_28', 'CKV_AWS_119'],
  aws_secretsmanager_secret: ['CKV_AWS_149'],
  aws_secretsmanager_secret_rotation: ['CKV_AWS_304'],
  aws_scheduler_schedule: ['CKV_AWS_297'],
  aws_cloudtrail: ['CKV_AWS_35', 'CKV_AWS_36', 'CKV_AWS_67', 'CKV2_AWS_10'],
  aws_s3_bucket: ['CKV_AWS_21', 'CKV_AWS_145', 'CKV2_AWS_6', 'CKV2_AWS_61'],
  aws_s3_bucket_lifecycle_configuration: ['CKV_AWS_300'],
  aws_s3_bucket_ownership_controls: ['CKV2_AWS_65'],
  aws_s3_bucket_policy: ['CKV_AWS_70'],
  aws_s3_bucket_public_access_block: ['CKV_AWS_53', 'CKV_AWS_54', 'CKV_AWS_55', 'CKV_AWS_56'],
  aws_kinesis_firehose_delivery_stream: ['CKV_AWS_240', 'CKV_AWS_241'],
};

/** One finding of checkov's JSON report. */
interface CheckovRecord {
  readonly check_id: string;
  readonly resource: string;
  readonly file_path: string;
  readonly check_result: { readonly result: string; readonly suppress_comment?: string };
}

/** checkov's JSON report for one framework. */
interface CheckovReport {
  readonly results?: {
    readonly passed_checks: readonly CheckovRecord[];
    readonly failed_checks: readonly CheckovRecord[];
    readonly skipped_checks: readonly CheckovRecord[];
    readonly parsing_errors: readonly string[];
  };
  readonly summary?: { readonly passed: number; readonly failed: number; readonly skipped: number; readonly parsing_errors: number };
}

/**
 * Runs checkov over a directory and returns its JSON report. checkov exits 1
 * when a check fails; the report is still on stdout, so the exit code is not
 * an error here — the assertions read the report.
 */
function checkov(dir: string): Promise<{ report: CheckovReport; seconds: number }> {
  if (!existsSync(CHECKOV)) {
    throw new Error(`checkov is not installed at ${CHECKOV}; run \`node scripts/setup-tools.js\` (npm test does it first)`);
  }
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      CHECKOV,
      ['--directory', dir, ...CHECKOV_ARGS],
      { cwd: dir, env: CHECKOV_ENV, maxBuffer: 64 * 1024 * 1024, timeout: 50_000 },
      (error, stdout, stderr) => {
        try {
          const report = JSON.parse(stdout) as CheckovReport;
          resolve({ report, seconds: (Date.now() - started) / 1000 });
        } catch {
          reject(new Error(`checkov printed no JSON report (${error?.message ?? 'exit 0'}):\n${stderr}\n${stdout}`));
        }
      },
    );
  });
}

/**
 * Writes the copy checkov scans (see the file comment): every stack's JSON
 * without the scalar attributes of its `terraform` block, at the same relative
 * path. Returns the directory and the attributes it left out.
 */
function scannableCopy(outDir: string, stacks: readonly SynthesizedStack[]): { dir: string; dropped: string[] } {
  const dir = join(dirname(outDir), 'checkov-scan');
  const dropped: string[] = [];
  for (const stack of stacks) {
    const json = structuredClone(stack.json);
    const settings = (json.terraform ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(settings)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        delete settings[key];
        dropped.push(`${stack.name}: terraform.${key} = ${JSON.stringify(value)}`);
      }
    }
    const file = join(dir, 'stacks', stack.name, 'cdk.tf.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(json, null, 2));
  }
  return { dir, dropped };
}

/**
 * `check_id on resource (file)`, the way a finding is listed in a failure
 * message. Line numbers are left out: they are the copy's, not cdktf's layout.
 */
function finding(record: CheckovRecord): string {
  const reason = record.check_result.suppress_comment ? ` — ${record.check_result.suppress_comment}` : '';
  return `${record.check_id} on ${record.resource} (${record.file_path})${reason}`;
}

interface TableScan {
  readonly label: string;
  readonly stacks: readonly SynthesizedStack[];
  readonly dropped: readonly string[];
  readonly report: CheckovReport;
  readonly seconds: number;
}

/** The log forwarding fixture sent to Splunk instead, and sharded: the stream in the shared stack, the call logs' filters in the shards. */
const SPLUNK_SHARDED = join(
  writeFiles({
    'agents.yaml': readFileSync(join(ROOT, 'test/fixtures/log-forwarding.yaml'), 'utf8')
      .replace(/ {2}logForwarding:\n(?: {4}.*\n)+/, '  logForwarding: { destination: splunk, url: "https://http-inputs-firehose-acme.splunkcloud.com:443" }\n')
      .replace('fleet:\n', 'fleet:\n  shards: { by: name, count: 2 }\n'),
  }),
  'agents.yaml',
);

/** The proof tables, a sharded fleet (shared and shard stacks, S3 backends, remote-state reads), and log forwarding to both destinations. */
const TABLES = [
  ...PROOF_TABLES,
  { label: 'sharded fleet (test/fixtures/sharded.yaml)', files: { table: 'test/fixtures/sharded.yaml' } },
  { label: 'log forwarding to an HTTPS endpoint (test/fixtures/log-forwarding.yaml)', files: { table: 'test/fixtures/log-forwarding.yaml' } },
  { label: 'log forwarding to Splunk, sharded by name', files: { table: SPLUNK_SHARDED } },
];

let scans: TableScan[];
let raw: CheckovReport;

beforeAll(async () => {
  const synthesized = await Promise.all(TABLES.map(async ({ label, files }) => ({ label, ...(await synthesizeTable(files)) })));
  // checkov spends most of its ~3 s starting up: run every scan at once.
  const [rawScan, ...tableScans] = await Promise.all([
    checkov(synthesized[0].outDir),
    ...synthesized.map(async ({ label, outDir, stacks }) => {
      const { dir, dropped } = scannableCopy(outDir, stacks);
      return { label, stacks, dropped, ...(await checkov(dir)) };
    }),
  ]);
  raw = rawScan.report;
  scans = tableScans;

  const lines = scans.map(({ label, report, seconds }) => {
    const s = report.summary;
    return `  ${label}: ${s?.passed} passed, ${s?.failed} failed, ${s?.skipped} skipped, ${s?.parsing_errors} parsing errors (${seconds.toFixed(1)} s)`;
  });
  process.stdout.write(`\ncheckov ${CHECKOV_ARGS.join(' ')}\n${lines.join('\n')}\n\n`);
}, 60_000);

describe.each(TABLES.map((t) => t.label))('checkov over the synthesized %s', (label) => {
  const scan = (): TableScan => scans.find((s) => s.label === label)!;
  const results = (): NonNullable<CheckovReport['results']> => {
    const { results } = scan().report;
    if (!results) throw new Error(`checkov found no Terraform JSON to scan: ${JSON.stringify(scan().report)}`);
    return results;
  };

  test('parses every stack', () => {
    expect(results().parsing_errors).toEqual([]);
    expect(scan().report.summary?.parsing_errors).toBe(0);
  });

  test('leaves out only terraform.required_version from what it scans', () => {
    expect(scan().dropped).toEqual(scan().stacks.map((s) => `${s.name}: terraform.required_version = ">= 1.11.0"`));
  });

  test('fails no check', () => {
    expect(results().failed_checks.map(finding)).toEqual([]);
  });

  test('skips no check beyond the listed ones', () => {
    // The runner honours no inline skip (see the file comment); --skip-check drops checks without reporting them.
    expect(results().skipped_checks.map(finding)).toEqual([]);
    const ran = new Set([...results().passed_checks, ...results().failed_checks].map((r) => r.check_id));
    expect(Object.keys(SKIPPED_CHECKS).filter((id) => ran.has(id))).toEqual([]);
  });

  test('every other Secrets Manager secret has a rotation rule (in place of the skipped CKV2_AWS_57)', () => {
    // Rotated elsewhere, by design: the agents' delivered logins and gateway keys, the functions' logins, the webhook.
    const elsewhere =
      /^scoped-agents\/[a-z0-9-]+\/(agents\/[a-z0-9-]+\/(vault-login|gateway-key)|functions\/(revoke|rotate|gateway)\/vault-login|notify-webhook|siem-access-key)$/;
    for (const stack of scan().stacks) {
      const resources = stack.json.resource ?? {};
      const rotated = new Set(Object.values(resources.aws_secretsmanager_secret_rotation ?? {}).map((r) => String(r.secret_id)));
      const unrotated = Object.entries(resources.aws_secretsmanager_secret ?? {})
        .filter(([id, s]) => !elsewhere.test(String(s.name)) && !rotated.has(`\${aws_secretsmanager_secret.${id}.id}`))
        .map(([, s]) => String(s.name));
      expect(unrotated).toEqual([]);
    }
  });

  test("the S3 and CloudTrail skips hide nothing else: every bucket is a fleet trail's or its log forwarding backup, and every trail the fleet's", () => {
    for (const stack of scan().stacks) {
      const resources = stack.json.resource ?? {};
      const trails = Object.entries(resources.aws_cloudtrail ?? {});
      expect(trails.map(([, t]) => t.name)).toEqual(trails.length > 0 ? [`${stack.name}-trail`] : []);
      const streams = Object.values(resources.aws_kinesis_firehose_delivery_stream ?? {});
      for (const [id, bucket] of Object.entries(resources.aws_s3_bucket ?? {})) {
        const of = `\${aws_s3_bucket.${id}.arn}`;
        const backup = streams.filter((f) => JSON.stringify(f).includes(`"bucket_arn":"${of}"`));
        if (backup.length > 0) {
          expect([id, bucket.bucket_prefix, backup.length]).toEqual([id, `${stack.name.slice(0, 30)}-siem-`, 1]);
          continue;
        }
        expect([id, bucket.bucket_prefix]).toEqual([id, `${stack.name.slice(0, 30)}-trail-`]);
        expect(trails.map(([, t]) => t.s3_bucket_name)).toEqual([`\${aws_s3_bucket.${id}.id}`]);
      }
    }
  });

  test('passes the IAM and encryption checks on every resource they fit', () => {
    const passed = results().passed_checks;
    expect(passed.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const stack of scan().stacks) {
      for (const [type, ids] of Object.entries(REQUIRED_PASSES)) {
        for (const name of Object.keys(stack.json.resource?.[type] ?? {})) {
          // Python checks name a resource `resource.<name>`, graph checks `<type>.<name>`.
          const ran = new Set(passed.filter((r) => r.resource.endsWith(`.${name}`)).map((r) => r.check_id));
          missing.push(...ids.filter((id) => !ran.has(id)).map((id) => `${id} on ${type}.${name}`));
        }
      }
    }
    expect(missing).toEqual([]);
    const roles = scan().stacks.flatMap((s) => Object.keys(s.json.resource?.aws_iam_role ?? {}));
    expect(roles.length).toBeGreaterThan(0);
    const functions = scan().stacks.flatMap((s) => Object.keys(s.json.resource?.aws_lambda_function ?? {}));
    expect(functions.length).toBeGreaterThan(0);
  });
});

test('checkov still cannot parse the raw cdk.tf.json (drop the copy when this fails after a checkov upgrade)', () => {
  expect(raw.summary).toMatchObject({ passed: 0, parsing_errors: 1 });
  expect(raw.results?.parsing_errors).toEqual([expect.stringMatching(/stacks\/scoped-agents\/cdk\.tf\.json$/)]);
});
