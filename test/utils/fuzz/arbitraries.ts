import * as fc from 'fast-check';
import { OpenApiDocument, Operation, Parameter, resolve, Schema } from './openapi';

/**
 * Generators of bad (and nearly good) requests for one operation of the OpenAPI document:
 * values shaped by the operation's schema with some replaced by the wrong type, strings
 * from the corners of Unicode, prototype-pollution keys, deep nesting, malformed JSON and
 * wrong content types, odd query strings and path ids, and tokens good and bad.
 */

/** A key no object in the api should ever gain from a request: it marks pollution. */
export const POLLUTION_MARK = 'fuzzPolluted';

export interface FuzzContext {
  doc: OpenApiDocument;
  /** ids of rows that exist (cases, referrals, tasks …), so some requests get past the 404 */
  ids: string[];
  /** `Authorization` header values by label: each role's token, and no or broken ones */
  auths: Array<{ label: string; header?: string; weight: number }>;
}

export interface FuzzBody {
  label: string;
  contentType?: string;
  payload?: string | Buffer;
}

export interface FuzzRequest {
  op: Operation;
  method: Operation['method'];
  url: string;
  auth: string;
  headers: Record<string, string>;
  body?: FuzzBody;
}

export const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF', 'a\uD83D', '\uDE00b'];
export const COMBINING = ['e\u0301', 'か\u3099', 'A\u030A\u0323', '\u0301', 'Z\u0335\u0324\u0354\u0367\u0311\u0313'];
export const HALF_WIDTH_KANA = ['ｶﾞ', 'ﾊﾟ', 'ｱｲｳｴｵ', 'ﾔﾏﾀﾞ ﾀﾛｳ', 'ｰ', '\uFF9E', '\uFF9F'];
export const INVISIBLE = ['\u0000', '\u200F', '\u200E', '\u202E', '\u202C', '\u061C', '\uFEFF', '\u200B', '\u200D', '\u2028', '\u3000', '\u00A0'];

/** Strings that have broken software somewhere. */
export const EDGE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  ...LONE_SURROGATES,
  ...COMBINING,
  ...HALF_WIDTH_KANA,
  ...INVISIBLE,
  '\u202Eﾀﾛｳ\u202C山田',
  '山田　太郎',
  '髙橋 𠮷田',
  '👨‍👩‍👧‍👦',
  '１２３',
  '\r\n',
  '\t',
  '\\',
  '"',
  "'",
  "'; DROP TABLE cases; --",
  "' OR '1'='1",
  '%',
  '_',
  '%_\\',
  '$1',
  '${process.exit()}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  'null',
  'undefined',
  'NaN',
  'true',
  '0',
  '-1',
  '1e309',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  '\u{10FFFF}',
  '\uFFFE',
  '\uFFFF',
  'İıß ﬀ ǅ',
];

const HUGE_STRINGS = ['x'.repeat(4001), 'あ'.repeat(70_000), 'e' + '\u0301'.repeat(5000), '\u0000'.repeat(500), '𠮷'.repeat(20_000), 'ｶﾞ'.repeat(3000)];

/** Placeholders for JSON tokens JSON.stringify cannot write (1e999, -0, huge integers). */
const RAW_OPEN = '\uF8FFRAW:';
const RAW_CLOSE = '\uF8FF';
const RAW_TOKENS = ['1e999', '-1e999', '-0', '123456789012345678901234567890', '0.1e-400', '1E+2', '9007199254740993'];
const raw = (token: string) => `${RAW_OPEN}${token}${RAW_CLOSE}`;
const RAW_PATTERN = new RegExp(`"${RAW_OPEN}([^"${RAW_CLOSE}]*)${RAW_CLOSE}"`, 'g');

/** JSON text for a generated value, with the raw placeholders written as bare tokens. */
export function toJson(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(RAW_PATTERN, '$1');
}

