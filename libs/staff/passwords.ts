import * as argon2 from 'argon2';

/** argon2id with the library's defaults (memory-hard; OWASP-recommended parameters). */
export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/**
 * A hash of nothing in particular: login verifies against it when the user does not exist,
 * so "no such user" and "wrong password" take the same time and give the same answer.
 */
let dummy: Promise<string> | undefined;
export const dummyHash = () => (dummy ??= hashPassword('tsunagi-no-such-user-placeholder'));
