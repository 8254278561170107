import fc from 'fast-check';
import type { Operation } from './contract';
import {
  encodeUrlComponent,
  hostileJson,
  hostileText,
  objectJson,
  RawUrl,
  rawUrlText,
  toHeaderValue,
  toJson,
  unstorableText,
} from './fuzz-values';

/**
 * Malformed requests for every operation of docs/openapi.yaml, for the API fuzz test. A request starts
 * well-formed (real ids and account numbers, a real user's token), then one or two of its parts turn hostile:
 * a path, query or header parameter, a body field, the token, an extra or repeated query key or body property,
 * a body that is not the documented object at all, or an odd content type. Mostly one part at a time, so the
 * rest of the request gets past validation and the hostile value meets every check behind it, down to the
 * database.
 */

// The document is walked freely; a wrong turn fails the test anyway.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Schema = Record<string, any>;

export interface FuzzRequest {
  operation: Operation;
  method: string;
  /** Path and query string, percent-encoded. */
  url: string;
  headers: Record<string, string>;
  /** The raw body, sent as it is. */
  body?: string;
}

/** Real values that let a request reach the deeper checks: a real user's ids, account numbers and tokens. */
export interface FuzzPools {
  uuids: string[];
  accountNumbers: string[];
  /** Well-formed values for parameters and fields by name (cursors, feed positions, the caller's accounts). */
  named: Record<string, fc.Arbitrary<string>>;
  /**
   * The same for one operation, by `operationId` then name, ahead of `named`: e.g. a transaction not yet
   * reversed for `reverseTransaction`, so a hostile reason meets everything down to the ledger's INSERT.
   */
  byOperation: Record<string, Record<string, fc.Arbitrary<string>>>;
  /** `Authorization` values: a real user's and a service's tokens, and ones that must be refused. */
  userAuthorization: fc.Arbitrary<string>;
  /** An administrator's token, used for the administrators-only operations (anyone else gets 403 before validation). */
  adminAuthorization: fc.Arbitrary<string>;
  serviceAuthorization: fc.Arbitrary<string>;
  hostileAuthorization: fc.Arbitrary<string>;
}

/** Left out of the request. */
const OMIT = Symbol('omit');

/**
 * One part of a request: what it looks like well-formed and hostile (either may be OMIT, leaving the part
 * out), and how a value goes into the request.
 */
interface Slot {
  /** Text a client chooses that reaches the server as sent: a path or query parameter (url), or a body field. */
  text?: 'url' | 'body';
  valid: fc.Arbitrary<unknown>;
  hostile: fc.Arbitrary<unknown>;
  apply(draft: Draft, value: unknown): void;
}

interface Draft {
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  fields: [string, unknown][];
  rawBody?: string;
}

/** Follows `$ref`s inside the document. */
function deref(document: Schema, node: Schema): Schema {
  while (typeof node.$ref === 'string') {
    node = node.$ref
      .slice(2)
      .split('/')
      .reduce<Schema>((at, key) => at[key.replace(/~1/g, '/').replace(/~0/g, '~')] as Schema, document);
  }
  return node;
}

/** A value the schema accepts (mostly: formats such as email are approximated). */
function wellFormed(document: Schema, pools: FuzzPools, raw: Schema, name: string, operationId?: string): fc.Arbitrary<unknown> {
  const schema = deref(document, raw);
  const own = operationId === undefined ? undefined : pools.byOperation[operationId]?.[name];
  if (own) return own;
  if (pools.named[name]) return pools.named[name];
  if (Array.isArray(schema.allOf)) return wellFormed(document, pools, schema.allOf[0] as Schema, name);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]).filter((value) => value !== null));
  if (schema.type === 'integer') {
    return fc.integer({ min: Math.max(schema.minimum ?? -1_000, -1_000_000), max: Math.min(schema.maximum ?? 100_000, 100_000) });
  }
  if (schema.type !== 'string') return fc.constant(null);
  if (schema.format === 'uuid') return fc.oneof(fc.constantFrom(...pools.uuids), fc.uuid());
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.format === 'date-time') {
    const date = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });
    return date.map((value) => value.toISOString());
  }
  if (schema.pattern === '^[0-9]{10}$') return fc.oneof(fc.constantFrom(...pools.accountNumbers), fc.stringMatching(/^[0-9]{10}$/));
  if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern));
  const minLength = Math.max(schema.minLength ?? 0, schema.format === 'password' ? 8 : 0);
  return fc.string({ unit: 'grapheme-ascii', minLength, maxLength: Math.min(schema.maxLength ?? 40, 40) });
}

