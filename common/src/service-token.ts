import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/**
 * Short-lived tokens one service presents to another (the websocket service reading bank-core's
 * internal event feed and session checks). Signed with the same secret as user tokens but for a
 * different audience, so a user's access token never opens an internal endpoint and a service
 * token is never accepted as a user.
 */
// A service names itself in its token; only a short plain name is trusted, so it is safe in logs and queries.
const SERVICE_SUBJECT = /^service:([A-Za-z0-9][A-Za-z0-9._-]{0,63})$/;

export function createServiceTokens(options: { secret: string; issuer: string; audience: string }) {
  const key: KeyObject = createSecretKey(Buffer.from(options.secret, 'utf8'));
  const audience = `${options.audience}:internal`;
  const TTL_SECONDS = 300;

  return {
    /** A token naming the calling service, valid for five minutes: sign a fresh one per connection. */
    sign(service: string): string {
      return jwt.sign({ svc: true }, key, {
        algorithm: 'HS256',
        issuer: options.issuer,
        audience,
        subject: `service:${service}`,
        expiresIn: TTL_SECONDS,
      });
    },
    /** The calling service's name, or undefined for anything that is not a valid service token. */
    verify(token: string | undefined): string | undefined {
      if (!token) return undefined;
      try {
        const payload = jwt.verify(token, key, { algorithms: ['HS256'], issuer: options.issuer, audience });
        if (typeof payload === 'string' || payload.svc !== true) return undefined;
        return SERVICE_SUBJECT.exec(payload.sub ?? '')?.[1];
      } catch {
        return undefined;
      }
    },
  };
}

export type ServiceTokens = ReturnType<typeof createServiceTokens>;
