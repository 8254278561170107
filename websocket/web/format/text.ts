// Checks and wording for what the customer types and reads, kept pure so they are tested without a browser.

/** bank-core's limits for a new password (bcrypt reads only the first 72 bytes, so longer ones are refused). */
export const PASSWORD_MIN_CHARS = 8;
export const PASSWORD_MAX_BYTES = 72;
export const PASSWORD_HINT = `8 or more characters, at most ${PASSWORD_MAX_BYTES} bytes (72 plain letters; fewer with accents or emoji)`;

/** Why bank-core would refuse `password` as a new password, or null when it would take it. */
export function passwordProblem(password: string): string | null {
  if ([...password].length < PASSWORD_MIN_CHARS) return `At least ${PASSWORD_MIN_CHARS} characters`;
  const bytes = new TextEncoder().encode(password).length;
  if (bytes > PASSWORD_MAX_BYTES)
    return `Too long: ${bytes} bytes, at most ${PASSWORD_MAX_BYTES} (accented letters and emoji take 2 to 4 bytes each)`;
  return null;
}

/** A transaction type as a label: "deposit" -> "Deposit", the same wherever it is shown. */
export const typeLabel = (type: string) => type.charAt(0).toUpperCase() + type.slice(1);
