/**
 * The docs keep true: every relative link in README.md and docs/ resolves (to
 * a file, and to a heading of it when it names one), every command the
 * README shows exists in the CLI with the options it is shown with, and the
 * statements that were once stale stay gone.
 */
import { existsSync, readdirSync, readFileSync } from 'fs';
import { dirname, join, resolve } from 'path';
import { COMMANDS } from '../cli/main';

const ROOT = resolve(__dirname, '..');
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const text = (page: string): string => readFileSync(join(ROOT, page), 'utf8');

/** The page with its fenced code blocks blanked out (links and headings inside them are examples). */
function prose(markdown: string): string {
  let fence = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (line.startsWith('```')) {
        fence = !fence;
        return '';
      }
      return fence ? '' : line;
    })
    .join('\n');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

const anchorsOf = (page: string): string[] => [...prose(text(page)).matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]));

test('the docs are the pages the README links to, each with a title', () => {
  expect(PAGES.length).toBeGreaterThanOrEqual(9);
  for (const page of PAGES.filter((p) => p !== 'README.md')) expect(text('README.md')).toContain(`](${page})`);
});

test.each(PAGES)('every relative link of %s resolves, to the heading it names', (page) => {
  const broken: string[] = [];
  for (const m of prose(text(page)).matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
    const target = m[1];
    if (/^(https?:|mailto:)/.test(target)) continue;
    const [file, anchor] = target.split('#');
    const path = file === '' ? page : join(dirname(page), file);
    if (!existsSync(join(ROOT, path))) {
      broken.push(`${target}: no file ${path}`);
      continue;
    }
    if (anchor !== undefined && path.endsWith('.md') && !anchorsOf(path).includes(anchor)) broken.push(`${target}: no heading #${anchor} in ${path}`);
  }
  expect(broken).toEqual([]);
});

test("every command in the README's sh blocks exists, with the options its usage names", () => {
  const lines = [...text('README.md').matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n')).filter((l) => /\bscoped-agents\s/.test(l));
  expect(lines.length).toBeGreaterThanOrEqual(7);
  const wrong: string[] = [];
  for (const line of lines) {
    const words = line.replace(/#.*$/, '').trim().split(/\s+/);
    const name = words[words.indexOf('scoped-agents') + 1];
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      wrong.push(`${line}: no command ${name}`);
      continue;
    }
    for (const option of words.filter((w) => w.startsWith('--'))) if (!command.usage.includes(option)) wrong.push(`${line}: ${name} has no option ${option}`);
  }
  expect(wrong).toEqual([]);
  // Every command is shown once.
  expect([...new Set(lines.map((l) => l.split(/\s+/)[2]))].sort()).toEqual(COMMANDS.map((c) => c.name).sort());
});

test('the set-up commands are within the first 30 lines, and the README stays under 15 KB', () => {
  const lines = text('README.md').split('\n');
  expect(lines.slice(0, 30).join('\n')).toContain('npm ci && npm run synth');
  expect(lines.slice(0, 30).join('\n')).toContain('npm test');
  expect(Buffer.byteLength(text('README.md'))).toBeLessThan(15 * 1024);
});

test.each([
  'Nothing is scheduled yet',
  'No alarm is created yet',
  'the rotation job is on the roadmap',
  "delivery to the agent's platform is not built yet",
  '`aws_lambda_function` ×2–3',
  "the fleet's 9 reserved",
  'The tests never use Terraform',
])('the stale statement %j is nowhere in the docs', (stale) => {
  expect(PAGES.filter((p) => text(p).replace(/\s+/g, ' ').includes(stale))).toEqual([]);
});

test('every file of the repository the docs name in code spans exists', () => {
  const missing: string[] = [];
  for (const page of PAGES) {
    for (const m of text(page).matchAll(/`((?:[a-z][\w.-]*\/)+[\w.-]+\.(?:ts|js|mjs|yaml|md|json|txt))`/g)) {
      const path = m[1];
      // A path in a folder the repository has (not an output path such as lead-enricher/RUNBOOK.md).
      if (!existsSync(join(ROOT, path.split('/')[0])) || /^(cdktf\.out|node_modules)\//.test(path)) continue;
      if (!existsSync(join(ROOT, path))) missing.push(`${page}: ${path}`);
    }
  }
  expect(missing).toEqual([]);
});