/** An object with the given entries as own properties, `__proto__` included (no prototype is set). */
export const own = (entries: Array<[string, unknown]>): Record<string, unknown> => Object.fromEntries(entries);

function nested(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : own([['a', value]]);
  return value;
}
const DEEP_VALUES = [nested(40, 'array'), nested(40, 'object'), nested(1000, 'object'), nested(3000, 'array')];

const POLLUTERS: unknown[] = [
  own([['__proto__', own([[POLLUTION_MARK, true]])]]),
  own([['constructor', own([['prototype', own([[POLLUTION_MARK, true]])]])]]),
  own([['prototype', own([[POLLUTION_MARK, true]])]]),
  own([['__proto__', own([['toString', 'x'], ['valueOf', 1]])]]),
  own([['constructor', 'x']]),
];

const japanese = fc.string({ unit: fc.constantFrom(...'山田太郎花子鈴木髙橋﨑ひきこもりのははカタカナーヴ・　、。①㈱'.split('')), maxLength: 30 });
const oddUnits = fc.constantFrom(...LONE_SURROGATES, ...COMBINING, ...HALF_WIDTH_KANA, ...INVISIBLE, 'a', '山');

/**
 * Units made once: fast-check builds a reverse map of every code point the first time a
 * unit shrinks a value it did not generate, once per unit instance.
 */
const GRAPHEME = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 });
/** Any code point but the surrogates, small ones (controls, NUL) most often. */
const CODE_POINT = fc.nat({ max: 0x10ffff - 0x800 }).map((n) => String.fromCodePoint(n < 0xd800 ? n : n + 0x800));
const texts = new Map<string, fc.Arbitrary<string>>();

/** Text of every kind: printable graphemes, any code point (controls and NUL), the edge list, Japanese, huge. */
export function textArb(maxLength = 40, allowHuge = true): fc.Arbitrary<string> {
  const key = `${maxLength}:${allowHuge}`;
  let arbitrary = texts.get(key);
  if (!arbitrary) texts.set(key, (arbitrary = buildTextArb(maxLength, allowHuge)));
  return arbitrary;
}

function buildTextArb(maxLength: number, allowHuge: boolean): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: GRAPHEME, maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: CODE_POINT, maxLength }) },
    { weight: 3, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
    { weight: 2, arbitrary: japanese },
    { weight: 2, arbitrary: fc.string({ unit: oddUnits, maxLength: 12 }) },
    { weight: allowHuge ? 1 : 0, arbitrary: fc.constantFrom(...HUGE_STRINGS) },
  );
}

const edgeNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1.5, 0.000001, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, -(2 ** 31) - 1, Number.MIN_VALUE, 2 ** 53),
  fc.constantFrom(...RAW_TOKENS).map(raw),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const DATE_EDGES = ['2026-02-30', '2026-13-01', '0000-01-01', '9999-12-31', '+275760-09-13', '2026-1-1', '26-01-01', '2026/01/01', '令和8年1月1日', '２０２６-０１-０１', '2026-01-01T00:00:00Z'];
const DATE_TIME_EDGES = [
  '2026-01-01T25:00:00Z',
  '2026-02-30T00:00:00+09:00',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z',
  '9999-12-31T23:59:59.999999999Z',
  '1969-12-31T23:59:59Z',
  '0001-01-01T00:00:00Z',
  '2026-01-01T00:00:00+99:99',
  '2026-01-01 00:00:00',
  '2026-01-01',
  'now',
  '1700000000',
];

const isoDate = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const isoDateTime = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2040-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const recentDate = fc.integer({ min: -400, max: 400 }).map((days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10));
const recentDateTime = fc.integer({ min: -400 * 24, max: 400 * 24 }).map((hours) => new Date(Date.now() + hours * 3_600_000).toISOString());

const UUID_EDGES = ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '{0190a6b8-9a3c-7c1e-8f00-000000000000}', '0190a6b89a3c7c1e8f00000000000000', '0190A6B8-9A3C-7C1E-8F00-00000000000Z', '0190a6b8-9a3c-7c1e-8f00-000000000000x'];

