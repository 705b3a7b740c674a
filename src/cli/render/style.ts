import { useColour, type AttendedOptions } from '../interactive.js';

type Paint = (text: string) => string;

/** The few colours the CLI uses. Plain (identity) without a terminal, so renderers never need to ask. */
export interface Style {
  readonly enabled: boolean;
  green: Paint;
  red: Paint;
  yellow: Paint;
  cyan: Paint;
  dim: Paint;
  bold: Paint;
}

const same: Paint = (text) => text;
export const plain: Style = { enabled: false, green: same, red: same, yellow: same, cyan: same, dim: same, bold: same };

/**
 * The style for one output stream. chalk is imported only when colour is on, so a pipe, cron or `--version` never
 * loads it.
 */
export async function styleFor(stream: NodeJS.WriteStream, options: AttendedOptions = {}): Promise<Style> {
  if (!useColour(stream, options)) return plain;
  const { Chalk } = await import('chalk');
  const chalk = new Chalk({ level: colourLevel(stream) });
  return { enabled: true, green: chalk.green, red: chalk.red, yellow: chalk.yellow, cyan: chalk.cyan, dim: chalk.dim, bold: chalk.bold };
}

/** 1 = 16 colours, 2 = 256, 3 = truecolor; at least 1, since colour was asked for. */
function colourLevel(stream: NodeJS.WriteStream): 1 | 2 | 3 {
  const forced = Number(process.env.FORCE_COLOR);
  if (forced === 2 || forced === 3) return forced;
  const depth = stream.isTTY ? stream.getColorDepth() : 4;
  return depth >= 24 ? 3 : depth >= 8 ? 2 : 1;
}

/**
 * A task status in its colour: done green, failed red, waiting for someone yellow, busy cyan, cancelled dim.
 * `label` replaces the word shown (e.g. "running (stale)"), keeping the status's colour unless `stale`.
 */
export function paintStatus(style: Style, status: string, label = status, stale = false): string {
  if (stale) return style.yellow(label);
  switch (status) {
    case 'completed':
      return style.green(label);
    case 'failed':
      return style.red(label);
    case 'interrupted':
    case 'needs-attention':
      return style.yellow(label);
    case 'running':
    case 'planning':
      return style.cyan(label);
    case 'cancelled':
      return style.dim(label);
    default:
      return label;
  }
}

/** Thousands separators for token counts: 3,210. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
