/**
 * A small validator for the OpenAPI 3.0 schemas the API declares (the subset @nestjs/swagger
 * emits: $ref, allOf/oneOf/anyOf, type, nullable, enum, required, properties, items, format).
 * An allowed cell of the access matrix must answer a body its own operation documents.
 */
type Schema = Record<string, any>;

export interface OpenApiDoc {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>; security?: unknown[] }>>;
  components?: { schemas?: Record<string, Schema> };
}

const FORMATS: Record<string, RegExp> = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
};

export function validate(doc: OpenApiDoc, schema: Schema, value: unknown, at = '$'): string[] {
  if (schema.$ref) {
    const name = String(schema.$ref).replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name];
    return target ? validate(doc, target, value, at) : [`${at}: unknown schema ${schema.$ref}`];
  }
  if (value === null) return schema.nullable || schema.type === 'null' || (!schema.type && !schema.properties && !schema.allOf && !schema.oneOf && !schema.anyOf) ? [] : [`${at}: null where ${schema.type ?? 'a value'} is declared`];
  if (schema.allOf) return schema.allOf.flatMap((s: Schema) => validate(doc, s, value, at));
  const alternatives: Schema[] | undefined = schema.oneOf ?? schema.anyOf;
  if (alternatives) {
    const results = alternatives.map((s) => validate(doc, s, value, at));
    if (!results.some((r) => r.length === 0)) return [`${at}: matches none of ${alternatives.length} alternatives (${results.map((r) => r[0]).join(' | ')})`];
  }
  const errors: string[] = [];
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: expected an object`];
      const record = value as Record<string, unknown>;
      for (const key of schema.required ?? []) if (!(key in record)) errors.push(`${at}.${key}: required but missing`);
      for (const [key, sub] of Object.entries<Schema>(schema.properties ?? {})) {
        if (record[key] !== undefined) errors.push(...validate(doc, sub, record[key], `${at}.${key}`));
      }
      break;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${at}: expected an array`];
      if (schema.items) value.forEach((item, i) => errors.push(...validate(doc, schema.items, item, `${at}[${i}]`)));
      break;
    case 'string':
      if (typeof value !== 'string') return [`${at}: expected a string, got ${typeof value}`];
      if (schema.format && FORMATS[schema.format] && !FORMATS[schema.format].test(value)) errors.push(`${at}: ${value} is not a ${schema.format}`);
      break;
    case 'integer':
      if (!Number.isInteger(value)) errors.push(`${at}: expected an integer`);
      break;
    case 'number':
      if (typeof value !== 'number') errors.push(`${at}: expected a number`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${at}: expected a boolean`);
      break;
  }
  return errors;
}

/** Problems with a 2xx answer of an operation, judged by the responses its document declares. */
export function checkResponse(doc: OpenApiDoc, op: string, status: number, contentType: string | undefined, body: unknown): string[] {
  const [method, path] = op.split(' ');
  const responses = doc.paths[path]?.[method.toLowerCase()]?.responses ?? {};
  const declared = responses[String(status)] ?? responses[`${String(status)[0]}XX`];
  if (!declared) return [`status ${status} is not declared in the OpenAPI document`];
  // No body declared (204, or a health probe's description only): nothing to hold the answer to.
  if (!declared.content) return [];
  const type = (contentType ?? '').split(';')[0].trim();
  const media = declared.content[type];
  if (!media) return [`content type ${type || '(none)'} is not one of ${Object.keys(declared.content).join(', ')}`];
  return media.schema && type === 'application/json' ? validate(doc, media.schema, body) : [];
}

/** Whether the document declares this error status for the operation (CONTRACT.md: every error status is declared). */
export function declaresStatus(doc: OpenApiDoc, op: string, status: number): boolean {
  const [method, path] = op.split(' ');
  return String(status) in (doc.paths[path]?.[method.toLowerCase()]?.responses ?? {});
}
