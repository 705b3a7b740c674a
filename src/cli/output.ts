/** Where a command writes: results and JSON to stdout, progress and messages to stderr (so pipes get only results). */
export const output = {
  result(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  },
  json(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  },
  info(text: string): void {
    process.stderr.write(`${text}\n`);
  },
};
