import path from 'node:path';
import YAML from 'yamljs';

// The same path from src/utils and dist/utils.
export const OPENAPI_PATH = path.resolve(__dirname, '../../docs/openapi.yaml');

/** The API contract: served at /docs and checked against real responses by the tests. */
export function loadOpenApiDocument(): Record<string, unknown> {
  return YAML.load(OPENAPI_PATH) as Record<string, unknown>;
}

let cached: { month: string; document: Record<string, unknown> } | undefined;

/**
 * The contract as served: the document with `from`/`to` examples set to the month of `now` (UTC),
 * so Swagger's "Try it out" asks for a statement of this month rather than a fixed old one. No
 * Idempotency-Key or X-Request-Id example is given: each request needs its own, typed by the user.
 */
export function openApiDocumentFor(now: Date): Record<string, unknown> {
  const month = now.toISOString().slice(0, 7);
  if (cached?.month === month) return cached.document;
  const document = loadOpenApiDocument();
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const parameters = (document.components as { parameters: Record<string, { example?: string }> }).parameters;
  if (parameters.From) parameters.From.example = start.toISOString().replace('.000Z', 'Z');
  if (parameters.To) parameters.To.example = end.toISOString().replace('.000Z', 'Z');
  cached = { month, document };
  return document;
}
