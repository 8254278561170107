import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { mintToken } from './support/tokens';
import { startService, type TestService } from './support/ws-service';

const DOCUMENT = path.join(__dirname, '..', 'docs', 'openapi.yaml');

/**
 * swagger-parser's `validate` or `dereference` in plain Node (it is an ES module, which Node loads and
 * Jest's loader does not; bank-core's openapi test does the same).
 * @throws Error with swagger-parser's message when the document is invalid.
 */
function swaggerParser(method: 'validate' | 'dereference'): { paths: Record<string, { get?: { responses: Record<string, unknown> } }> } {
  const script = `require('@apidevtools/swagger-parser').${method}(process.argv[1]).then(
    (api) => process.stdout.write(JSON.stringify(api)),
    (error) => { process.stderr.write(error.message); process.exit(1); });`;
  const result = spawnSync(process.execPath, ['-e', script, DOCUMENT], { cwd: __dirname, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr || `swagger-parser exited with ${result.status}`);
  return JSON.parse(result.stdout);
}

let service: TestService;
beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.stop());

describe('docs/openapi.yaml', () => {
  it('is a valid OpenAPI document', () => {
    expect(() => swaggerParser('validate')).not.toThrow();
  });

  it('documents routes the service answers, with the statuses it answers them with', async () => {
    const { paths } = swaggerParser('dereference');
    expect(Object.keys(paths).sort()).toEqual([
      '/api/websocket/config',
      '/api/websocket/errors',
      '/api/websocket/interactions',
      '/healthz',
      '/metrics',
    ]);
    const { token } = mintToken({ role: 'admin' });
    for (const [route, item] of Object.entries(paths)) {
      const documented = Object.keys(item.get?.responses ?? {});
      const ok = await service.http.get(route).set('Authorization', `Bearer ${token}`);
      expect({ route, status: ok.status }).toEqual({ route, status: 200 });
      if (route === '/healthz' || route === '/metrics') continue;
      const refused = await service.http.get(route);
      const invalid = await service.http.get(`${route}?limit=0`).set('Authorization', `Bearer ${token}`);
      expect([refused.status, invalid.status].map(String).filter((status) => !documented.includes(status))).toEqual([]);
    }
  });
});
