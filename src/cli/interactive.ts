/**
 * Whether a person is at the keyboard: both ends are terminals, not CI, and not told otherwise (`--no-input`,
 * `--yes`). Unattended runs never prompt, and get no spinners or colour.
 */
export function isInteractive(options: { input?: boolean; yes?: boolean } = {}): boolean {
  if (options.input === false || options.yes) return false;
  if (process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0') return false;
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}
