import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session, State } from '../state/session';
import { useStore } from '../state/store';

export const SessionContext = createContext<Session | null>(null);

/** The page's controller, given to every component by App. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside App');
  return session;
}

/** A slice of what the page shows. */
export function useAppState<T>(select: (state: State) => T): T {
  return useStore(useSession().store, select);
}
