import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';
import { timeNode, type SpawnOptions } from './spawn.js';

/** The parts of V8's .cpuprofile format we read. Times are in microseconds. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled wall time of the profile, ms. */
  totalMs: number;
  /** Self time by where the code lives (agentrun file, npm package, node internals, GC, native), ms, descending. */
  selfByArea: { area: string; ms: number }[];
  /** Time with at least one frame of the area on the stack (nested calls counted once), ms, descending. */
  inclusiveByArea: { area: string; ms: number }[];
  /** The hottest functions by self time. */
  topFunctions: { fn: string; ms: number }[];
}

const SAMPLING_INTERVAL_US = 100;

/** Profiles one spawned `node args…` run with --cpu-prof and summarizes it. */
export async function profileNode(args: string[], dir: string, options: SpawnOptions = {}): Promise<{ wallMs: number; summary: ProfileSummary }> {
  mkdirSync(dir, { recursive: true });
  const run = await timeNode(args, {
    ...options,
    nodeFlags: [...(options.nodeFlags ?? []), '--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${SAMPLING_INTERVAL_US}`],
  });
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`bench: no .cpuprofile written in ${dir}`);
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
  return { wallMs: run.ms, summary: summarizeProfile(profile) };
}

/** Profiles in-process work with the inspector (the current thread only). */
export async function profileInProcess(work: () => Promise<void>): Promise<ProfileSummary> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
    await session.post('Profiler.start');
    await work();
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    return summarizeProfile(profile);
  } finally {
    session.disconnect();
  }
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const functions = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);

  let at = profile.startTime;
  const stamps = profile.timeDeltas.map((d) => (at += d));
  for (let i = 0; i < profile.samples.length; i++) {
    const us = (i + 1 < stamps.length ? stamps[i + 1]! : profile.endTime) - stamps[i]!;
    const leaf = byId.get(profile.samples[i]!);
    if (!leaf || us <= 0) continue;
    add(self, areaOf(leaf.callFrame), us);
    add(functions, functionLabel(leaf.callFrame), us);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (frame.functionName === '(root)') continue;
      const area = areaOf(frame);
      if (!seen.has(area)) {
        seen.add(area);
        add(inclusive, area, us);
      }
    }
  }
  const sorted = (map: Map<string, number>) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).map(([key, us]) => [key, Math.round(us / 10) / 100] as const);
  return {
    totalMs: Math.round((profile.endTime - profile.startTime) / 10) / 100,
    selfByArea: sorted(self).map(([area, ms]) => ({ area, ms })),
    inclusiveByArea: sorted(inclusive).map(([area, ms]) => ({ area, ms })),
    topFunctions: sorted(functions)
      .slice(0, 12)
      .map(([fn, ms]) => ({ fn, ms })),
  };
}

/** Where a frame's code lives, coarse enough to read at a glance. */
function areaOf(frame: { functionName: string; url: string }): string {
  const { functionName, url } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle (waiting: I/O, timers, child)';
  if (functionName === '(program)') return 'V8 (compile, parse, bootstrap)';
  if (url === '') return `native: ${functionName || '(anonymous)'}`;
  if (url.startsWith('node:internal/modules') || url.startsWith('node:internal/vm')) return 'node: module loader';
  if (url.startsWith('node:')) return `node: ${url.slice(5).replace(/^internal\//, '').split('/')[0]}`;
  const file = url.replace(/^file:\/\//, '');
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (pkg) return `npm: ${pkg[1]}`;
  const rel = path.relative(REPO_ROOT, file);
  const own = /^(?:dist|dist-bench)\/(?:src\/)?(.*)$/.exec(rel);
  if (own) return `agentrun: ${own[1]!.replace(/\/[^/]+$/, '/')}`;
  return rel.startsWith('..') ? file : rel;
}

function functionLabel(frame: { functionName: string; url: string; lineNumber: number }): string {
  const name = frame.functionName || '(anonymous)';
  if (frame.url === '') return name;
  const file = frame.url.replace(/^file:\/\//, '');
  const rel = file.startsWith(REPO_ROOT) ? path.relative(REPO_ROOT, file) : file;
  return `${name} ${rel.replace(/^.*node_modules\//, '')}:${frame.lineNumber + 1}`;
}

/** A readable block for the report. */
export function formatProfile(title: string, summary: ProfileSummary, top = 10): string {
  const lines = [`${title} (sampled ${summary.totalMs} ms)`];
  lines.push('  self time by area:');
  for (const { area, ms } of summary.selfByArea.slice(0, top)) lines.push(`    ${ms.toFixed(1).padStart(8)} ms  ${area}`);
  lines.push('  inclusive time by area (on the stack):');
  for (const { area, ms } of summary.inclusiveByArea.slice(0, top)) lines.push(`    ${ms.toFixed(1).padStart(8)} ms  ${area}`);
  lines.push('  hottest functions (self):');
  for (const { fn, ms } of summary.topFunctions.slice(0, 8)) lines.push(`    ${ms.toFixed(1).padStart(8)} ms  ${fn}`);
  return lines.join('\n');
}
