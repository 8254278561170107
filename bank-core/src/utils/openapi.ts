import path from 'node:path';
import YAML from 'yamljs';

// The same path from src/utils and dist/utils.
export const OPENAPI_PATH = path.resolve(__dirname, '../../docs/openapi.yaml');

/** The API contract: served at /docs and checked against real responses by the tests. */
export function loadOpenApiDocument(): Record<string, unknown> {
  return YAML.load(OPENAPI_PATH) as Record<string, unknown>;
}
