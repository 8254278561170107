import { randomFillSync } from 'node:crypto';

// Crockford's base32: no I, L, O or U, so a reference read aloud or retyped stays unambiguous.
const REFERENCE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CHARACTERS = 16;

// Random bytes drawn 4 KiB at a time: one system call per 256 references rather than one each.
const pool = Buffer.alloc(4096);
let used = pool.length;

/** TX + 16 characters of 5 random bits each (80 bits, from the CSPRNG); the database refuses the (practically impossible) duplicate. */
export function newReference(): string {
  if (used + CHARACTERS > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  let reference = 'TX';
  for (let i = 0; i < CHARACTERS; i += 1) reference += REFERENCE_ALPHABET[pool[used + i]! & 31];
  used += CHARACTERS;
  return reference;
}
