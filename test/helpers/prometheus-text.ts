/** One sample line of the Prometheus text exposition format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the text exposition format (version 0.0.4) into samples, so tests assert on series and
 * values rather than on substrings: comments skipped, label values unescaped (\\ \" \n), the
 * special values NaN and ±Inf understood. Throws on a line it cannot read.
 */
export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( \d+)?$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    out.push({ name: m[1]!, labels: m[2] ? parseLabels(m[2]) : {}, value: parseValue(m[3]!) });
  }
  return out;
}

function parseValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  // prom-client writes NaN as "Nan" (an event-loop percentile before any sample); Prometheus reads
  // the special values case-insensitively (Go's ParseFloat), so both spellings are a valid NaN.
  if (s.toLowerCase() === 'nan') return NaN;
  const n = Number(s);
  if (Number.isNaN(n)) throw new Error(`not a sample value: ${s}`);
  return n;
}

function parseLabels(block: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 1;
  while (i < block.length - 1) {
    const eq = block.indexOf('=', i);
    const name = block.slice(i, eq).trim();
    if (block[eq + 1] !== '"') throw new Error(`label ${name} without a quoted value: ${block}`);
    let value = '';
    let j = eq + 2;
    for (; block[j] !== '"'; j++) {
      if (j >= block.length) throw new Error(`unterminated label value: ${block}`);
      if (block[j] === '\\') {
        j++;
        value += block[j] === 'n' ? '\n' : block[j];
      } else value += block[j];
    }
    labels[name] = value;
    i = j + 1;
    if (block[i] === ',') i++;
  }
  return labels;
}

/** The samples of one metric whose labels are exactly `labels`. */
export function samplesOf(samples: readonly Sample[], name: string): Sample[] {
  return samples.filter((s) => s.name === name);
}

/** The value of the series `name{labels}` (labels matched exactly), or undefined when absent. */
export function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).sort();
  const hit = samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(want));
  return hit?.value;
}
