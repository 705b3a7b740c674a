import type { Ora } from 'ora';
import type { RunEvent } from '../../engine/events.js';
import { eventLine, oneLine, withoutStepPrefix } from './event-line.js';
import { count, type Style } from './style.js';
import { terminalSafe } from './terminal-text.js';
import { clock, duration } from './time.js';

/** How a run's progress is shown on stderr: plain log lines, or a spinner view on a terminal. */
export interface ProgressView {
  onEvent(event: RunEvent): void;
  /** Around a prompt: nothing may draw over it. */
  pause(): void;
  resume(): void;
  /** Ends the view (idempotent); the terminal is left as it was. */
  stop(): void;
}

/** One plain log line per event: what cron mails, log files and pipes get. */
export function plainProgress(write: (line: string) => void = (line) => process.stderr.write(`${terminalSafe(line)}\n`)): ProgressView {
  return {
    onEvent(event) {
      const line = eventLine(event);
      if (line) write(line);
    },
    pause() {},
    resume() {},
    stop() {},
  };
}

export interface SpinnerOptions {
  style: Style;
  /** Tokens the task had used before this run, so the count matches `status`. */
  tokensBefore: number;
  /** Steps completed by earlier runs, shown ticked when the run resumes. */
  doneBefore: { n: number; total: number; name: string; result: string | null }[];
}

/**
 * The terminal view: a spinner for the current step with its elapsed time and the task's tokens so far, e.g.
 * `⠹ step 3/7 summarise · 12.4s · 3,210 tokens`, and a persistent line per finished step
 * (`✓ step 3/7 summarise — first line of result`, `✗` for a failure). ora is loaded only here.
 */
export async function spinnerProgress(options: SpinnerOptions): Promise<ProgressView> {
  const { default: ora } = await import('ora');
  return new SpinnerView(ora, options);
}

interface CurrentStep {
  n: number;
  total: number;
  name: string;
  startedAt: number;
}

class SpinnerView implements ProgressView {
  private readonly spinner: Ora;
  private readonly style: Style;
  private tokens: number;
  private readonly runStartedAt = Date.now();
  private step: CurrentStep | undefined;
  /** What the spinner says between steps: "planning", "writing the final result". */
  private phase = 'starting';
  private phaseStartedAt = Date.now();
  /** The latest thing that happened inside the step: a tool call, an LLM turn, a retry. */
  private detail = '';
  private paused = false;
  private stopped = false;
  private readonly ticker: NodeJS.Timeout;
  private readonly restoreStderr: () => void;

  constructor(
    ora: typeof import('ora').default,
    private readonly options: SpinnerOptions,
  ) {
    this.style = options.style;
    this.tokens = options.tokensBefore;
    // ora writes through its own handle on stderr, so every other write to stderr can be told apart (below).
    const stderr = process.stderr;
    const rawWrite = stderr.write.bind(stderr);
    const spinnerStream = Object.create(stderr, { write: { value: rawWrite } }) as NodeJS.WriteStream;
    this.spinner = ora({ stream: spinnerStream, discardStdin: false, isEnabled: true, color: this.style.enabled ? 'cyan' : false });
    // Anything else written to stderr while the spinner shows (the SIGINT notice, a warning) first clears the
    // spinner's line, so it is not drawn over; the next frame redraws the spinner below it.
    const spinner = this.spinner;
    stderr.write = ((...args: unknown[]) => {
      if (spinner.isSpinning) spinner.clear();
      return Reflect.apply(rawWrite, stderr, args) as boolean;
    }) as typeof stderr.write;
    this.restoreStderr = () => {
      stderr.write = rawWrite;
    };
    this.ticker = setInterval(() => this.refresh(), 100);
    this.ticker.unref();
  }

