import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/**
 * The client address of a request as Express's `req.ip` finds it under the same `trust proxy`
 * setting (TRUST_PROXY): the peer's address, or, when the peer is a trusted proxy, the nearest
 * untrusted address in X-Forwarded-For. The compiled rule is Express's own `compileTrust`
 * (express/lib/utils.js), so TRUST_PROXY means the same here as in bank-core. Needed outside
 * Express because WebSocket upgrades never reach the Express app.
 */
export function createClientAddress(trustProxy: boolean | number | string): (request: IncomingMessage) => string {
  const trust =
    trustProxy === true
      ? () => true
      : typeof trustProxy === 'number'
        ? (_address: string, hop: number) => hop < trustProxy
        : proxyAddr.compile(trustProxy === false ? [] : trustProxy.split(',').map((item) => item.trim()));
  // A socket that is already gone has no remote address; they all share one key rather than none.
  return (request) => (request.socket.remoteAddress ? proxyAddr(request, trust) : 'unknown');
}
