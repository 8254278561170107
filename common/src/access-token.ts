import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

export type Role = 'customer' | 'admin';

/** What a verified access token says about its bearer. */
export interface AccessClaims {
  userId: string;
  role: Role;
  tokenId: string;
  sessionId: string;
  expiresAt: Date;
}

export interface AccessTokenOptions {
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

/** Thrown for any token that must not be trusted; the message is safe to show. */
export class InvalidTokenError extends Error {
  constructor(readonly reason: 'missing' | 'expired' | 'invalid') {
    super(reason === 'expired' ? 'Access token has expired' : 'Access token is missing or invalid');
  }
}

// Pinning one algorithm closes both `alg: none` and algorithm-confusion attacks.
const ALGORITHM = 'HS256';
const ROLES: ReadonlySet<string> = new Set<Role>(['customer', 'admin']);

/**
 * The shape of the ids this system issues (RFC 9562 text form). `sub`, `sid` and `jti` are looked up in the
 * database as UUIDs, so a token that carries anything else (even one signed with the real secret, say by an
 * older release or a leaked key used carelessly) is refused as invalid rather than reaching a query.
 */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID_PATTERN.test(value);

// Verified tokens remembered at most (about 3 MB); the map starts over when full.
const MAX_VERIFIED = 10_000;

/**
 * Signs and verifies access tokens. The secret becomes a KeyObject once: jsonwebtoken
 * re-derives a key from a string secret on every call, which costs ~50x more per verify.
 */
export function createAccessTokens(options: AccessTokenOptions) {
  const key: KeyObject = createSecretKey(Buffer.from(options.secret, 'utf8'));
  const signOptions: jwt.SignOptions = {
    algorithm: ALGORITHM,
    issuer: options.issuer,
    audience: options.audience,
    expiresIn: options.ttlSeconds,
  };
  const verifyOptions: jwt.VerifyOptions & { complete: false } = {
    algorithms: [ALGORITHM],
    issuer: options.issuer,
    audience: options.audience,
    complete: false,
  };

  function sign(subject: { userId: string; role: Role; sessionId: string }): string {
    return jwt.sign({ role: subject.role, sid: subject.sessionId }, key, {
      ...signOptions,
      subject: subject.userId,
      jwtid: randomUUID(),
    });
  }

  /** @throws InvalidTokenError when the token is absent, expired, tampered, or not ours. */
  // Verified tokens, by their exact text: a client sends the same token with every request until it
  // expires, and the same bytes always verify the same way, so only the expiry is checked again.
  const verified = new Map<string, AccessClaims>();

  function verify(token: string | undefined): AccessClaims {
    if (!token) throw new InvalidTokenError('missing');
    const known = verified.get(token);
    if (known) {
      if (known.expiresAt.getTime() > Date.now()) return known;
      verified.delete(token);
      throw new InvalidTokenError('expired');
    }
    const claims = verifySignature(token);
    if (verified.size >= MAX_VERIFIED) verified.clear();
    verified.set(token, claims);
    return claims;
  }

  function verifySignature(token: string): AccessClaims {
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, key, verifyOptions);
    } catch (error) {
      throw new InvalidTokenError(error instanceof jwt.TokenExpiredError ? 'expired' : 'invalid');
    }
    if (typeof payload === 'string') throw new InvalidTokenError('invalid');
    const { sub, role, jti, exp, sid } = payload;
    if (!isUuid(sub) || !isUuid(sid) || !isUuid(jti) || typeof role !== 'string' || !ROLES.has(role)) {
      throw new InvalidTokenError('invalid');
    }
    // jsonwebtoken lets `exp: 1e300` through (it is in the future); as a date it would be Invalid Date.
    const expiresAt = new Date(typeof exp === 'number' && Number.isSafeInteger(exp) ? exp * 1000 : NaN);
    if (Number.isNaN(expiresAt.getTime())) throw new InvalidTokenError('invalid');
    return { userId: sub, role: role as Role, tokenId: jti, sessionId: sid, expiresAt };
  }

  /** The claims of an `Authorization: Bearer` header, or why it cannot be trusted (a message safe to show). */
  function verifyHeader(header: string | undefined): { claims: AccessClaims } | { rejected: string } {
    try {
      return { claims: verify(bearerToken(header)) };
    } catch (error) {
      if (error instanceof InvalidTokenError) return { rejected: error.message };
      throw error;
    }
  }

  return { sign, verify, verifyHeader, ttlSeconds: options.ttlSeconds };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;

/** Extracts the token from an `Authorization: Bearer <token>` header value. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header ?? '');
  return match?.[1];
}
