export interface SseEvent {
  /** The last `id:` seen so far in the stream (SSE keeps it across events), or undefined. */
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * An incremental Server-Sent Events parser (the WHATWG event-stream rules that matter here):
 * feed it decoded text in any chunking, get back the complete events. Comment lines (`: keepalive`)
 * are skipped, `data:` lines join with "\n", a blank line dispatches, an event without data is dropped.
 */
export function createSseParser() {
  let buffer = '';
  let lastId: string | undefined;
  let committedId: string | undefined;
  let eventName = '';
  let data: string[] = [];

  function line(text: string, out: SseEvent[]): void {
    if (text === '') {
      committedId = lastId;
      if (data.length > 0) out.push({ id: lastId, event: eventName || 'message', data: data.join('\n') });
      eventName = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') eventName = value;
    else if (field === 'id' && !value.includes('\0')) lastId = value;
  }

  return {
    push(chunk: string): SseEvent[] {
      buffer += chunk;
      const out: SseEvent[] = [];
      // Index-based so a large replay arriving in one chunk costs linear time, not a slice per line.
      let start = 0;
      let cr = -2; // the next "\r" at or after start; -1 once there is none left (most streams use "\n")
      for (;;) {
        const lf = buffer.indexOf('\n', start);
        if (cr !== -1 && cr < start) cr = buffer.indexOf('\r', start);
        const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
        if (end === -1) break;
        // A lone "\r" at the very end may be the first half of "\r\n": wait for the next chunk.
        if (end === cr && cr === buffer.length - 1) break;
        line(buffer.slice(start, end), out);
        start = end === cr && buffer[cr + 1] === '\n' ? cr + 2 : end + 1;
      }
      buffer = buffer.slice(start);
      return out;
    },
    /**
     * The stream position as of the last blank line, even one that closed a block without data
     * (a server may announce its starting position that way). An `id:` of a block still arriving is not included.
     */
    get committedId() {
      return committedId;
    },
    /** Unconsumed text; a stream that never sends a newline must not grow it without bound. */
    get pendingLength() {
      return buffer.length;
    },
  };
}
