import { createSecretKey, KeyObject } from 'node:crypto';
import * as jwt from 'jsonwebtoken';

export const JWT_ALGORITHM = 'HS256' as const;

export interface TokenClaims {
  sub: string;
  mun: string;
  ver: number;
}

/**
 * Signs and verifies access tokens with a key made once. Given a string secret,
 * jsonwebtoken first tries to read it as a public key on every call (about 1 ms of CPU per
 * request here); a secret KeyObject skips that. The algorithm is pinned both ways.
 */
export class TokenKeys {
  private readonly key: KeyObject;

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  sign(claims: TokenClaims, expiresInSeconds: number): string {
    return jwt.sign(claims, this.key, { algorithm: JWT_ALGORITHM, expiresIn: expiresInSeconds });
  }

  /** The claims, or null for anything invalid, expired, or signed otherwise. */
  verify(token: string): TokenClaims | null {
    try {
      const claims = jwt.verify(token, this.key, { algorithms: [JWT_ALGORITHM] });
      return typeof claims === 'object' ? (claims as unknown as TokenClaims) : null;
    } catch {
      return null;
    }
  }
}
