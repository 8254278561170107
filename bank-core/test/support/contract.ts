import type { RequestHandler } from 'express';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { loadOpenApiDocument } from '../../src/utils/openapi';

/**
 * Checks real responses against docs/openapi.yaml. The test app runs every response through the
 * recorder, so a response the document does not describe fails the test file that caused it.
 */

type JsonObject = Record<string, unknown>;

/** One response as the client saw it. */
export interface SeenResponse {
  method: string;
  /** The URL path, without the query string. */
  path: string;
  status: number;
  /** The Content-Type header, if any. */
  contentType?: string | undefined;
  /** Response header names (any case); when left out, documented headers are not checked. */
  headers?: Record<string, unknown>;
  /** Parsed JSON, or text for other media types; undefined when there was no body. */
  body: unknown;
}

export interface Operation {
  method: string;
  template: string;
  spec: JsonObject;
}

const DOCUMENT_ID = 'openapi.json';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Requests left out of the contract on purpose: CORS preflights and Swagger UI's own pages and assets. */
export const outsideContract = (method: string, path: string): boolean => method === 'OPTIONS' || /^\/docs(\/|$)/.test(path);

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** OpenAPI 3.0 `nullable: true` is not JSON Schema; say it the JSON Schema way so ajv understands it. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!isObject(node)) return node;
  const out: JsonObject = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, toJsonSchema(value)]));
  if (typeof out.nullable !== 'boolean') return out;
  const { nullable, ...schema } = out;
  if (!nullable) return schema;
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

/** JSON Pointer segment, also safe inside a URI fragment (`{id}` is not). */
const pointerSegment = (key: string) => encodeURIComponent(key.replace(/~/g, '~0').replace(/\//g, '~1'));

function resolvePointer(document: JsonObject, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), document);
}

