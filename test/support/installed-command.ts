import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';

/** What `npm link` leaves: the command's path and the directory it is in (the one a crontab puts on PATH). */
export interface InstalledCommand {
  bin: string;
  binDir: string;
}

/**
 * Installs the CLI as the README says — `npm link` in a clone — into a temporary npm prefix, so the global one is
 * never touched. The "clone" is a copy of the project's sources (node_modules linked, not reinstalled); `npm link`
 * runs the package's own `prepare` build there, as it would in a fresh clone.
 */
export function npmLink(dir: string): InstalledCommand {
  const clone = path.join(dir, 'clone');
  const prefix = path.join(dir, 'npm-prefix');
  mkdirSync(clone, { recursive: true });
  for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'src', 'migrations', 'tasks']) {
    cpSync(path.join(REPO_ROOT, entry), path.join(clone, entry), { recursive: true });
  }
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
  const linked = spawnSync('npm', ['link', '--no-audit', '--no-fund'], {
    cwd: clone,
    env: { ...process.env, NPM_CONFIG_PREFIX: prefix, NPM_CONFIG_UPDATE_NOTIFIER: 'false' },
    encoding: 'utf8',
  });
  if (linked.status !== 0) throw new Error(`npm link failed (${linked.status}): ${linked.stderr}`);
  const binDir = path.join(prefix, 'bin');
  const bin = path.join(binDir, 'agentrun');
  if (!existsSync(bin)) throw new Error(`npm link left no ${bin}`);
  return { bin, binDir };
}

/** The environment cron gives a job: almost nothing, and the PATH its crontab sets. */
export function cronEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { HOME: process.env.HOME ?? '/root', SHELL: '/bin/sh', LOGNAME: 'root', ...vars };
}

export interface ShellResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a line as cron does (`/bin/sh -c`), in `cwd` with exactly `env`. */
export function runShell(line: string, cwd: string, env: NodeJS.ProcessEnv): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', line], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
