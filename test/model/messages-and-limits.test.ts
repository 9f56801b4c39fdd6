/**
 * Messages and limits of the loaders (issue: hostile input, class 6): every
 * unreadable table is a located problem with a fix, never a bare parser error.
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { Problem } from '../../model';
import { loadFleet, TableError } from '../../table';
import { BASE_SCOPES, problemsOf, tempDir, writeFiles } from '../helpers';

/** Problems of the files `files` (name → content or bytes) loaded as `table` (and `catalog`), with base names. */
async function problemsOfFiles(files: Record<string, string | Buffer>, table: string, catalog?: string): Promise<Problem[]> {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  try {
    await loadFleet({ table: join(dir, table), catalog: catalog && join(dir, catalog) });
  } catch (e) {
    if (!(e instanceof TableError)) throw e;
    return e.problems.map((p) => ({ ...p, file: p.file.slice(dir.length + 1) }));
  }
  throw new Error('expected the table to be invalid');
}

const agentRows = (n: number, anchor = '*defaults'): string =>
  Array.from(
    { length: n },
    (_, i) => `  - { name: agent-${i}, owner: growth@acme.example, alarms: ${anchor}, actions: [{ action: Read, scopes: [crm.contacts.read] }] }\n`,
  ).join('');

describe('YAML aliases', () => {
  it('loads a table that reuses one anchor across 120 agents', async () => {
    const yaml = `version: 1\n${BASE_SCOPES}x-alarms: &defaults { maxCallsPerMinute: 500 }\nagents:\n${agentRows(120)}`.replace(
      'x-alarms',
      'defaults:\n  alarms',
    );
    const fixed = yaml.replace('defaults:\n  alarms: &defaults { maxCallsPerMinute: 500 }', 'defaults:\n  alarms: &defaults { maxCallsPerMinute: 500 }');
    const dir = writeFiles({ 'agents.yaml': fixed });
    const fleet = await loadFleet({ table: join(dir, 'agents.yaml') });
    expect(fleet.agents).toHaveLength(120);
    expect(new Set(fleet.agents.map((a) => a.alarms.maxCallsPerMinute))).toEqual(new Set([500]));
  });

  it('fails with a located yaml-syntax problem when aliases expand without bound (billion laughs)', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 8; i++)
      levels.push(
        `l${i}: &l${i} [${Array(10)
          .fill(`*${i === 1 ? 'a' : `l${i - 1}`}`)
          .join(', ')}]`,
      );
    expect(await problemsOf(`version: 1\n${levels.join('\n')}\n`)).toEqual([
      {
        rule: 'yaml-syntax',
        file: 'agents.yaml',
        line: 3,
        column: 10,
        message: 'YAML aliases expand the document past 100,000 nodes (Excessive alias count indicates a resource exhaustion attack)',
        fix: 'write the repeated part out, or use fewer and smaller aliases (*name)',
      },
    ]);
  });
});

describe('files that hold no table', () => {
  const FIX = 'write the table as a mapping: version: 1, then scopes: and agents: (see agents.yaml)';
  it.each([
    ['an empty file', '', 1, 1, 'the file holds nothing (it is empty, or only comments), not a table'],
    ['only comments', '# agents go here\n# later\n', 1, 1, 'the file holds nothing (it is empty, or only comments), not a table'],
    ['a list', '# the agents\n- name: lead-enricher\n', 2, 1, 'the file holds a list, not a table'],
    ['a string', 'agents\n', 1, 1, 'the file holds a single string, not a table'],
    ['a number', '\n\n42\n', 3, 1, 'the file holds a single number, not a table'],
  ])('fails when the table is %s, at its start, with a fix', async (_label, text, line, column, message) => {
    expect(await problemsOf(text)).toEqual([{ rule: 'not-a-table', file: 'agents.yaml', line, column, message, fix: FIX }]);
  });

  it('fails the same way for an empty catalog', async () => {
    const md = 'Agent | Required Action | API Scope\n---|---|---\nlead-enricher | Read | crm.contacts.read\n';
    expect(await problemsOfFiles({ 'agents.md': md, 'scopes.yaml': '' }, 'agents.md', 'scopes.yaml')).toEqual([
      {
        rule: 'not-a-table',
        file: 'scopes.yaml',
        line: 1,
        column: 1,
        message: 'the file holds nothing (it is empty, or only comments), not a table',
        fix: FIX,
      },
    ]);
  });

  it('fails naming a folder given as the table', async () => {
    const dir = tempDir();
    const r = await loadFleet({ table: dir }).catch((e: TableError) => e.problems);
    expect(r).toEqual([
      {
        rule: 'file',
        file: dir,
        line: 0,
        column: 0,
        message: 'is a folder, not a file',
        fix: 'check the path given with --table / --catalog (or SCOPED_AGENTS_TABLE)',
      },
    ]);
  });
});