/** Follows `$ref`s, returning the object and the pointer where it really lives. */
function deref(document: JsonObject, pointer: string): { node: JsonObject; pointer: string } {
  let node = resolvePointer(document, pointer);
  while (isObject(node) && typeof node.$ref === 'string') {
    pointer = node.$ref.replace(/^#/, '');
    node = resolvePointer(document, pointer);
  }
  if (!isObject(node)) throw new Error(`openapi.yaml: nothing at #${pointer}`);
  return { node, pointer };
}

function templatePattern(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  // Express matches paths case-insensitively and ignores one trailing slash.
  return new RegExp(`^${source}/?$`, 'i');
}

const describeAjvError = (error: ErrorObject) => {
  const extra = error.keyword === 'additionalProperties' ? ` (${String(error.params.additionalProperty)})` : '';
  const allowed = error.keyword === 'enum' ? ` (${JSON.stringify(error.params.allowedValues)})` : '';
  return `body${error.instancePath} ${error.message ?? error.keyword}${extra}${allowed}`;
};

/** The compiled contract: finds the documented operation of a request and checks a response against it. */
export function loadContract(document: JsonObject = loadOpenApiDocument()) {
  const spec = toJsonSchema(structuredClone(document)) as JsonObject;
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  // OpenAPI words that are not JSON Schema keywords: annotations, and the document's top-level fields (ajv
  // compiles the document root when it resolves a $ref into it).
  ajv.addVocabulary(['example', 'externalDocs', 'xml', 'openapi', 'info', 'servers', 'paths', 'components', 'security', 'tags']);
  ajv.addSchema(spec, DOCUMENT_ID);

  const validators = new Map<string, ValidateFunction>();
  const validatorAt = (pointer: string) => {
    let validate = validators.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
      validators.set(pointer, validate);
    }
    return validate;
  };

  const paths = isObject(spec.paths) ? spec.paths : {};
  const operations: Operation[] = Object.entries(paths).flatMap(([template, item]) =>
    HTTP_METHODS.filter((method) => isObject(item) && isObject(item[method])).map((method) => ({
      method: method.toUpperCase(),
      template,
      spec: (item as JsonObject)[method] as JsonObject,
    })),
  );
  // Literal segments win over parameters, as in the router: `/api/users/me` before `/api/users/{id}`.
  const routes = Object.keys(paths)
    .map((template) => ({ template, pattern: templatePattern(template), params: template.split('{').length - 1 }))
    .sort((a, b) => a.params - b.params);

  function findOperation(method: string, path: string): Operation | undefined {
    const wanted = method === 'HEAD' ? 'GET' : method.toUpperCase();
    const template = routes.find((route) => route.pattern.test(path))?.template;
    return operations.find((operation) => operation.template === template && operation.method === wanted);
  }

  function checkBody(pointer: string, seen: SeenResponse): string[] {
    const validate = validatorAt(pointer);
    return validate(seen.body) ? [] : [...new Set((validate.errors ?? []).map(describeAjvError))];
  }

  /** Undocumented requests (unknown routes, wrong methods) must still fail, in the documented error shape. */
  function checkUndocumented(seen: SeenResponse): string[] {
    if (outsideContract(seen.method, seen.path)) return [];
    if (seen.status < 400) return [`answered ${seen.status} to a method and path the contract does not document`];
    if (!/^application\/json\b/i.test(seen.contentType ?? ''))
      return [`error answered as ${seen.contentType ?? 'no content'}, not as the JSON Error`];
    return checkBody('/components/schemas/Error', seen);
  }

  /** Every way the response differs from the contract; empty when it conforms. */
  function checkResponse(seen: SeenResponse): string[] {
    const operation = findOperation(seen.method, seen.path);
    if (!operation) return checkUndocumented(seen);
    const responses = isObject(operation.spec.responses) ? operation.spec.responses : {};
    const key = [String(seen.status), `${String(seen.status)[0]}XX`, 'default'].find((candidate) => candidate in responses);
    if (!key) return [`status ${seen.status} is not documented (documented: ${Object.keys(responses).join(', ')})`];

    const operationPointer = `/paths/${pointerSegment(operation.template)}/${operation.method.toLowerCase()}`;
    const response = deref(spec, `${operationPointer}/responses/${key}`);
    const problems: string[] = [];

    if (seen.headers) {
      const present = new Set(Object.keys(seen.headers).map((name) => name.toLowerCase()));
      for (const name of Object.keys(isObject(response.node.headers) ? response.node.headers : {})) {
        const header = deref(spec, `${response.pointer}/headers/${pointerSegment(name)}`).node;
        if (header.required === true && !present.has(name.toLowerCase())) problems.push(`header ${name} is missing`);
      }
    }

    const content = isObject(response.node.content) ? response.node.content : undefined;
    if (!content) {
      if (seen.body !== undefined && seen.body !== '') problems.push('has a body, but the contract documents none');
      return problems;
    }
    if (seen.method === 'HEAD') return problems;
    const mediaType = (seen.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (!(mediaType in content)) {
      problems.push(`content type "${mediaType}" is not documented (documented: ${Object.keys(content).join(', ')})`);
    } else if (isObject((content[mediaType] as JsonObject).schema)) {
      problems.push(...checkBody(`${response.pointer}/content/${pointerSegment(mediaType)}/schema`, seen));
    }
    return problems;
  }

  return { document: spec, operations, findOperation, checkResponse };
}

export type Contract = ReturnType<typeof loadContract>;

function parseBody(contentType: string | undefined, raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  if (!/^application\/(.+\+)?json\b/i.test(contentType ?? '')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A fault in the checker itself becomes a violation: thrown from `res.end`, it would break the response. */
function safely(check: () => string[]): string[] {
  try {
    return check();
  } catch (error) {
    return [`could not be checked: ${error instanceof Error ? error.message : String(error)}`];
  }
}

/**
 * Express middleware that captures each response as it is sent and checks it against the
 * contract. `assertNoViolations` throws a readable list of everything that broke the contract.
 */
export function createContractRecorder(contract: Contract = loadContract()) {
  const violations = new Map<string, { example: string; count: number }>();

  const middleware: RequestHandler = (req, res, next) => {
    const { method, path } = req;
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown, encoding: unknown) => {
      if (typeof chunk === 'string') chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
      else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    let recorded = false;

    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      const result = end(...args);
      if (!recorded) {
        recorded = true;
        const contentType = res.getHeader('content-type')?.toString();
        const seen = {
          method,
          path,
          status: res.statusCode,
          contentType,
          headers: res.getHeaders(),
          body: parseBody(contentType, Buffer.concat(chunks)),
        };
        const template = contract.findOperation(method, path)?.template;
        for (const problem of safely(() => contract.checkResponse(seen))) {
          // Grouped by documented route, so one bug seen on many ids is one line.
          const key = `${method} ${template ?? path} -> ${res.statusCode}: ${problem}`;
          const seenBefore = violations.get(key);
          violations.set(key, { example: seenBefore?.example ?? path, count: (seenBefore?.count ?? 0) + 1 });
        }
      }
      return result;
    }) as typeof res.end;
    next();
  };

  return {
    middleware,
    violations: (): string[] => [...violations.keys()],
    /** @throws Error listing every response that broke the contract. */
    assertNoViolations(): void {
      if (violations.size === 0) return;
      const lines = [...violations].map(([key, { example, count }]) => `  - ${key} [${count}x, e.g. ${example}]`);
      throw new Error(
        `Responses broke the API contract in bank-core/docs/openapi.yaml (${violations.size}):\n${lines.join('\n')}\n` +
          'Fix the code, or document the behaviour in the YAML if it is intended.',
      );
    },
  };
}

export type ContractRecorder = ReturnType<typeof createContractRecorder>;
