/**
 * The admin API reference: the OpenAPI head the daemon serves at `GET /api/openapi.json`
 * (@fastify/swagger fills in the paths from the routes' TypeBox schemas), and `apiReference()`,
 * which renders that document as Markdown for `docs/admin-api.md` — one source, so the page cannot
 * drift from what the daemon validates (test/admin-api-reference.test.ts compares them). Pure.
 */

export function openApiInfo(version: string) {
  return {
    openapi: '3.0.3',
    info: {
      title: 'omnisep admin API',
      version,
      description: 'The same routes on the control socket (no token; the socket is mode 0600) and on the TCP admin listener (TLS, Authorization: Bearer <one of admin.api_keys>). Errors are {"error", "code"}.',
    },
    components: { securitySchemes: { bearer: { type: 'http' as const, scheme: 'bearer', description: 'one of admin.api_keys (TCP listener only)' } } },
    security: [{ bearer: [] }],
  };
}

interface Schema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  additionalProperties?: boolean | Schema;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
  description?: string;
}

interface Operation {
  summary?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}

export interface OpenApiDocument {
  info: { title: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
}

/** A schema in a few words: `string (15 digits)`, `integer 0–2`, `object {a, b?}`, `array of object`. */
export function describeSchema(s: Schema | undefined, depth = 0): string {
  if (!s) return '';
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return alt.map((x) => describeSchema(x, depth)).join(' \\| ');
  const type = Array.isArray(s.type) ? s.type.join('/') : (s.type ?? 'any');
  if (type === 'array') return `array of ${describeSchema(s.items, depth + 1) || 'any'}`;
  if (type === 'object' && s.properties) {
    if (depth > 0) return 'object';
    const req = new Set(s.required ?? []);
    return `object {${Object.keys(s.properties).map((k) => (req.has(k) ? k : `${k}?`)).join(', ')}}`;
  }
  const bounds: string[] = [];
  if (s.minimum !== undefined || s.maximum !== undefined) bounds.push(`${s.minimum ?? ''}–${s.maximum ?? ''}`);
  if (s.minLength !== undefined && s.minLength === s.maxLength) bounds.push(`${s.minLength} chars`);
  else if (s.maxLength !== undefined) bounds.push(`≤ ${s.maxLength} chars`);
  if (s.pattern) bounds.push(`\`${s.pattern}\``);
  return bounds.length ? `${type} (${bounds.join(', ')})` : type;
}

const cell = (t: string | undefined) => (t ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

function fieldsTable(s: Schema | undefined): string[] {
  if (!s?.properties) return [];
  const req = new Set(s.required ?? []);
  return [
    '| field | type | required | description |',
    '|---|---|---|---|',
    ...Object.entries(s.properties).map(([k, v]) => `| \`${k}\` | ${describeSchema(v, 1)} | ${req.has(k) ? 'yes' : ''} | ${cell(v.description)} |`),
  ];
}

/** docs/admin-api.md from the OpenAPI document: one section per route, in path order. */
export function apiReference(doc: OpenApiDocument): string {
  const out = [
    '# Admin API reference',
    '',
    '<!-- Generated from GET /api/openapi.json (the routes\' TypeBox schemas); do not edit by hand.',
    '     Regenerate: UPDATE_GOLDEN=1 node test/run.mjs admin-api-reference -->',
    '',
    cell(doc.info.description),
    '',
    'The machine-readable form is served by the daemon itself: `curl --unix-socket DATA_DIR/omnisep.sock http://localhost/api/openapi.json`, or over the admin listener with the bearer token.',
    '',
    '## Routes',
    '',
    '| method | path | summary |',
    '|---|---|---|',
  ];
  const ops: Array<[string, string, Operation]> = [];
  for (const path of Object.keys(doc.paths).sort()) {
    for (const [method, op] of Object.entries(doc.paths[path]!)) ops.push([method.toUpperCase(), path, op]);
  }
  for (const [method, path, op] of ops) out.push(`| ${method} | \`${path}\` | ${cell(op.summary)} |`);
  for (const [method, path, op] of ops) {
    out.push('', `### ${method} ${path}`, '', cell(op.summary) || '(no summary)', '');
    const params = op.parameters ?? [];
    if (params.length) {
      out.push('| parameter | in | type | required | description |', '|---|---|---|---|---|');
      for (const p of params) out.push(`| \`${p.name}\` | ${p.in} | ${describeSchema(p.schema, 1)} | ${p.required ? 'yes' : ''} | ${cell(p.description ?? p.schema?.description)} |`);
      out.push('');
    }
    const body = op.requestBody?.content?.['application/json']?.schema;
    if (body) out.push('Request body (JSON):', '', ...(fieldsTable(body).length ? fieldsTable(body) : [describeSchema(body)]), '');
    for (const [code, r] of Object.entries(op.responses ?? {})) {
      const schema = r.content?.['application/json']?.schema;
      if (code.startsWith('2')) {
        out.push(`Answer ${code}: ${describeSchema(schema)}`, '');
        const t = fieldsTable(schema);
        if (t.length) out.push(...t, '');
      }
    }
    const errs = Object.keys(op.responses ?? {}).filter((c) => !c.startsWith('2'));
    if (errs.length) out.push(`Errors: ${errs.join(', ')} with \`{"error", "code"}\`.`, '');
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