describe('columns in characters, not UTF-16 units', () => {
  it('points at the value after an emoji and an accented letter in the same line', async () => {
    // `      - { action: "Réponse 📨", scopes: [` is 40 characters (41 UTF-16 units): the scope starts at column 41, not 42.
    const yaml = `version: 1\n${BASE_SCOPES}agents:\n  - name: lead-enricher\n    owner: growth@acme.example\n    actions:\n      - { action: "Réponse 📨", scopes: [crm.contact.read] }\n`;
    const [p] = await problemsOf(yaml);
    expect([p.rule, p.line, p.column]).toEqual(['unknown-scope', 17, 41]);
  });

  it('counts characters in a Markdown row too', async () => {
    const md = 'Agent | Required Action | API Scope\n---|---|---\nlead-enricher | Lire 📇 | crm.contact.read\n';
    const problems = await problemsOfFiles(
      { 'agents.md': md, 'scopes.yaml': `version: 1\ndefaults: { owner: growth@acme.example }\n${BASE_SCOPES}` },
      'agents.md',
      'scopes.yaml',
    );
    // `lead-enricher | Lire 📇 | ` is 25 characters.
    expect(problems.map((p) => [p.rule, p.line, p.column])).toEqual([['unknown-scope', 3, 26]]);
  });
});

describe('input that is not UTF-8', () => {
  it.each([
    ['a Latin-1 é', Buffer.concat([Buffer.from('version: 1\nagents:\n  - name: caf'), Buffer.from([0xe9]), Buffer.from('\n')]), 3, 14, 0xe9, 32],
    ['a cut multi-byte character', Buffer.concat([Buffer.from('version: 1\n# '), Buffer.from([0xe2, 0x82])]), 2, 3, 0xe2, 13],
    ['an overlong form', Buffer.concat([Buffer.from('v'), Buffer.from([0xc0, 0xaf])]), 1, 2, 0xc0, 1],
    ['a UTF-16 surrogate', Buffer.concat([Buffer.from('version: 1 # ö '), Buffer.from([0xed, 0xa0, 0x80])]), 1, 16, 0xed, 16],
  ])('fails on %s, naming the byte and where it is', async (_label, bytes, line, column, byte, offset) => {
    expect(await problemsOfFiles({ 'agents.yaml': bytes }, 'agents.yaml')).toEqual([
      {
        rule: 'encoding',
        file: 'agents.yaml',
        line,
        column,
        message: `the file is not UTF-8: byte 0x${byte.toString(16).toUpperCase()} at byte offset ${offset} starts no UTF-8 character`,
        fix: 'save the file as UTF-8 (a Latin-1 or Windows-1252 file must be converted, e.g. iconv -f latin1 -t utf-8)',
      },
    ]);
  });

  it('reads UTF-8 with a byte-order mark', async () => {
    const dir = writeFiles({
      'agents.yaml': `\uFEFFversion: 1\n${BASE_SCOPES}agents:\n  - { name: a, owner: o@acme.example, actions: [{ action: Read, scopes: [crm.contacts.read] }] }\n`,
    });
    expect((await loadFleet({ table: join(dir, 'agents.yaml') })).agents.map((a) => a.name)).toEqual(['a']);
  });
});

describe('an unknown Markdown column', () => {
  it('is reported with the other problems of its rows, not instead of them', async () => {
    const md = 'Agent | Required Action | API Scope | Cost\n---|---|---|---\nlead-enricher | Read | crm.contact.read | 3\n';
    const problems = await problemsOfFiles(
      { 'agents.md': md, 'scopes.yaml': `version: 1\ndefaults: { owner: growth@acme.example }\n${BASE_SCOPES}` },
      'agents.md',
      'scopes.yaml',
    );
    expect(problems.map((p) => [p.rule, p.line, p.column, p.value])).toEqual([
      ['unknown-key', 1, 39, 'Cost'],
      ['unknown-scope', 3, 24, 'crm.contact.read'],
    ]);
  });
});
