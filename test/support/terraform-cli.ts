import { execFile } from 'child_process';
import { accessSync, constants, cpSync, mkdirSync, rmSync, writeFileSync } from 'fs';
import { delimiter, join } from 'path';
import { tempDir } from '../helpers';

/** The Terraform-compatible CLIs the gate accepts, in the order it looks for them. */
const CANDIDATES = ['terraform', 'tofu'] as const;

/**
 * The Terraform CLI on `PATH` (`terraform`, else `tofu`). Throws, with how to
 * install one, when neither is there: the gate is a proof, never skipped.
 */
export function terraformBinary(path = process.env.PATH ?? ''): string {
  for (const name of CANDIDATES) {
    for (const dir of path.split(delimiter).filter(Boolean)) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // not in this directory
      }
    }
  }
  throw new Error(
    'Neither terraform nor tofu is on PATH, so the synthesized stacks cannot be loaded by Terraform. ' +
      "Install Terraform 1.11 or later (https://developer.hashicorp.com/terraform/install, or `apt-get install terraform` from HashiCorp's apt repository) " +
      'or OpenTofu (https://opentofu.org/docs/intro/install/), then run the tests again.',
  );
}

/** One diagnostic Terraform printed: its summary line and the whole block. */
export interface TerraformDiagnostic {
  readonly summary: string;
  readonly text: string;
}

/** What `terraform init` said of one stack. */
export interface StackLoad {
  readonly stack: string;
  /** Errors about installing providers: expected, since no provider can be downloaded here. */
  readonly providerErrors: readonly TerraformDiagnostic[];
  /** Every other error: Terraform refused the configuration itself. */
  readonly configErrors: readonly TerraformDiagnostic[];
  /** The provider addresses Terraform went looking for (`hashicorp/aws`, …): proof that loading got that far. */
  readonly providersSought: readonly string[];
}

/**
 * The summaries Terraform gives when it cannot install a provider. With an
 * empty filesystem mirror every provider ends in one of these, and only after
 * the configuration has loaded.
 */
const PROVIDER_INSTALL = /^(Failed to query available provider packages|Failed to install provider|Failed to resolve provider packages)$/;

/** Splits Terraform's `-no-color` output into its `Error:` blocks. */
export function errorBlocks(output: string): TerraformDiagnostic[] {
  const blocks: TerraformDiagnostic[] = [];
  let current: string[] | undefined;
  const flush = (): void => {
    if (current) blocks.push({ summary: current[0].slice('Error: '.length).trim(), text: current.join('\n').trim() });
    current = undefined;
  };
  for (const line of output.split('\n')) {
    if (line.startsWith('Error: ')) {
      flush();
      current = [line];
    } else if (line.startsWith('Warning: ')) {
      flush();
    } else if (current) {
      current.push(line);
    }
  }
  flush();
  return blocks;
}

// One CLI configuration for every load: provider installation from an empty folder, so nothing is fetched.
let cliConfig: string | undefined;
function emptyMirrorConfig(): string {
  if (cliConfig) return cliConfig;
  const dir = tempDir('scoped-agents-tf-');
  mkdirSync(join(dir, 'empty-mirror'));
  cliConfig = join(dir, 'terraform.rc');
  writeFileSync(cliConfig, `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(join(dir, 'empty-mirror'))}\n  }\n}\n`);
  return cliConfig;
}

/**
 * Loads one synthesized stack folder with the real Terraform CLI:
 * `terraform init -backend=false -input=false` in a copy of the folder, with a
 * CLI configuration whose only provider source is an empty filesystem mirror.
 * Terraform's configuration loader runs before provider installation, so every
 * error it has about our JSON comes out, and provider installation then fails
 * as it must here.
 */
export async function loadStack(stackDir: string, stack: string, binary = terraformBinary()): Promise<StackLoad> {
  const work = tempDir('scoped-agents-tf-stack-');
  cpSync(stackDir, work, { recursive: true });
  try {
    const output = await new Promise<string>((resolveOutput, reject) => {
      execFile(
        binary,
        ['init', '-backend=false', '-input=false', '-no-color'],
        {
          cwd: work,
          timeout: 120_000,
          maxBuffer: 64 * 1024 * 1024,
          env: { ...process.env, TF_CLI_CONFIG_FILE: emptyMirrorConfig(), CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0' },
        },
        (error, stdout, stderr) => {
          // Exit 1 is expected (no provider can be installed); a timeout or a missing binary is not.
          if (error && (error.killed || typeof error.code !== 'number')) reject(new Error(`${binary} init in ${stack}: ${error.message}\n${stderr}`));
          else resolveOutput(`${stdout}\n${stderr}`);
        },
      );
    });
    // The first block of a refused configuration only says that the ones after it follow.
    const errors = errorBlocks(output).filter((e) => !e.summary.startsWith('Terraform encountered problems during initialisation'));
    // Terraform wraps its messages at 78 columns: match on the text with its line breaks folded.
    const folded = output.replace(/\s+/g, ' ');
    const providersSought = [
      ...new Set([...folded.matchAll(/available versions for provider ((?:[a-z0-9.-]+\/)?[a-z0-9-]+\/[a-z0-9-]+):/g)].map((m) => m[1])),
    ].sort();
    return {
      stack,
      providerErrors: errors.filter((e) => PROVIDER_INSTALL.test(e.summary)),
      configErrors: errors.filter((e) => !PROVIDER_INSTALL.test(e.summary)),
      providersSought,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs `task` over `items`, at most `limit` at a time, keeping the order of the results. */
export async function inBatches<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** What `terraform plan` said of a configuration of variables only. */
export interface VariablesPlan {
  readonly ok: boolean;
  readonly errors: readonly TerraformDiagnostic[];
}

/**
 * Plans a configuration that holds only `variables` (blocks from a synthesized
 * stack) with `values` set by `-var`: no provider is needed, so Terraform
 * evaluates every validation condition as it would on a deploy.
 */
export async function planVariables(variables: Record<string, unknown>, values: Record<string, string>, binary = terraformBinary()): Promise<VariablesPlan> {
  const work = tempDir('scoped-agents-tf-vars-');
  writeFileSync(join(work, 'variables.tf.json'), JSON.stringify({ variable: variables }, null, 2));
  const env = { ...process.env, TF_CLI_CONFIG_FILE: emptyMirrorConfig(), CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0' };
  const terraform = (args: string[]): Promise<{ code: number; output: string }> =>
    new Promise((resolveRun, reject) => {
      execFile(binary, args, { cwd: work, env, timeout: 60_000 }, (error, stdout, stderr) => {
        if (error && (error.killed || typeof error.code !== 'number')) reject(new Error(`${binary} ${args[0]}: ${error.message}\n${stderr}`));
        else resolveRun({ code: error ? Number(error.code) : 0, output: `${stdout}\n${stderr}` });
      });
    });
  try {
    const init = await terraform(['init', '-input=false', '-no-color']);
    if (init.code !== 0) throw new Error(`${binary} init of the variables alone failed:\n${init.output}`);
    const plan = await terraform(['plan', '-input=false', '-no-color', '-lock=false', ...Object.entries(values).map(([k, v]) => `-var=${k}=${v}`)]);
    return { ok: plan.code === 0, errors: errorBlocks(plan.output) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
