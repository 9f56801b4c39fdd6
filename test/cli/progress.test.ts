import { resolve } from 'path';
import { run } from '../../cli/main';
import { CommandIO } from '../../cli/private/io';
import { ProgressLine } from '../../cli/private/progress';
import { tempDir } from '../helpers';

/**
 * Progress on stderr: only on a terminal, only after a second, dimmed unless
 * NO_COLOR, erased at the end. The clock is the command's own (`io.now`), so
 * a test steps it instead of waiting.
 */

const ROOT = resolve(__dirname, '..', '..');

/** An IO whose clock moves `step` ms each time it is read. */
function io(options: { tty: boolean; step: number; env?: Record<string, string> }): CommandIO & { errText: () => string } {
  let err = '';
  let clock = 0;
  return {
    out: () => undefined,
    err: (t) => (err += t),
    cwd: ROOT,
    env: options.env ?? {},
    errIsTTY: options.tty,
    now: () => (clock += options.step),
    errText: () => err,
  };
}

test('a line is shown once the command has run a second, rewritten in place, dimmed, and erased at the end', () => {
  const terminal = io({ tty: true, step: 400 });
  const line = new ProgressLine(terminal);
  line.update('one'); // 400 ms
  line.update('two'); // 800 ms
  line.update('three'); // 1200 ms
  line.update('four');
  line.end();
  expect(terminal.errText()).toBe('\r\x1b[2mthree\x1b[22m\x1b[K\r\x1b[2mfour\x1b[22m\x1b[K\r\x1b[K');
});

test.each([
  ['stderr is not a terminal', { tty: false, step: 5000 }],
  ['TERM=dumb', { tty: true, step: 5000, env: { TERM: 'dumb' } }],
  ['the command ends within a second', { tty: true, step: 100 }],
])('nothing is written when %s', (_, options) => {
  const quiet = io(options);
  const line = new ProgressLine(quiet);
  for (let i = 0; i < 5; i++) line.update(`step ${i}`);
  line.end();
  expect(quiet.errText()).toBe('');
});

test('NO_COLOR: the line without colour codes', () => {
  const plain = io({ tty: true, step: 2000, env: { NO_COLOR: '1' } });
  const line = new ProgressLine(plain);
  line.update('validated');
  line.end();
  expect(plain.errText()).toBe('\rvalidated\x1b[K\r\x1b[K');
});

test('a long sharded synth on a terminal reports agents validated and each stack built and written, then clears the line', async () => {
  const terminal = io({ tty: true, step: 1000, env: { NO_COLOR: '1' } });
  const out = resolve(tempDir(), 'cdktf.out');
  const code = await run(['synth', '--table', 'test/fixtures/sharded.yaml', '--out', out], terminal);
  const lines = terminal
    .errText()
    .split('\r')
    .filter((l) => l !== '');
  expect(code).toBe(0);
  expect(lines[0]).toMatch(/^synth: \d+ agents valid\x1b\[K$/);
  const agents = /^synth: (\d+)/.exec(lines[0]!)![1];
  const stacks = lines.filter((l) => / \d+\/\d+ stacks (built|written) /.test(l));
  const total = Number(/\/(\d+) stacks/.exec(stacks[0]!)![1]);
  expect(total).toBeGreaterThan(1);
  expect(stacks).toHaveLength(2 * total);
  expect(stacks[0]).toMatch(new RegExp(`^synth: ${agents} agents valid · 1/${total} stacks built \\([a-z0-9-]+\\)\\x1b\\[K$`));
  expect(stacks[2 * total - 1]).toMatch(new RegExp(`^synth: ${agents} agents valid · ${total}/${total} stacks written \\([a-z0-9-]+\\)\\x1b\\[K$`));
  expect(lines.at(-2)).toBe(`synth: ${agents} agents valid · stacks written · runbooks and snippets of ${agents} agents written\x1b[K`);
  expect(lines.at(-1)).toBe('\x1b[K');
});

test('the same synth piped writes no progress at all', async () => {
  const piped = io({ tty: false, step: 1000 });
  const code = await run(['synth', '--table', 'test/fixtures/sharded.yaml', '--out', resolve(tempDir(), 'cdktf.out')], piped);
  expect(code).toBe(0);
  expect(piped.errText()).toBe('');
});