const JUNK_BODIES = ['', '{', '{"a":}', 'not json', '\u0000', '['.repeat(5_000), `{"x":"${'y'.repeat(17_000)}"}`];
const ODD_CONTENT_TYPES = [
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/merge-patch+json',
];

function bodySchemaOf(document: Schema, operation: Operation): Schema | undefined {
  const requestBody = operation.spec.requestBody ? deref(document, operation.spec.requestBody) : undefined;
  return requestBody?.content?.['application/json']?.schema as Schema | undefined;
}

/** The parts of one operation's requests, each able to turn hostile. */
function slotsOf(document: Schema, operation: Operation, pools: FuzzPools): Slot[] {
  const pathItem = document.paths[operation.template] as Schema;
  const parameters = [...((pathItem.parameters ?? []) as Schema[]), ...((operation.spec.parameters ?? []) as Schema[])].map((parameter) =>
    deref(document, parameter),
  );
  const slots: Slot[] = parameters.map((parameter) => {
    const name = parameter.name as string;
    const valid = wellFormed(document, pools, parameter.schema as Schema, name, operation.spec.operationId as string).map(String);
    const optional = parameter.required !== true;
    if (parameter.in === 'header') {
      return {
        valid: optional ? fc.option(valid, { nil: OMIT }) : valid,
        hostile: hostileText,
        apply: (draft, value) => {
          draft.headers[name] = toHeaderValue(value as string);
        },
      };
    }
    const hostile = fc.oneof({ weight: 4, arbitrary: hostileText }, { weight: 1, arbitrary: rawUrlText });
    if (parameter.in === 'path') {
      return {
        text: 'url',
        valid,
        hostile,
        apply: (draft, value) => {
          draft.path = draft.path.replace(`{${name}}`, encodeUrlComponent(value as string | RawUrl));
        },
      };
    }
    return {
      text: 'url',
      valid: fc.option(valid, { nil: OMIT }),
      hostile,
      apply: (draft, value) => {
        draft.query.push([name, encodeUrlComponent(value as string | RawUrl)]);
      },
    };
  });
  const hostileQueryKey = fc.oneof(fc.constantFrom('limit', 'cursor', 'from', 'x', 'limit[]', 'a[b]', '__proto__'), hostileText);
  slots.push(
    {
      valid: fc.constant(OMIT),
      hostile: fc.tuple(hostileQueryKey, hostileText),
      apply: (draft, value) => {
        const [key, text] = value as [string, string];
        draft.query.push([encodeUrlComponent(key), encodeUrlComponent(text)]);
      },
    },
    {
      // A key given twice is parsed as an array.
      valid: fc.constant(OMIT),
      hostile: fc.constant(['limit', '5']),
      apply: (draft, value) => {
        draft.query.push(value as [string, string]);
      },
    },
  );

  const secured = ((operation.spec.security ?? []) as Schema[]).some((requirement) => Object.keys(requirement).length > 0);
  const internal = operation.template.startsWith('/internal');
  const adminOnly = /administrators only/i.test(String(operation.spec.summary));
  const authorization = internal ? pools.serviceAuthorization : adminOnly ? pools.adminAuthorization : pools.userAuthorization;
  slots.push({
    valid: secured ? authorization : fc.constant(OMIT),
    // A hostile token, none at all, or the other kind: a user's token on an internal route, and back.
    hostile: fc.oneof(
      { weight: 6, arbitrary: pools.hostileAuthorization },
      fc.constant(OMIT),
      internal ? pools.userAuthorization : pools.serviceAuthorization,
    ),
    apply: (draft, value) => {
      draft.headers.Authorization = toHeaderValue(value as string);
    },
  });

  const bodySchema = bodySchemaOf(document, operation);
  if (!bodySchema) return slots;
  const object = deref(document, bodySchema);
  const required = new Set((object.required ?? []) as string[]);
  for (const [name, schema] of Object.entries((object.properties ?? {}) as Record<string, Schema>)) {
    const valid = wellFormed(document, pools, schema, name, operation.spec.operationId as string);
    slots.push({
      text: 'body',
      valid: required.has(name) ? valid : fc.option(valid, { nil: OMIT }),
      hostile: fc.oneof({ weight: 5, arbitrary: hostileJson }, { weight: 1, arbitrary: fc.constant(OMIT) }),
      apply: (draft, value) => {
        draft.fields.push([name, value]);
      },
    });
  }
  const extraKey = fc.constantFrom('role', 'balance', '__proto__', 'constructor', 'x');
  slots.push(
    {
      valid: fc.constant(OMIT),
      hostile: fc.tuple(extraKey, hostileJson),
      apply: (draft, value) => {
        draft.fields.push(value as [string, unknown]);
      },
    },
    {
      // JSON.parse keeps the last of a repeated key.
      valid: fc.constant(OMIT),
      hostile: hostileJson,
      apply: (draft, value) => {
        if (draft.fields[0]) draft.fields.push([draft.fields[0][0], value]);
      },
    },
    {
      valid: fc.constant(OMIT),
      hostile: fc.oneof(fc.constantFrom(...JUNK_BODIES), hostileJson.map(toJson)),
      apply: (draft, value) => {
        draft.rawBody = value as string;
      },
    },
    {
      valid: fc.constant('application/json'),
      hostile: fc.constantFrom(...ODD_CONTENT_TYPES),
      apply: (draft, value) => {
        draft.headers['Content-Type'] = value as string;
      },
    },
  );
  return slots;
}

