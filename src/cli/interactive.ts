/** What a person said on the command line about prompting: `--no-input` (input: false) and `--yes`. */
export interface AttendedOptions {
  input?: boolean;
  yes?: boolean;
}

/** CI set to anything but "false"/"0": nobody is watching, whatever the terminal says. */
function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.CI && env.CI !== 'false' && env.CI !== '0');
}

/**
 * Whether a person is at the keyboard: both ends are terminals, not CI, and not told otherwise (`--no-input`,
 * `--yes`). Unattended runs never prompt, and get no spinners or colour.
 */
export function isInteractive(options: AttendedOptions = {}): boolean {
  if (options.input === false || options.yes) return false;
  if (inCi()) return false;
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/**
 * Whether to colour what goes to `stream`. The same rules as prompting (no colour in CI or with `--no-input`/`--yes`),
 * judged by the stream written to, so `agentrun status | less` gets plain text. `NO_COLOR` (any non-empty value;
 * `--no-color` sets it) always wins; `FORCE_COLOR` asks for colour even in a pipe.
 */
export function useColour(stream: NodeJS.WriteStream, options: AttendedOptions = {}, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (options.input === false || options.yes || inCi(env)) return false;
  if (env.TERM === 'dumb') return false;
  return Boolean(stream.isTTY);
}
