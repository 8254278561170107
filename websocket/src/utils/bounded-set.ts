/** A set that forgets its oldest entries beyond `capacity`: enough to catch redeliveries without growing forever. */
export function createBoundedSet<T>(capacity: number) {
  const items = new Set<T>();
  return {
    has: (item: T) => items.has(item),
    add(item: T): void {
      if (items.has(item)) return;
      items.add(item);
      if (items.size > capacity) {
        const oldest = items.values().next();
        if (!oldest.done) items.delete(oldest.value);
      }
    },
    get size() {
      return items.size;
    },
  };
}
