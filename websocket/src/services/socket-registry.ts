import type { Role } from '@bank/common';

/** What the registry needs of a connection: whom it belongs to and how to send it text. */
export interface RegisteredSocket {
  readonly connectionId: string;
  readonly sessionId: string;
  readonly userId: string;
  /** The user's role as bank-core last reported it for this socket's session. */
  readonly role: Role;
  sendText(text: string): void;
  end(code: number, reason: string, notice?: unknown): void;
}

/** The open, authenticated sockets by user id (where live account events are pushed) and staff's (the chat queue). */
export function createSocketRegistry() {
  const byUser = new Map<string, Set<RegisteredSocket>>();
  const admins = new Set<RegisteredSocket>();

  return {
    add(userId: string, socket: RegisteredSocket): void {
      let sockets = byUser.get(userId);
      if (!sockets) byUser.set(userId, (sockets = new Set()));
      sockets.add(socket);
      if (socket.role === 'admin') admins.add(socket);
    },
    remove(userId: string, socket: RegisteredSocket): void {
      admins.delete(socket);
      const sockets = byUser.get(userId);
      if (!sockets) return;
      sockets.delete(socket);
      if (sockets.size === 0) byUser.delete(userId);
    },
    /** The authenticated sockets of `userId` (a copy: ending one while iterating is safe). */
    socketsOf(userId: string): RegisteredSocket[] {
      return [...(byUser.get(userId) ?? [])];
    },
    /** How many authenticated sockets `userId` has open. */
    countOf(userId: string): number {
      return byUser.get(userId)?.size ?? 0;
    },
    /** Sends one message to every socket of a staff member (role admin); returns how many got it. */
    pushToRole(role: 'admin', message: unknown): number {
      const text = JSON.stringify(message);
      // Sockets that were staff when they authenticated, and still are: a revoked role stops the pushes at once.
      let sent = 0;
      for (const socket of admins) {
        if (socket.role !== role) continue;
        socket.sendText(text);
        sent += 1;
      }
      return sent;
    },
    /** Sends one message to every socket of `userId`, serialised once; returns how many got it. */
    pushToUser(userId: string, message: unknown): number {
      const sockets = byUser.get(userId);
      if (!sockets) return 0;
      const text = JSON.stringify(message);
      for (const socket of sockets) socket.sendText(text);
      return sockets.size;
    },
    /** Every authenticated socket, e.g. for the periodic session re-check. */
    *all(): Iterable<RegisteredSocket> {
      for (const sockets of byUser.values()) yield* sockets;
    },
    get size() {
      let count = 0;
      for (const sockets of byUser.values()) count += sockets.size;
      return count;
    },
  };
}

export type SocketRegistry = ReturnType<typeof createSocketRegistry>;