function uuidArb(ctx: FuzzContext): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: ctx.ids.length ? fc.constantFrom(...ctx.ids) : fc.uuid() },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom(...UUID_EDGES) },
    { weight: 1, arbitrary: ctx.ids.length ? fc.constantFrom(...ctx.ids).map((id) => id.toUpperCase()) : fc.uuid() },
  );
}

/** A value of the wrong type (or a hostile one) where the schema wants something else. */
export function wrongValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(null),
    fc.boolean(),
    edgeNumber,
    textArb(20),
    fc.array(fc.oneof(fc.integer(), fc.string(), fc.constant(null)), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'id', '0', '$where', '__proto__', 'constructor'), fc.oneof(fc.integer(), fc.string()), { maxKeys: 2 }),
    fc.constantFrom(...POLLUTERS),
    fc.constantFrom(...DEEP_VALUES),
  );
}

/** A value following the schema, good or nearly so; each level is sometimes replaced by a wrong one. */
export function valueArb(ctx: FuzzContext, schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const good = goodValue(ctx, resolve(ctx.doc, schema), depth);
  return fc.oneof({ weight: 7, arbitrary: good }, { weight: 1, arbitrary: wrongValue() });
}

function goodValue(ctx: FuzzContext, s: Schema, depth: number, allowHuge = true): fc.Arbitrary<unknown> {
  if (depth > 4) return fc.constant(null);
  if (Array.isArray(s.enum) && s.enum.length) {
    return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...s.enum) }, { weight: 1, arbitrary: fc.constantFrom(...s.enum).map((v) => (typeof v === 'string' ? `${v.toUpperCase()} ` : v)) });
  }
  switch (s.type) {
    case 'string':
      if (s.format === 'uuid') return uuidArb(ctx);
      if (s.format === 'date') return fc.oneof({ weight: 3, arbitrary: recentDate }, { weight: 1, arbitrary: isoDate }, { weight: 1, arbitrary: fc.constantFrom(...DATE_EDGES) });
      if (s.format === 'date-time') return fc.oneof({ weight: 3, arbitrary: recentDateTime }, { weight: 1, arbitrary: isoDateTime }, { weight: 1, arbitrary: fc.constantFrom(...DATE_TIME_EDGES) });
      return fc.oneof({ weight: 3, arbitrary: textArb(Math.min(40, s.maxLength ?? 40), allowHuge) }, { weight: 1, arbitrary: fc.constantFrom(...dateish(s)) });
    case 'number':
    case 'integer': {
      const min = typeof s.minimum === 'number' ? s.minimum : -1000;
      const max = typeof s.maximum === 'number' ? s.maximum : 1000;
      return fc.oneof({ weight: 3, arbitrary: fc.integer({ min: Math.ceil(min), max: Math.max(Math.ceil(min), Math.floor(max)) }) }, { weight: 1, arbitrary: edgeNumber });
    }
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valueArb(ctx, s.items, depth + 1), { maxLength: 4 });
    default:
      if (s.type === 'object' || s.properties) return recordArb(ctx, s, depth);
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Plain strings that look like what a schema without a format often wants (times, dates, codes). */
function dateish(s: Schema): string[] {
  const example = typeof s.example === 'string' ? [s.example] : [];
  return [...example, '08:30', '24:00', '7:5', '2026-08-14', 'kita'];
}

