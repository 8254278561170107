import { spawnSync } from 'node:child_process';
import express, { type Express } from 'express';
import request from 'supertest';
import { createLogger } from '@bank/common';
import { createApp } from '../src/app';
import { HTTP_STATUS } from '../src/middlewares/error-handler.middleware';
import { loadOpenApiDocument, OPENAPI_PATH, openApiDocumentFor } from '../src/utils/openapi';
import { createContractRecorder, loadContract, type Operation } from './support/contract';
import { startTestApp, type TestApp } from './support/test-app';

// The document is walked freely here; a wrong turn fails the test anyway.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonObject = Record<string, any>;

const contract = loadContract();
const spec: JsonObject = contract.document;

/**
 * Runs swagger-parser's `validate` or `parse` on a file or a document and returns the result. It runs in
 * plain Node: swagger-parser requires an ES module, which Node (>= 20.19) allows and Jest's loader does not.
 * @throws Error with swagger-parser's message when the document is invalid.
 */
function swaggerParser(method: 'validate' | 'parse', api: string | object): unknown {
  const script = `
    const input = process.argv[1] === '-' ? JSON.parse(require('node:fs').readFileSync(0, 'utf8')) : process.argv[1];
    require('@apidevtools/swagger-parser').${method}(input).then(
      (api) => process.stdout.write(JSON.stringify(api)),
      (error) => { process.stderr.write(error.message); process.exit(1); });`;
  const file = typeof api === 'string' ? api : '-';
  const input = typeof api === 'string' ? '' : JSON.stringify(api);
  const result = spawnSync(process.execPath, ['-e', script, file], { cwd: __dirname, input, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`swagger-parser ${method} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as unknown;
}

/** Follows a `#/...` reference inside the document. */
const deref = (node: JsonObject): JsonObject =>
  node.$ref
    ? deref(
        (node.$ref as string)
          .slice(2)
          .split('/')
          .reduce((at: JsonObject, key) => at[key.replace(/~1/g, '/')], spec),
      )
    : node;

/** Every `METHOD /path/{param}` the Express app really routes, read from its router stack. */
function routesOf(app: Express): string[] {
  interface Layer {
    route?: { path: string; methods: Record<string, boolean> };
    handle: { stack?: Layer[] };
    rawPath?: unknown;
  }
  const walk = (stack: Layer[], prefix: string): string[] =>
    stack.flatMap((layer) => {
      if (layer.route) {
        const path = `${prefix}${layer.route.path}`.replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1');
        return Object.keys(layer.route.methods)
          .filter((method) => method !== '_all')
          .map((method) => `${method.toUpperCase()} ${path}`);
      }
      if (!layer.handle.stack) return []; // plain middleware, e.g. Swagger UI's static files under /docs
      if (typeof layer.rawPath !== 'string') throw new Error(`cannot read the mount path of a router: ${String(layer.rawPath)}`);
      return walk(layer.handle.stack, layer.rawPath === '/' ? prefix : `${prefix}${layer.rawPath}`);
    });
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
}

/** Response objects of an operation, by status, with `$ref`s followed. */
const responsesOf = (operation: Operation): [string, JsonObject][] =>
  Object.entries(operation.spec.responses as JsonObject).map(([status, response]) => [status, deref(response)]);

/** Needs some credential: a user's bearer token or a service token (an empty requirement means public). */
const isSecured = (operation: Operation) =>
  ((operation.spec.security as JsonObject[] | undefined) ?? []).some((requirement) => Object.keys(requirement).length > 0);

/** A concrete path for a template: a well-formed id or account number that matches nothing. */
const concretePath = (template: string) =>
  template.replace('{id}', '00000000-0000-4000-8000-000000000000').replace('{accountNumber}', '1234567890');

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('the document', () => {
  it('passes swagger-parser validation, and yamljs (which serves it) reads it exactly as a standard YAML parser does', () => {
    expect(() => swaggerParser('validate', OPENAPI_PATH)).not.toThrow();
    expect(() => swaggerParser('validate', loadOpenApiDocument())).not.toThrow();
    expect(loadOpenApiDocument()).toEqual(swaggerParser('parse', OPENAPI_PATH));
  });

  it('documents every route the app registers, and nothing the app does not route', () => {
    const logger = createLogger({ service: 'openapi-test', level: 'error', console: false });
    const app = createApp({ config: t.config, db: t.db, logger, services: t.services });
    const routed = routesOf(app).sort();
    const documented = contract.operations.map((operation) => `${operation.method} ${operation.template}`).sort();
    expect(routed).toContain('GET /api/accounts/{id}'); // the walk itself works
    expect(documented).toEqual(routed);
  });

  it('lists exactly the error codes the server can send, each under the status the error handler gives it', () => {
    expect([...(spec.components.schemas.ErrorCode.enum as string[])].sort()).toEqual(Object.keys(HTTP_STATUS).sort());
    const problems: string[] = [];
    for (const operation of contract.operations) {
      for (const [status, response] of responsesOf(operation)) {
        if (Number(status) < 400) continue;
        const codes = response.content?.['application/json']?.schema?.allOf?.[1]?.properties?.error?.properties?.code?.enum as
          string[] | undefined;
        if (!codes) problems.push(`${operation.method} ${operation.template} ${status}: no list of codes`);
        for (const code of codes ?? []) {
          const actual = HTTP_STATUS[code as keyof typeof HTTP_STATUS];
          if (actual !== Number(status)) problems.push(`${operation.method} ${operation.template} ${status}: ${code} is sent as ${actual}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives every operation the answers any request can meet: 500, 429 under /api, 401 with a token, 400/413/415 with a body', () => {
    const missing: string[] = [];
    for (const operation of contract.operations) {
      const statuses = Object.keys(operation.spec.responses as JsonObject);
      const expected = ['500'];
      if (operation.template.startsWith('/api/')) expected.push('429');
      if (isSecured(operation)) expected.push('401');
      if (operation.spec.requestBody) expected.push('400', '413', '415');
      for (const status of expected) if (!statuses.includes(status)) missing.push(`${operation.method} ${operation.template} ${status}`);
    }
    expect(missing).toEqual([]);
  });

  it('documents the X-Request-Id header on every response', () => {
    const missing = contract.operations.flatMap((operation) =>
      responsesOf(operation)
        .filter(([, response]) => !response.headers?.['X-Request-Id'])
        .map(([status]) => `${operation.method} ${operation.template} ${status}`),
    );
    expect(missing).toEqual([]);
  });

  it('has response schemas that ajv compiles in strict mode (no typos, no unknown keywords)', () => {
    const problems = contract.operations.flatMap((operation) =>
      responsesOf(operation).flatMap(([status, response]) =>
        Object.keys((response.content ?? {}) as JsonObject).flatMap((contentType) =>
          contract
            .checkResponse({ method: operation.method, path: operation.template, status: Number(status), contentType, body: undefined })
            .filter((problem) => problem.startsWith('could not be checked'))
            .map((problem) => `${operation.method} ${operation.template} ${status}: ${problem}`),
        ),
      ),
    );
    expect(problems).toEqual([]);
  });

  it('has examples that conform to their own schemas', () => {
    const problems = contract.operations.flatMap((operation) =>
      responsesOf(operation).flatMap(([status, response]) =>
        Object.entries((response.content ?? {}) as JsonObject)
          .filter(([, media]) => media.example !== undefined)
          .flatMap(([contentType, media]) =>
            contract
              .checkResponse({
                method: operation.method,
                path: operation.template,
                status: Number(status),
                contentType,
                body: media.example,
              })
              .map((problem) => `${operation.method} ${operation.template} ${status}: ${problem}`),
          ),
      ),
    );
    expect(problems).toEqual([]);
  });
});

describe('the app against the document', () => {
  it('refuses every operation documented as authenticated without a token, and serves the public ones without one', async () => {
    const mismatches: string[] = [];
    for (const operation of contract.operations) {
      const res = await t.http[operation.method.toLowerCase() as 'get'](concretePath(operation.template));
      if ((res.status === 401) !== isSecured(operation)) mismatches.push(`${operation.method} ${operation.template} -> ${res.status}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('serves the Swagger UI at /docs and the document as JSON at /docs/openapi.json', async () => {
    const ui = await t.http.get('/docs/');
    expect(ui.status).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
    expect(ui.text).toContain('swagger-ui');
    const json = await t.http.get('/docs/openapi.json');
    expect(json.status).toBe(200);
    expect(json.body).toEqual(openApiDocumentFor(new Date()));
  });

  it("leaves Idempotency-Key and X-Request-Id empty in Swagger's Try it out, and offers this month as the statement period", async () => {
    const { parameters } = (await t.http.get('/docs/openapi.json')).body.components;
    expect(parameters.IdempotencyKey.example).toBeUndefined();
    expect(parameters.RequestId.example).toBeUndefined();
    const now = new Date();
    const month = (offset: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1)).toISOString();
    expect(new Date(parameters.From.example).toISOString()).toBe(month(0));
    expect(new Date(parameters.To.example).toISOString()).toBe(month(1));
    const december = openApiDocumentFor(new Date('2026-12-15T10:00:00Z')) as JsonObject;
    expect(december.components.parameters.From.example).toBe('2026-12-01T00:00:00Z');
    expect(december.components.parameters.To.example).toBe('2027-01-01T00:00:00Z');
  });

  it('answers / with a page that links the web bank on the websocket port of the same host, and the docs', async () => {
    const res = await t.http.get('/').set('Host', 'bank.example:3000');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain(`href="http://bank.example:${t.config.websocketPort}/"`);
    expect(res.text).toContain('href="/docs"');
  });
});

describe('the contract recorder', () => {
  const account = {
    id: '9a1e4c2b-7d3f-4b8a-a6e5-0c9d8b7a6f51',
    accountNumber: '4829301756',
    currency: 'NGN',
    balance: 150000,
    description: 'Main account',
    status: 'open',
    createdAt: '2025-01-15T09:30:00.000Z',
    closedAt: null,
  };

  /** A tiny app that answers whatever each test tells it to, behind a fresh recorder. */
  async function record(respond: (res: express.Response) => void, method: 'get' | 'post' = 'get', path = `/api/accounts/${account.id}`) {
    const recorder = createContractRecorder(contract);
    const app = express()
      .use(recorder.middleware)
      .use((_req, res) => {
        res.setHeader('X-Request-Id', 'fake-1');
        respond(res);
      });
    await request(app)[method](path);
    return recorder;
  }

  it('accepts a response that matches the document, including a null in a nullable field', async () => {
    const recorder = await record((res) => res.json(account));
    expect(recorder.violations()).toEqual([]);
    expect(() => recorder.assertNoViolations()).not.toThrow();
  });

  it('catches a wrong type, a missing field and an unknown field', async () => {
    const { closedAt: _dropped, ...withoutClosedAt } = account;
    const recorder = await record((res) => res.json({ ...withoutClosedAt, balance: '150000', owner: 'me' }));
    const violations = recorder.violations().join('\n');
    expect(violations).toContain('GET /api/accounts/{id} -> 200');
    expect(violations).toContain('body/balance must be integer');
    expect(violations).toContain("must have required property 'closedAt'");
    expect(violations).toContain('must NOT have additional properties (owner)');
    expect(() => recorder.assertNoViolations()).toThrow(/broke the API contract[\s\S]*body\/balance must be integer/);
  });

  it('catches a float where money must be an integer, and a non-null value that is not a date', async () => {
    const recorder = await record((res) => res.json({ ...account, balance: 1500.5, closedAt: 'yesterday' }));
    expect(recorder.violations().join('\n')).toMatch(/body\/balance must be integer[\s\S]*body\/closedAt must match format "date-time"/);
  });

  it('catches a status the operation does not document', async () => {
    const recorder = await record((res) => res.status(418).json({ error: { code: 'INTERNAL', message: 'teapot', requestId: 'fake-1' } }));
    expect(recorder.violations()).toEqual([expect.stringContaining('status 418 is not documented')]);
  });

  it('catches an error body with a code the status does not carry, and a missing documented header', async () => {
    const recorder = createContractRecorder(contract);
    const app = express()
      .use(recorder.middleware)
      .use((_req, res) => {
        res.status(404).json({ error: { code: 'CONFLICT', message: 'nope', requestId: 'x' } });
      });
    await request(app).get(`/api/accounts/${account.id}`);
    const violations = recorder.violations().join('\n');
    expect(violations).toContain('body/error/code must be equal to one of the allowed values');
    expect(violations).toContain('header X-Request-Id is missing');
  });

  it('catches a success on an undocumented path, but accepts an unknown route answered with the Error shape', async () => {
    const success = await record((res) => res.json({ ok: true }), 'get', '/api/secret-admin-panel');
    expect(success.violations()).toEqual([expect.stringContaining('does not document')]);
    const notFound = await record(
      (res) => res.status(404).json({ error: { code: 'NOT_FOUND', message: 'No route', requestId: 'fake-1' } }),
      'post',
      '/api/nowhere',
    );
    expect(notFound.violations()).toEqual([]);
    const badError = await record((res) => res.status(404).send('Cannot GET /api/nowhere'), 'get', '/api/nowhere');
    expect(badError.violations()).toEqual([expect.stringContaining('not as the JSON Error')]);
  });

  it('catches a media type the response does not document', async () => {
    const recorder = await record((res) => res.type('text/plain').send('ok'));
    expect(recorder.violations()).toEqual([expect.stringContaining('content type "text/plain" is not documented')]);
  });
});