/** One request for `operation`: well-formed but for one or two hostile parts (none, now and then). */
export function requestFor(document: Schema, operation: Operation, pools: FuzzPools): fc.Arbitrary<FuzzRequest> {
  const slots = slotsOf(document, operation, pools);
  const hostileCount = fc.oneof(
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 6, arbitrary: fc.constant(1) },
    { weight: 3, arbitrary: fc.constant(2) },
  );
  const hostileSlots = hostileCount.chain((count) => fc.uniqueArray(fc.nat(slots.length - 1), { minLength: count, maxLength: count }));
  return assemble(document, operation, slots, hostileSlots);
}

/**
 * For every path and query parameter and body field of `operation`, requests well-formed but for that one
 * part, which holds text PostgreSQL cannot store (NUL, a lone surrogate). Every one must be refused with a
 * 4xx: a sweep, so that no parameter is left to chance.
 */
export function unstorableRequestsFor(document: Schema, operation: Operation, pools: FuzzPools): fc.Arbitrary<FuzzRequest>[] {
  const slots = slotsOf(document, operation, pools);
  return slots.flatMap((slot, index) =>
    slot.text
      ? [
          assemble(
            document,
            operation,
            slots.map((other, i) => (i === index ? { ...other, hostile: unstorableText } : other)),
            fc.constant([index]),
          ),
        ]
      : [],
  );
}

function assemble(document: Schema, operation: Operation, slots: Slot[], hostileSlots: fc.Arbitrary<number[]>): fc.Arbitrary<FuzzRequest> {
  return fc.tuple(hostileSlots, ...slots.map((slot) => fc.tuple(slot.valid, slot.hostile))).map(([hostile, ...values]) => {
    const draft: Draft = { path: operation.template, query: [], headers: {}, fields: [] };
    slots.forEach((slot, index) => {
      const value = values[index]![hostile.includes(index) ? 1 : 0];
      if (value !== OMIT) slot.apply(draft, value);
    });
    const search = draft.query.map(([key, value]) => `${key}=${value}`).join('&');
    const body = draft.rawBody ?? (bodySchemaOf(document, operation) ? objectJson(draft.fields) : undefined);
    if (body === undefined) delete draft.headers['Content-Type'];
    const url = search ? `${draft.path}?${search}` : draft.path;
    return {
      operation,
      // What fast-check prints for a failing request.
      [fc.toStringMethod]: () => `${operation.method} ${url} headers ${JSON.stringify(draft.headers)} body ${JSON.stringify(body)}`,
      method: operation.method,
      url,
      headers: draft.headers,
      ...(body === undefined ? {} : { body }),
    };
  });
}
