import { showable } from '../../../common/src/unshowable';
import { ApiError, createHttpClient, type FailureReport } from '../api/http';
import { createBankApi } from '../api/bank';
import { createLiveSocket, type LiveSocket, type ServerFrame } from '../api/socket';
import type { Account, PageConfig } from '../api/types';
import { createIdleTimer, type IdleTimer } from './idle';
import { applyFrame } from './frames';
import { createStore, emptyState, type Notice, type State, type View } from './store';

/** `value` with every string (keys too) made showable, for reports the page sends. */
function clean(value: unknown): unknown {
  if (typeof value === 'string') return showable(value);
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [showable(k), clean(v)]));
  return value;
}

/**
 * The page's controller: the session (sign-in, restore on reload, sign-out), the socket and what it
 * pushes, the idle timeout, and the reports of what the customer did and what failed (interactions.txt
 * and errors.txt, with bank-core's request id). Components read the store and call these actions.
 */
export function createSession(config: PageConfig) {
  const store = createStore(emptyState('starting'));
  let socket: LiveSocket | null = null;
  let idle: IdleTimer | null = null;
  let sessionKey = 0;
  // Reports made before the socket is up wait here (bounded); the socket queues its own beyond that.
  const early: Record<string, unknown>[] = [];

  const report = (raw: Record<string, unknown>) => {
    // What the page reports (error messages, URLs) may hold characters staff must not be shown; the service
    // refuses such a report whole, so they are replaced here and the report still arrives.
    const frame = clean(raw) as Record<string, unknown>;
    if (socket) socket.send(frame);
    else if (early.push(frame) > 20) early.shift();
  };
  /** A customer action, as an interaction line. */
  const interaction = (action: string, data: Record<string, unknown> = {}) =>
    report({ type: 'event.interaction', data: { action, ...data } });
  /** A failure the customer saw, as an error line; an API error carries bank-core's X-Request-Id. */
  const failure = (data: Record<string, unknown>, requestId?: string | null) =>
    report({ type: 'event.error', data, ...(requestId ? { requestId } : {}) });

  const http = createHttpClient({
    onFailure: (failed: FailureReport) => {
      // A refused sign-in is the customer's typo, not a failure of the bank; nobody is signed in to report it for.
      if (store.get().phase === 'signed-in') failure({ ...failed }, failed.requestId);
      // Refused a staff call: the role may have been revoked since sign-in; bank-core says which it is now.
      if (failed.status === 403 && store.get().user?.role === 'admin') void refreshUser();
    },
  });
  const bank = createBankApi(http);

  function notify(notice: Notice | null) {
    store.set({ notice });
  }

  /** Shows an error the customer must see, with its request id for support. */
  function showError(error: unknown) {
    if (error instanceof ApiError) notify({ kind: 'error', text: error.message, requestId: error.requestId });
    else notify({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
  }

  /**
   * Reads who the user is now (the role may have changed since sign-in) and leaves the staff console when
   * bank-core no longer says admin. Failures are left to the call that caused the check.
   */
  async function refreshUser(): Promise<void> {
    const user = await bank.me().catch(() => null);
    if (!user || store.get().phase !== 'signed-in') return;
    store.set((state) => ({ user, view: state.view === 'console' && user.role !== 'admin' ? 'accounts' : state.view }));
  }

  async function loadAccounts(): Promise<Account[]> {
    const accounts = await bank.accounts();
    store.set((state) => ({
      accounts,
      selectedAccountId:
        state.selectedAccountId && accounts.some((a) => a.id === state.selectedAccountId)
          ? state.selectedAccountId
          : (accounts.find((a) => a.status === 'open')?.id ?? accounts[0]?.id ?? null),
    }));
    return accounts;
  }

  const onFrame = (frame: ServerFrame) => {
    if (frame.type === 'session.expired' && frame.reason === 'revoked') return;
    applyFrame(store, frame);
  };

  /** After a token is in hand: who the user is, their accounts, the socket, the idle timer. */
  async function begin(how: 'sign-in' | 'restore') {
    const user = await bank.me();
    sessionKey += 1;
    store.reset({ ...emptyState('signed-in', sessionKey), user });
    await loadAccounts();
    socket = createLiveSocket({
      wsPath: config.wsPath,
      token: () => http.token,
      refresh: http.refresh,
      onFrame,
      onStatus: (connection) => {
        const wasAway = store.get().connection === 'reconnecting';
        store.set({ connection });
        if (connection === 'ended') void end('Your session has ended. Please sign in again.');
        // Live again after a drop (a restart of the service, a network change): whatever was pushed meanwhile
        // is lost, so the page reads bank-core again rather than keep a stale balance.
        if (connection === 'live' && wasAway) {
          store.set((state) => ({ resyncs: state.resyncs + 1 }));
          loadAccounts().catch(showError);
          void refreshUser();
        }
      },
    });
    for (const frame of early.splice(0)) socket.send(frame);
    socket.start();
    socket.send({ type: 'chat.history' });
    if (user.role === 'admin') socket.send({ type: 'chat.queue' });
    idle = createIdleTimer({
      timeoutMs: config.idleTimeoutMs,
      warningMs: config.idleWarningMs,
      onWarn: () => store.set({ idleWarning: true }),
      onTimeout: () => void end('You were signed out after a while without activity.'),
    });
    interaction(how === 'sign-in' ? 'signed-in' : 'session-restored');
  }

  let ending: Promise<void> | null = null;
  // Set while a password change is under way: bank-core then ends every session of the user, and the
  // socket may notice first; the customer should still read why.
  let endingBecause: string | null = null;

  /**
   * Ends the session and wipes every trace of it from the page: state, forms (remounted), socket,
   * timers. Called once per session, whoever notices first (sign-out, idle timer, socket, password change).
   */
  function end(reason: string | null): Promise<void> {
    ending ??= (async () => {
      const why = endingBecause ?? reason;
      idle?.stop();
      idle = null;
      if (why === null) interaction('signed-out');
      const closing = socket;
      socket = null;
      // Give the socket a moment to send the sign-out line before it closes.
      setTimeout(() => closing?.stop(), 100);
      early.length = 0;
      await bank.signOut();
      sessionKey += 1;
      endingBecause = null;
      store.reset({ ...emptyState('signed-out', sessionKey), endedBecause: why });
    })().finally(() => {
      ending = null;
    });
    return ending;
  }

  return {
    store,
    bank,
    interaction,
    notify,
    showError,
    loadAccounts,

    /** On page load: a live refresh cookie restores the session without asking for the password. */
    async restore() {
      if (await http.refresh()) {
        try {
          await begin('restore');
          return;
        } catch {
          http.setToken(null);
        }
      }
      store.reset(emptyState('signed-out', ++sessionKey));
    },
    async signIn(email: string, password: string) {
      await bank.signIn(email, password);
      await begin('sign-in');
    },
    async signUp(name: string, email: string, password: string) {
      await bank.signUp(name, email, password);
      await bank.signIn(email, password);
      await begin('sign-in');
    },
    signOut: () => end(null),
    /**
     * Changes the password; bank-core then ends every session of the user, this one included, so the
     * page signs out and asks for the new password.
     * @throws ApiError when bank-core refuses (wrong current password, too short); nothing changes then.
     */
    async changePassword(currentPassword: string, password: string) {
      const user = store.get().user!;
      endingBecause = 'Your password was changed. Please sign in with the new one.';
      try {
        await bank.updateUser(user.id, { password, currentPassword });
      } catch (error) {
        endingBecause = null;
        throw error;
      }
      interaction('changed-password');
      await end(endingBecause);
    },
    stayActive() {
      idle?.touch();
      store.set({ idleWarning: false });
    },
    go(view: View) {
      store.set({ view, notice: null });
      if (view === 'console') void refreshUser();
      interaction('opened', { view });
    },
    selectAccount(accountId: string) {
      store.set({ selectedAccountId: accountId });
    },
    /** A line of the support chat: shown at once, marked delivered when the service acknowledges it. */
    async sendChat(text: string) {
      const tempId = `local-${crypto.randomUUID()}`;
      const user = store.get().user!;
      const mine = {
        messageId: tempId,
        conversationId: user.id,
        from: 'customer' as const,
        staffId: null,
        text,
        time: new Date().toISOString(),
      };
      store.set((state) => ({
        chat: {
          ...(state.chat ?? { conversationId: user.id, state: 'waiting', assignedTo: null, messages: [] }),
          messages: [...(state.chat?.messages ?? []), { ...mine, delivery: 'sending' }],
        },
      }));
      const mark = (change: { messageId?: string; delivery: 'delivered' | 'failed' }) =>
        store.set((state) => ({
          chat: state.chat && {
            ...state.chat,
            // The ack comes before the service echoes the line, so the echo finds the real id and is skipped.
            messages: state.chat.messages.map((m) => (m.messageId === tempId ? { ...m, ...change } : m)),
          },
        }));
      if (!socket) return mark({ delivery: 'failed' });
      try {
        const ack = await socket.track({ type: 'chat.send', text });
        mark({ messageId: String(ack.messageId), delivery: 'delivered' });
      } catch (error) {
        mark({ delivery: 'failed' });
        failure({ kind: 'chat', message: error instanceof Error ? error.message : String(error) });
      }
    },
    /** Staff: a frame for the chat queue (take, reply, close, history, queue). */
    staff(frame: Record<string, unknown>) {
      if (!socket) return Promise.reject(new Error('Not connected'));
      return socket.track(frame);
    },
    /** An uncaught script error or rejected promise, for errors.txt. */
    scriptError(data: Record<string, unknown>) {
      failure({ kind: 'script', ...data });
    },
  };
}

export type Session = ReturnType<typeof createSession>;
export type { State };
