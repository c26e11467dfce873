import * as argon2 from 'argon2';

let memoryCost = 65536;

/** Set once at boot from PASSWORD_HASH_MEMORY_KIB; verification reads the cost from each hash. */
export function configurePasswordHashing(memoryKib: number): void {
  memoryCost = memoryKib;
}

/** argon2id, memory-hard (default 64 MiB, 3 passes: the library's defaults, within OWASP's advice). */
export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id, memoryCost });

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
