/**
 * One page of a keyset-paginated list. Callers fetch `limit + 1` rows: the extra row only says that
 * another page exists, and the cursor points after the last row shown.
 */
export function toPage<T, Item>(rows: T[], limit: number, present: (row: T) => Item, cursorOf: (row: T) => string) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(present), nextCursor: rows.length > limit && last ? cursorOf(last) : null };
}
