/**
 * The operations of the OpenAPI document, in the shape the fuzzer needs: where each takes
 * path ids, query parameters, headers and a JSON body, and what schema describes them.
 */
export type Schema = Record<string, any>;

export interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface RawParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

interface RawOperation {
  parameters?: RawParameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  security?: unknown[];
}

export interface Parameter {
  name: string;
  schema: Schema;
  required: boolean;
}

export interface Operation {
  /** `POST /api/v1/cases/{id}` */
  key: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  /** the first segment after the version (`cases`, `referrals` …), or `health` */
  group: string;
  pathParams: Parameter[];
  query: Parameter[];
  headers: Parameter[];
  body?: Schema;
  isPublic: boolean;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = (op.parameters ?? []).map((p) => ({ in: p.in, name: p.name, schema: p.schema ?? { type: 'string' }, required: !!p.required }));
      const segments = path.replace(/^\/api\/v\d+/, '').replace(/^\//, '').split('/');
      out.push({
        key: `${method.toUpperCase()} ${path}`,
        method,
        path,
        group: segments[0] === 'public' ? `public/${segments[1]}` : segments[0],
        pathParams: params.filter((p) => p.in === 'path'),
        query: params.filter((p) => p.in === 'query'),
        headers: params.filter((p) => p.in === 'header'),
        body: op.requestBody?.content?.['application/json']?.schema,
        isPublic: Array.isArray(op.security) && op.security.length === 0,
      });
    }
  }
  return out;
}

/** Follows `$ref` and single-element `allOf` (how @nestjs/swagger describes a nested DTO). */
export function resolve(doc: OpenApiDocument, schema: Schema | undefined): Schema {
  let current = schema ?? {};
  for (let i = 0; i < 10; i++) {
    if (current.$ref) {
      const name = String(current.$ref).replace('#/components/schemas/', '');
      const { $ref: _ref, ...rest } = current;
      current = { ...rest, ...(doc.components?.schemas?.[name] ?? {}) };
    } else if (Array.isArray(current.allOf) && current.allOf.length === 1) {
      const { allOf, ...rest } = current;
      current = { ...rest, ...allOf[0] };
    } else {
      break;
    }
  }
  return current;
}