function recordArb(ctx: FuzzContext, s: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = Object.entries<Schema>(s.properties ?? {});
  const model = Object.fromEntries(properties.map(([key, sub]) => [key, valueArb(ctx, sub, depth + 1)]));
  const required: string[] = (s.required ?? []).filter((k: string) => k in model);
  const base = fc.oneof({ weight: 3, arbitrary: fc.record(model, { requiredKeys: required }) }, { weight: 1, arbitrary: fc.record(model, { requiredKeys: [] }) });
  const extra = fc.array(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'municipalityId', 'version', 'extra', 'password'), wrongValue()), { maxLength: 2 });
  return fc.tuple(base, fc.oneof({ weight: 5, arbitrary: fc.constant([] as Array<[string, unknown]>) }, { weight: 1, arbitrary: extra })).map(([value, extras]) => own([...Object.entries(value), ...extras]));
}

const json = (label: string, contentType = 'application/json') => (value: unknown): FuzzBody => ({ label, contentType, payload: toJson(value) });

const MALFORMED_JSON = [
  '{',
  '}',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '[1,2',
  'NaN',
  '{"a":NaN}',
  '{"a":undefined}',
  '{"a":1}{"b":2}',
  '\uFEFF{}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"a":"\\x41"}',
  '{"a":"\t"}',
  '{"a":1,"a":2}',
  `{"__proto__":{"${POLLUTION_MARK}":true}}`,
  `{"constructor":{"prototype":{"${POLLUTION_MARK}":true}}}`,
  `{"a":{"__proto__":{"${POLLUTION_MARK}":true}}}`,
  'null',
  'true',
  '0',
  '"text"',
  '[]',
  '{"a":1e999}',
  '  ',
  '\u0000',
  '/* comment */ {}',
  '{"a":01}',
  '{"a":.5}',
  '{"a":+1}',
];

const BAD_UTF8 = [
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]),
  Buffer.from([0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d]),
];

const WRONG_TYPES: Array<[string, string | Buffer]> = [
  ['text/plain', '{"a":1}'],
  ['application/x-www-form-urlencoded', `a=1&__proto__[${POLLUTION_MARK}]=1&b[c]=2`],
  ['multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--xyz--\r\n'],
  ['application/xml', '<?xml version="1.0"?><a>1</a>'],
  ['application/octet-stream', Buffer.from([0, 1, 2, 255])],
  ['application/json; charset=utf-16', '{"a":1}'],
  ['application/json; charset=iso-8859-1', '{"a":"\u00e9"}'],
  ['APPLICATION/JSON', '{}'],
  ['application/json;;;', '{}'],
  ['application/problem+json', '{}'],
  ['application/vnd.api+json', '{}'],
  ['application/jsonx', '{}'],
  ['*/*', '{}'],
  ['application/json, text/html', '{}'],
  ['text/html; charset="\u00ff"', '{}'],
  ['', '{}'],
  ['application/json', ''],
];

/** What may go in a header value: tab and the printable bytes (Node refuses the rest). */
export function headerSafe(value: string, max = 1000): string {
  return Buffer.from(value, 'utf8').toString('latin1').replace(/[^\t\x20-\x7e\x80-\xff]/g, '').slice(0, max);
}

/** Percent-encodes every byte but the unreserved ones (safe with lone surrogates, unlike encodeURIComponent). */
export function encode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Percent sequences a client should not send, left as they are. */
const RAW_URL_PIECES = ['%', '%zz', '%E3%81', '%C0%AF', '%00', '%2e%2e', '%2F', 'a%2Fb', '..', '.', '+', '%FF%FE', '%25'];

