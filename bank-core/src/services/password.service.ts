import bcrypt from 'bcryptjs';

/**
 * bcrypt hashing with the configured cost. `verifyOrWaste` compares against a throwaway hash when
 * there is no user, so a wrong email costs the same time as a wrong password.
 */
export function createPasswordHasher(cost: number) {
  let decoy: Promise<string> | undefined;
  const decoyHash = () => (decoy ??= bcrypt.hash('decoy-password-never-matches', cost));

  return {
    hash: (password: string) => bcrypt.hash(password, cost),
    async verifyOrWaste(password: string, hash: string | undefined): Promise<boolean> {
      if (hash) return bcrypt.compare(password, hash);
      await bcrypt.compare(password, await decoyHash());
      return false;
    },
    /** Computes the decoy at start-up so the first unknown-email login is not faster than the rest. */
    warmUp: async () => {
      await decoyHash();
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
