import { Option, type Command, type CommandUnknownOpts } from '@commander-js/extra-typings';

/**
 * What every command module needs to plug itself into the program. A command module
 * (`src/cli/commands/<name>.ts`) declares its arguments and options with commander (typed by
 * @commander-js/extra-typings, so the options a run function receives are exactly the declared ones) and, in its
 * `.action()`, only tidies the parsed values and lazy-imports its run function from `src/cli/actions/<name>.ts`:
 * loading the program never loads a command's dependencies.
 */
export interface CommandContext {
  /** Records the exit code the entry point ends the process with; nothing else decides it. */
  exit(code: number): void;
  /** SIGINT/SIGTERM as an AbortSignal for commands that run tasks (the handlers are installed on the first call). */
  interruptSignal(): AbortSignal;
}

/** The program a command registers itself on. */
export type Program = CommandUnknownOpts;

/** What a command module exports. */
export type RegisterCommand = (program: Program, context: CommandContext) => void;

/** The parsed options of a declared command, as its run function receives them. */
export type OptionsOf<C> = C extends Command<any[], infer Opts, any> ? Opts : never;

/** Options several commands share, declared once so their spelling and help text cannot drift. */
export const sharedOptions = {
  db: () => new Option('--db <path>', 'database file (default: $AGENTRUN_DB or the user data directory)'),
  json: (what = 'print the outcome as JSON') => new Option('--json', what),
  noInput: () => new Option('--no-input', 'never prompt; stop as needs-attention instead (implied without a terminal or with CI set)'),
  unattended: () => new Option('-y, --yes', 'unattended: never prompt, like --no-input (nothing is approved on your behalf)'),
  confirmed: () => new Option('-y, --yes', 'do not ask for confirmation'),
};

/** The examples section of a command's help. */
export function examples(...lines: string[]): string {
  return `\n${lines.length === 1 ? 'Example' : 'Examples'}:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}
