import type { Session } from '../state/session';
import { useStore } from '../state/store';
import { AuthScreen } from './AuthScreen';
import { SessionContext } from './context';
import { Shell } from './Shell';

/**
 * The whole page. Each session gets a fresh `key`, so signing out (or in as someone else)
 * unmounts every screen: no form value, list or message of the previous customer survives.
 */
export function App({ session }: { session: Session }) {
  const { phase, sessionKey } = useStore(session.store, (s) => ({ phase: s.phase, sessionKey: s.sessionKey }));
  return (
    <SessionContext.Provider value={session}>
      {phase === 'starting' ? (
        <p class="loading" role="status">
          Loading the bank…
        </p>
      ) : phase === 'signed-in' ? (
        <Shell key={sessionKey} />
      ) : (
        <AuthScreen key={sessionKey} />
      )}
    </SessionContext.Provider>
  );
}
