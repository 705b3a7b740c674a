/**
 * Aligns rows into columns. The `flex` column (the goal, usually) takes what the terminal width leaves and is
 * cut with an ellipsis; others keep their natural width. Cells may carry colour codes: widths count what shows.
 * A column that is empty in every row and in its header is left out.
 */
export function renderTable(
  headers: string[],
  rows: string[][],
  options: { flex?: number; width?: number; align?: Record<number, 'left' | 'right'> } = {},
): string {
  const width = options.width ?? 120;
  const widths = headers.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const shown = widths.map((w, i) => i).filter((i) => widths[i]! > 0);
  const flex = options.flex;
  if (flex !== undefined && widths[flex] !== undefined) {
    const others = shown.reduce((sum, i) => (i === flex ? sum : sum + widths[i]! + 2), 0);
    widths[flex] = Math.max(10, Math.min(widths[flex], width - others));
  }
  const last = shown.at(-1);
  const line = (cells: string[]) =>
    shown
      .map((i) => {
        const cell = cells[i] ?? '';
        const w = widths[i]!;
        const fitted = visibleLength(cell) > w ? `${stripAnsi(cell).slice(0, w - 1)}…` : cell;
        const pad = ' '.repeat(Math.max(0, w - visibleLength(fitted)));
        if (options.align?.[i] === 'right') return pad + fitted;
        return i === last ? fitted : fitted + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}
export function visibleLength(text: string): number {
  return stripAnsi(text).length;
}