function bodyArb(ctx: FuzzContext, op: Operation): fc.Arbitrary<FuzzBody | undefined> {
  const schema = op.body ? resolve(ctx.doc, op.body) : undefined;
  const shaped = schema ? valueArb(ctx, schema) : fc.constant({});
  const polluted = fc.tuple(shaped, fc.constantFrom(...POLLUTERS), fc.boolean()).map(([value, polluter, nest]) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return polluter;
    const entries = Object.entries(value as Record<string, unknown>);
    if (nest && entries.length) return own([...entries.slice(1), [entries[0][0], polluter]]);
    return own([...entries, ...Object.entries(polluter as Record<string, unknown>)]);
  });
  const truncated = fc.tuple(shaped, fc.nat()).map(([value, n]) => {
    const text = toJson(value);
    return { label: 'truncated JSON', contentType: 'application/json', payload: text.slice(0, Math.max(0, n % Math.max(1, text.length))) };
  });
  const depth = fc.constantFrom(100, 2000, 50_000, 400_000);
  return fc.oneof(
    { weight: op.body ? 10 : 1, arbitrary: shaped.map(json('schema-shaped JSON')) },
    { weight: 2, arbitrary: polluted.map(json('prototype-pollution keys')) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(json('random JSON')) },
    { weight: 1, arbitrary: wrongValue().map(json('wrong type at the root')) },
    { weight: 1, arbitrary: fc.constantFrom(...MALFORMED_JSON).map((payload) => ({ label: 'malformed JSON', contentType: 'application/json', payload })) },
    { weight: 1, arbitrary: truncated },
    { weight: 1, arbitrary: fc.constantFrom(...BAD_UTF8).map((payload) => ({ label: 'invalid UTF-8', contentType: 'application/json', payload })) },
    { weight: 2, arbitrary: fc.constantFrom(...WRONG_TYPES).map(([contentType, payload]) => ({ label: 'wrong content type', contentType, payload })) },
    { weight: 1, arbitrary: fc.tuple(depth, fc.boolean()).map(([n, arr]) => ({ label: `nested ${n} deep`, contentType: 'application/json', payload: arr ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n) })) },
    { weight: 1, arbitrary: fc.constant({ label: 'no body' } as FuzzBody) },
  );
}

function queryValueArb(ctx: FuzzContext, p: Parameter): fc.Arbitrary<string> {
  const s = resolve(ctx.doc, p.schema);
  const plain = goodValue(ctx, s, 3, false).map((v) => (typeof v === 'string' ? v : toJson(v).replace(RAW_PATTERN, '$1')));
  return fc.oneof({ weight: 4, arbitrary: plain }, { weight: 2, arbitrary: textArb(30, false) }, { weight: 1, arbitrary: fc.constantFrom('x'.repeat(2000), 'あ'.repeat(300)) });
}

const MAX_QUERY_LENGTH = 8000;

function queryArb(ctx: FuzzContext, op: Operation): fc.Arbitrary<string> {
  const declared = op.query.map((p) =>
    fc.option(
      fc.tuple(queryValueArb(ctx, p), fc.constantFrom('plain', 'plain', 'plain', 'twice', 'brackets', 'raw')).map(([value, how]) => {
        const key = encode(p.name);
        if (how === 'twice') return `${key}=${encode(value)}&${key}=${encode(value)}1`;
        if (how === 'brackets') return `${key}[]=${encode(value)}&${key}[a]=1`;
        if (how === 'raw') return `${key}=${RAW_URL_PIECES[value.length % RAW_URL_PIECES.length]}`;
        return `${key}=${encode(value)}`;
      }),
      { freq: 2 },
    ),
  );
  const extraKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', `__proto__[${POLLUTION_MARK}]`, `constructor[prototype][${POLLUTION_MARK}]`, 'limit', 'cursor', ''), fc.string({ maxLength: 8 }));
  const extras = fc.array(fc.tuple(extraKey, textArb(12, false)).map(([k, v]) => `${encode(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encode(v)}`), { maxLength: 2 });
  const junk = fc.constantFrom('', '', '', '&&', '=', '&=&', '?', '%', 'a=%zz', ';');
  return fc.tuple(fc.tuple(...declared), extras, junk).map(([parts, more, tail]) => {
    const all = [...parts.filter((x): x is string => x !== null), ...more];
    if (tail) all.push(tail);
    // Node refuses a request line and headers over 16 KiB before the api sees them.
    while (all.join('&').length > MAX_QUERY_LENGTH) all.pop();
    return all.length ? `?${all.join('&')}` : '';
  });
}

