import { spawnSync } from 'child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { tempDir } from '../helpers';
import { edit, ROOT, SEED, synthesizeYaml } from './support/review-fixtures';

/**
 * The privilege-diff workflow: its shape (trigger, permissions, pinned
 * actions, base and head synthesized, diff and check run), and its steps run
 * for real — the shell steps with bash against synthesized outputs, the
 * comment step's script against a stand-in for GitHub's API.
 */

interface Step {
  name: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
  'working-directory'?: string;
}

const FILE = join(ROOT, '.github', 'workflows', 'privilege-diff.yml');
const TEXT = readFileSync(FILE, 'utf8');
const workflow = parse(TEXT) as { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, { steps: Step[] }> };
const steps = workflow.jobs['privilege-diff'].steps;
const step = (name: string): Step => {
  const s = steps.find((x) => x.name === name);
  if (!s) throw new Error(`no step named ${name}`);
  return s;
};

describe('the privilege-diff workflow', () => {
  test('runs on pull requests with a read-only checkout and permission to comment only', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    expect(workflow.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  });

  test('pins every action to a full commit SHA, with its version in a comment', () => {
    const uses = TEXT.split('\n').filter((l) => /^\s*(- )?uses:/.test(l));
    expect(uses.length).toBe(4);
    for (const line of uses) expect(line).toMatch(/uses: [\w-]+\/[\w-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  test('checks out base and head, installs both with npm ci, and synthesizes each with its own code', () => {
    expect(step('Check out the head of the pull request').with).toMatchObject({
      ref: '${{ github.event.pull_request.head.sha }}',
      path: 'head',
      'persist-credentials': false,
    });
    expect(step('Check out its base').with).toMatchObject({ ref: '${{ github.event.pull_request.base.sha }}', path: 'base', 'persist-credentials': false });
    expect(step('Install (npm ci), base and head').run).toContain('(cd base && npm ci');
    expect(step('Install (npm ci), base and head').run).toContain('(cd head && npm ci');
    expect(step('Synthesize the base')).toMatchObject({ 'working-directory': 'base', run: 'npx scoped-agents synth --out "$RUNNER_TEMP/base.out"' });
    expect(step('Synthesize the head')).toMatchObject({ 'working-directory': 'head', run: 'npx scoped-agents synth --out "$RUNNER_TEMP/head.out"' });
    expect(step('Privilege diff')['working-directory']).toBe('${{ runner.temp }}');
    expect(step('Privilege diff').run).toContain(
      'node "$GITHUB_WORKSPACE/head/bin/scoped-agents.js" diff base.out head.out --format markdown --fail-on-escalation',
    );
    expect(step('Guard-rail check of the head').run).toContain('npx scoped-agents check --out "$RUNNER_TEMP/head.out"');
    expect(step('Fail on escalation or findings').if).toBe("steps.diff.outputs.exit != '0' || steps.check.outputs.exit != '0'");
  });
});

describe('the workflow steps, run', () => {
  let runnerTemp: string;
  let workspace: string;
  let outputs: Record<string, string>;

  /** Runs a `run:` step with bash as the runner would (from `head`, here the repository root). */
  function runStep(name: string, env: Record<string, string> = {}): { status: number | null; stdout: string } {
    const s = step(name);
    const githubOutput = join(runnerTemp, `${s.id ?? 'step'}.output`);
    writeFileSync(githubOutput, '');
    // `head` is the repository itself; the workspace holds it as $GITHUB_WORKSPACE/head.
    const cwd = { head: ROOT, '${{ runner.temp }}': runnerTemp }[s['working-directory'] ?? 'head'];
    const r = spawnSync('bash', ['-e', '-c', s.run!], {
      cwd,
      encoding: 'utf8',
      env: {
        ...process.env,
        RUNNER_TEMP: runnerTemp,
        GITHUB_WORKSPACE: workspace,
        GITHUB_OUTPUT: githubOutput,
        GITHUB_STEP_SUMMARY: join(runnerTemp, 'summary.md'),
        ...env,
      },
    });
    for (const line of readFileSync(githubOutput, 'utf8').split('\n').filter(Boolean)) {
      const [k, v] = line.split('=');
      outputs[`${s.id}.${k}`] = v;
    }
    return { status: r.status, stdout: r.stdout };
  }

  beforeAll(async () => {
    runnerTemp = tempDir('scoped-agents-runner-');
    workspace = tempDir('scoped-agents-workspace-');
    symlinkSync(ROOT, join(workspace, 'head'));
    outputs = {};
    const base = await synthesizeYaml(SEED);
    const head = await synthesizeYaml(edit(SEED, 'aws: { actions: [s3:PutObject], resources:', 'aws: { actions: [s3:PutObject, s3:DeleteObject], resources:'));
    spawnSync('cp', ['-r', base.outDir, join(runnerTemp, 'base.out')]);
    spawnSync('cp', ['-r', head.outDir, join(runnerTemp, 'head.out')]);
    runStep('Privilege diff');
    runStep('Guard-rail check of the head');
    runStep('Write the report', { DIFF_EXIT: outputs['diff.exit'], CHECK_EXIT: outputs['check.exit'] });
  });

  test('record the exit codes the last step fails on: escalation, and a passing check', () => {
    expect(outputs).toEqual({ 'diff.exit': '1', 'check.exit': '0' });
  });

  test('write one comment: the marker, the diff naming the agent and grant, and the check', () => {
    const comment = readFileSync(join(runnerTemp, 'comment.md'), 'utf8');
    expect(comment.startsWith('<!-- scoped-agents:privilege-diff -->\n## Privilege diff\n\nBase `base.out` → head `head.out`.\n')).toBe(true);
    expect(comment).toContain('| broadening | invoice-summarizer | new IAM action | `s3:DeleteObject` on `arn:aws:s3:::acme-invoices/uploads/*` |');
    expect(comment).toContain('error: privilege escalation: 1 broadening change from base.out to head.out (--fail-on-escalation)');
    expect(comment).toContain('### Guard rails: passed');
    expect(readFileSync(join(runnerTemp, 'summary.md'), 'utf8')).toBe(comment);
  });

  test('post the comment once, then update it in place on the next push', async () => {
    const script = step('Post or update the PR comment').with!.script;
    const comments: { id: number; body: string; user: { type: string } }[] = [{ id: 1, body: 'a human comment', user: { type: 'User' } }];
    const github = {
      paginate: async (fn: (args: unknown) => Promise<unknown>, args: unknown) => ((await fn(args)) as { data: unknown }).data,
      rest: {
        issues: {
          listComments: async () => ({ data: comments }),
          createComment: async ({ body }: { body: string }) => void comments.push({ id: comments.length + 1, body, user: { type: 'Bot' } }),
          updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => void (comments.find((c) => c.id === comment_id)!.body = body),
        },
      },
    };
    const context = { repo: { owner: 'acme', repo: 'agents' }, payload: { pull_request: { number: 7 } } };
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
    const post = new AsyncFunction('github', 'context', 'require', 'process', script);
    const env = { env: { COMMENT_FILE: join(runnerTemp, 'comment.md') } };
    await post(github, context, require, env);
    await post(github, context, require, env);
    expect(comments).toHaveLength(2);
    expect(comments[1].body).toBe(readFileSync(join(runnerTemp, 'comment.md'), 'utf8'));
  });
});
