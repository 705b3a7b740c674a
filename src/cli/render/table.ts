/**
 * Aligns rows into columns. The `flex` column (the goal, usually) takes what the terminal width leaves and is
 * cut with an ellipsis; others keep their natural width.
 */
export function renderTable(headers: string[], rows: string[][], options: { flex?: number; width?: number } = {}): string {
  const width = options.width ?? 120;
  const widths = headers.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const flex = options.flex;
  if (flex !== undefined) {
    const others = widths.reduce((sum, w, i) => (i === flex ? sum : sum + w + 2), 0);
    widths[flex] = Math.max(10, Math.min(widths[flex]!, width - others));
  }
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const w = widths[i]!;
        const fitted = i === flex && visibleLength(cell) > w ? `${cell.slice(0, w - 1)}…` : cell;
        return i === cells.length - 1 ? fitted : fitted + ' '.repeat(Math.max(0, w - visibleLength(fitted)));
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}