  onEvent(event: RunEvent): void {
    const { style } = this;
    switch (event.type) {
      case 'task-started':
        this.persist(style.dim('▶'), `${event.resumed ? 'resuming' : 'starting'} ${style.bold(event.taskId)}: ${oneLine(event.goal, this.room(20 + event.taskId.length))}`);
        if (event.resumed) for (const s of this.options.doneBefore) this.persist(style.dim('✓'), style.dim(`step ${s.n}/${s.total} ${s.name} — ${firstLine(s.result ?? '')} (earlier run)`));
        this.setPhase(event.resumed ? 'resuming' : 'planning');
        return;
      case 'planned':
        this.persist(style.dim('·'), style.dim(`planned ${event.steps.length} ${event.steps.length === 1 ? 'step' : 'steps'}${event.byLlm ? ' (by the LLM)' : ''}: ${event.steps.map((s) => s.name).join(' → ')}`));
        return;
      case 'step-started':
        this.step = { n: event.n, total: event.total, name: event.name, startedAt: Date.now() };
        this.detail = event.attempt > 1 ? `attempt ${event.attempt}` : '';
        this.show();
        return;
      case 'llm-request':
        if (!event.replayed) this.tokens += event.tokens;
        this.detail = event.replayed ? `turn ${event.turn} replayed from the journal` : `turn ${event.turn}`;
        return;
      case 'tool-call':
        this.detail = `${event.tool} ${event.outcome}`;
        return;
      case 'retrying':
        this.detail = style.yellow(`LLM call failed (${event.reason}); retry ${event.attempt} in ${(event.delayMs / 1000).toFixed(1)}s`);
        return;
      case 'warning':
        this.persist(style.yellow('!'), style.yellow(event.message));
        return;
      case 'memory-recalled':
        this.persist(style.dim('·'), style.dim(`recalled ${event.count} memories from earlier tasks`));
        return;
      case 'step-completed': {
        const took = this.step ? ` ${style.dim(`(${duration(Date.now() - this.step.startedAt)})`)}` : '';
        const head = `step ${event.n}/${event.total} ${event.name}`;
        this.persist(style.green('✓'), `${head}${took} — ${firstLine(event.result, this.room(head.length + 16))}`);
        this.step = undefined;
        this.setPhase(event.n === event.total ? 'writing the final result' : 'next step');
        return;
      }
      case 'step-failed': {
        const head = `step ${event.n}${this.step ? `/${this.step.total}` : ''} ${event.name}`;
        this.persist(style.red('✗'), `${head} — ${style.red(firstLine(withoutStepPrefix(event.error), this.room(head.length + 6)))}`);
        this.step = undefined;
        return;
      }
      case 'hook': {
        // Hooks run after the run's end, when the live view has stopped: a plain line of its own.
        const symbol = event.ok ? style.green('✓') : style.yellow('!');
        process.stderr.write(`${symbol} ${event.ok ? `hook on ${event.event} ran` : style.yellow(`hook on ${event.event} failed: ${oneLine(event.output, this.room(30))}`)}\n`);
        return;
      }
      case 'task-finished':
        if (this.step && event.status !== 'completed') {
          this.persist(style.yellow('■'), style.yellow(`step ${this.step.n}/${this.step.total} ${this.step.name} — stopped (${event.status}) after ${duration(Date.now() - this.step.startedAt)}`));
        } else if (event.status === 'completed') {
          const tokens = this.tokens > 0 ? ` · ${count(this.tokens)} tokens` : '';
          this.persist(style.green('✓'), style.green(`completed in ${duration(Date.now() - this.runStartedAt)}${tokens}`));
        }
        this.step = undefined;
        this.stop();
        return;
    }
  }

  pause(): void {
    this.paused = true;
    if (this.spinner.isSpinning) this.spinner.stop();
  }

  resume(): void {
    this.paused = false;
    this.show();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.ticker);
    if (this.spinner.isSpinning) this.spinner.stop();
    this.restoreStderr();
  }

  private setPhase(phase: string): void {
    this.phase = phase;
    this.phaseStartedAt = Date.now();
    this.detail = '';
    this.show();
  }

  /** A line that stays, above the spinner. */
  private persist(symbol: string, text: string): void {
    if (this.stopped) return;
    this.spinner.stopAndPersist({ symbol, text: terminalSafe(text) });
    this.show();
  }

  private show(): void {
    if (this.stopped || this.paused) return;
    this.spinner.text = terminalSafe(this.line());
    if (!this.spinner.isSpinning) this.spinner.start();
  }

  private refresh(): void {
    if (this.stopped || this.paused || !this.spinner.isSpinning) return;
    this.spinner.text = terminalSafe(this.line());
  }

  /** `step 3/7 summarise · 12.4s · 3,210 tokens · write_file done`, cut to the terminal's width. */
  private line(): string {
    const { style } = this;
    const parts = this.step
      ? [`step ${this.step.n}/${this.step.total} ${this.step.name}`, clock(Date.now() - this.step.startedAt)]
      : [this.phase, clock(Date.now() - this.phaseStartedAt)];
    if (this.tokens > 0) parts.push(`${count(this.tokens)} tokens`);
    const main = parts.join(' · ');
    // Cut the detail first; the step and its clock always show.
    const room = this.room(0);
    if (main.length >= room) return oneLine(main, room);
    const detailRoom = room - main.length - 3;
    if (!this.detail || detailRoom < 8) return main;
    const detail = stripped(this.detail).length > detailRoom ? style.dim(oneLine(stripped(this.detail), detailRoom)) : this.detail;
    return `${main} ${style.dim('·')} ${detail}`;
  }

  /** Columns left for text after the spinner's symbol and `used` more. */
  private room(used: number): number {
    return Math.max(20, (process.stderr.columns ?? 80) - 3 - used);
  }
}

function firstLine(text: string, max = 100): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return oneLine(line, max);
}

// eslint-disable-next-line no-control-regex
const stripped = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');