function pathIdArb(ctx: FuzzContext): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: uuidArb(ctx) },
    { weight: 2, arbitrary: textArb(20, false).map(encode).filter((x) => x.length > 0) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_URL_PIECES) },
    { weight: 1, arbitrary: fc.constantFrom('x'.repeat(150), encode('あ'.repeat(200)), '-1', '0', '1e3', '9'.repeat(40)) },
  );
}

const IF_MATCH = ['"1"', '"0"', '"2"', '"-1"', '"999999999999999999999"', '*', 'W/"1"', '1', '"abc"', '""', '"1", "2"'];

function headersArb(ctx: FuzzContext, op: Operation): fc.Arbitrary<Record<string, string>> {
  const headerText = textArb(40, false).map((v) => headerSafe(v));
  const declared = op.headers.map((h) => {
    const value = /if-match/i.test(h.name) ? fc.oneof(fc.constantFrom(...IF_MATCH), headerText) : fc.oneof(fc.uuid(), headerText, fc.constant('k'.repeat(1000)));
    return fc.option(value.map((v) => [h.name, v] as [string, string]), { freq: 3 });
  });
  const common = [
    fc.option(fc.constantFrom('application/json', 'application/xml', '*/*', 'text/csv', 'application/problem+json', 'text/html;q=0.1, */*;q=0', 'ü').map((v) => ['Accept', v] as [string, string]), { freq: 2 }),
    fc.option(headerText.map((v) => ['X-Request-Id', v] as [string, string]), { freq: 3 }),
    fc.option(
      fc.tuple(fc.constantFrom('Accept-Language', 'X-Forwarded-For', 'Origin', 'Content-Encoding', 'X-Fuzz', 'Cookie', 'Referer', 'If-None-Match'), headerText).map(([k, v]) => [k, v] as [string, string]),
      { freq: 3 },
    ),
  ];
  return fc.tuple(...declared, ...common).map((pairs) => Object.fromEntries(pairs.filter((p): p is [string, string] => p !== null)));
}

/** One request for the operation: path ids, query, headers, token and body all generated. */
export function requestArb(ctx: FuzzContext, op: Operation): fc.Arbitrary<FuzzRequest> {
  const ids = fc.tuple(...op.pathParams.map(() => pathIdArb(ctx)));
  const auth = fc.oneof(...ctx.auths.map((a) => ({ weight: a.weight, arbitrary: fc.constant(a) })));
  const hasBody = op.method !== 'get' && op.method !== 'delete';
  const body = hasBody ? bodyArb(ctx, op) : fc.oneof({ weight: 15, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: bodyArb(ctx, op) });
  return fc.tuple(ids, queryArb(ctx, op), headersArb(ctx, op), auth, body).map(([idValues, query, headers, token, payload]) => {
    let i = 0;
    const path = op.path.replace(/\{[^}]+\}/g, () => idValues[i++]);
    const all = { ...headers, ...(token.header !== undefined ? { Authorization: token.header } : {}) };
    const request: FuzzRequest = { op, method: op.method, url: `${path}${query}`, auth: token.label, headers: all, body: payload };
    return Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) });
  });
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text);

/** A short, readable account of a request for failure reports (bodies can be megabytes). */
export function describeRequest(r: FuzzRequest): string {
  const headers = Object.entries(r.headers)
    .filter(([k]) => k !== 'Authorization')
    .map(([k, v]) => `${k}: ${JSON.stringify(clip(v, 80))}`);
  const body = r.body
    ? `${r.body.label}${r.body.contentType !== undefined ? ` [${r.body.contentType}]` : ''}${r.body.payload !== undefined ? ` ${JSON.stringify(clip(Buffer.isBuffer(r.body.payload) ? r.body.payload.toString('hex') : r.body.payload, 300))}` : ''}`
    : 'none';
  return `${r.method.toUpperCase()} ${clip(r.url, 300)} as ${r.auth}; headers {${headers.join(', ')}}; body ${body}`;
}
