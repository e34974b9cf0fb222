/** Prints rows as an aligned table for people, or as JSON for scripts (`--json`). */
export function printRows<T extends object>(rows: readonly T[], columns: readonly (keyof T & string)[], json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cells = rows.map((r) => columns.map((c) => formatCell((r as Record<string, unknown>)[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
  process.stdout.write(line(columns.map((c) => c)));
  for (const row of cells) process.stdout.write(line(row));
}

export function printObject(obj: object, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(obj, null, 2) + '\n');
    return;
  }
  const entries = Object.entries(obj);
  const width = Math.max(...entries.map(([k]) => k.length));
  for (const [k, v] of entries) process.stdout.write(`${k.padEnd(width)}  ${formatCell(v)}\n`);
}

function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
