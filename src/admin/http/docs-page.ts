/**
 * /api/docs: the OpenAPI document rendered as one static HTML page on the server (no script, so
 * the strict content security policy holds), each operation with its parameters and bodies.
 */
export function docsPage(doc: Record<string, unknown>): string {
  const info = doc.info as { title: string; version: string; description: string };
  const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = (op.tags as string[])[0] ?? 'Other';
      const params = (op.parameters as { name: string; in: string; required: boolean; description?: string }[])
        .map((p) => `<li><code>${esc(p.name)}</code> (${p.in}${p.required ? ', required' : ''})${p.description ? ` – ${esc(p.description)}` : ''}</li>`).join('');
      const body = (op.requestBody as { content: Record<string, { schema: unknown }> } | undefined)?.content['application/json']?.schema;
      const ok = Object.entries(op.responses as Record<string, { content?: Record<string, { schema: unknown }> }>).find(([c]) => c < '300');
      const resp = ok?.[1].content ? Object.entries(ok[1].content)[0] : undefined;
      const security = (op.security as unknown[]).length ? '' : ' <em>(no sign-in)</em>';
      (byTag.get(tag) ?? byTag.set(tag, []).get(tag)!).push(`<details><summary><b>${method.toUpperCase()}</b> <code>/api/v1${esc(path)}</code> – ${esc(String(op.summary))}${security}</summary>
${params ? `<p>Parameters</p><ul>${params}</ul>` : ''}${body ? `<p>Request body</p><pre>${esc(JSON.stringify(body, null, 2))}</pre>` : ''}
<p>Response ${ok?.[0] ?? ''}${resp ? ` (${esc(resp[0])})` : ''}</p>${resp ? `<pre>${esc(JSON.stringify(resp[1].schema, null, 2))}</pre>` : ''}</details>`);
    }
  }
  const sections = [...byTag].map(([tag, ops]) => `<h2>${esc(tag)}</h2>${ops.join('\n')}`).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(info.title)}</title>
<style>body{font:15px/1.4 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:.5rem;overflow:auto;font-size:12px}details{margin:.3rem 0}summary{cursor:pointer}</style></head>
<body><h1>${esc(info.title)} ${esc(info.version)}</h1><p>${esc(info.description)}</p><p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1)</p>
${sections}</body></html>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
