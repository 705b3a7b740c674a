import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './support/cli.js';

/**
 * The README and docs/cli.md against the program itself: the commands, their options and the exit codes are read
 * from `--help`, so a command or flag added without its documentation (or documentation left behind by a removed
 * one) fails here.
 */

const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const reference = readFileSync(path.join(REPO_ROOT, 'docs/cli.md'), 'utf8');

async function help(args: string[]): Promise<string> {
  const result = await runCli([...args, '--help'], { cwd: REPO_ROOT });
  expect(result.code).toBe(0);
  return result.stdout;
}

/** The indented lines of a help section ("Commands:", "Options:", "Exit codes:"). */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(title);
  if (start < 0) return [];
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line && !line.startsWith(' ')) break;
    if (line.trim()) body.push(line);
  }
  return body;
}

/** Command names from a "Commands:" section (not commander's own `help`). */
function commandNames(text: string): string[] {
  return section(text, 'Commands:')
    .filter((l) => /^ {2}\S/.test(l))
    .map((l) => l.trim().split(/\s/)[0]!)
    .filter((name) => name !== 'help');
}

/** Long option names from an "Options:" section (not --help). */
function longOptions(text: string): string[] {
  return section(text, 'Options:')
    .flatMap((l) => [...l.matchAll(/(?<=^|[\s,])(--[a-z][a-z-]*)/g)].map((m) => m[1]!))
    .filter((flag, i, all) => flag !== '--help' && all.indexOf(flag) === i);
}

/** The rows of the first markdown table after `heading` whose first cell is a number: code → row. */
function exitCodeRows(markdown: string, heading: string): Map<number, string> {
  const at = markdown.indexOf(heading);
  expect(at, `${heading} in the document`).toBeGreaterThanOrEqual(0);
  const rows = new Map<number, string>();
  for (const line of markdown.slice(at).split('\n').slice(1)) {
    if (line.startsWith('#')) break;
    const row = line.match(/^\| (\d) \|(.*)$/);
    if (row) rows.set(Number(row[1]), row[2]!);
  }
  return rows;
}

/** The text of `## name` in docs/cli.md, up to the next `## `. */
function referenceSection(name: string): string {
  const start = reference.indexOf(`\n## ${name}\n`);
  if (start < 0) return '';
  const end = reference.indexOf('\n## ', start + 4);
  return reference.slice(start, end < 0 ? undefined : end);
}

describe('the documentation agrees with --help', () => {
  let top: string;
  let commands: string[];
  beforeAll(async () => {
    top = await help([]);
    commands = commandNames(top);
  });

  it('finds the commands and exit codes in --help at all (the parser is not fooled)', () => {
    expect(commands).toContain('start');
    expect(commands).toContain('memory');
    expect(commands.length).toBeGreaterThan(10);
    expect(section(top, 'Exit codes:').length).toBeGreaterThanOrEqual(5);
  });

  it('the exit codes of --help are the ones in the README and docs/cli.md tables, with the same meanings', () => {
    const fromHelp = new Map(
      section(top, 'Exit codes:')
        .map((l) => l.match(/^\s+(\d)\s+(\S.*)$/))
        .filter((m): m is RegExpMatchArray => m !== null)
        .map((m) => [Number(m[1]), m[2]!] as const),
    );
    for (const [doc, rows] of [['README.md', exitCodeRows(readme, '## Exit codes')], ['docs/cli.md', exitCodeRows(reference, '## Exit codes')]] as const) {
      expect([...rows.keys()].sort(), doc).toEqual([...fromHelp.keys()].sort());
      // Each code's first words in --help ("the task failed", "needs a person", …) open its row in the document.
      for (const [code, meaning] of fromHelp) {
        const gist = meaning.split(/[(,;]/)[0]!.trim();
        expect(rows.get(code), `${doc}: exit ${code} should say "${gist}"`).toContain(gist);
      }
    }
  });

  it('docs/cli.md lists every command, has a section for each, and lists no command that does not exist', () => {
    // The first cell of each row of the command table: [`name`](#name), one or two per row.
    const listed = reference
      .split('\n')
      .filter((l) => l.startsWith('| [`'))
      .flatMap((l) => [...l.split(' | ')[0]!.matchAll(/\[`([a-z-]+)`\]\(#[a-z-]+\)/g)].map((m) => m[1]!));
    for (const name of commands) {
      expect(listed, `the command table of docs/cli.md lists ${name}`).toContain(name);
      expect(referenceSection(name), `docs/cli.md has a "## ${name}" section`).not.toBe('');
    }
    for (const name of listed) expect(commands, `docs/cli.md lists ${name}, which --help does not`).toContain(name);
  });

  it("every option of every command is in that command's section of docs/cli.md", async () => {
    for (const name of commands) {
      const text = await help([name]);
      const subcommands = commandNames(text);
      const options = subcommands.length > 0 ? (await Promise.all(subcommands.map((sub) => help([name, sub])))).flatMap(longOptions) : longOptions(text);
      const documented = referenceSection(name);
      for (const flag of options) expect(documented, `docs/cli.md "## ${name}" documents ${flag}`).toContain(flag);
      for (const sub of subcommands) expect(documented, `docs/cli.md "## ${name}" documents ${name} ${sub}`).toContain(`${name} ${sub}`);
    }
  });

  it('the README names every command', () => {
    for (const name of commands) expect(readme, `README.md mentions agentrun ${name}`).toMatch(new RegExp(`agentrun ${name}\\b`));
  });
});
