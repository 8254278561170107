import { createSseParser } from '../src/utils/sse-parser';

describe('SSE parser', () => {
  it('yields the same events however the stream is chunked, with ids, names and multi-line data', () => {
    const stream = ': keepalive\n\nid: p1\nevent: transaction.posted\ndata: {"a":1}\n\nid: p2\ndata: line one\ndata: line two\n\n';
    const whole = createSseParser().push(stream);
    const parser = createSseParser();
    const pieces = [...stream].flatMap((char) => parser.push(char));
    expect(pieces).toEqual(whole);
    expect(whole).toEqual([
      { id: 'p1', event: 'transaction.posted', data: '{"a":1}' },
      { id: 'p2', event: 'message', data: 'line one\nline two' },
    ]);
  });

  it('accepts CRLF and CR line endings, including a CRLF split across chunks', () => {
    const parser = createSseParser();
    const events = [...parser.push('id: 7\r\ndata: x\r'), ...parser.push('\n\r\ndata: y\r\r: more\n')];
    expect(events).toEqual([
      { id: '7', event: 'message', data: 'x' },
      { id: '7', event: 'message', data: 'y' },
    ]);
  });

  it('drops events without data and keeps an incomplete event until its blank line arrives', () => {
    const parser = createSseParser();
    expect(parser.push('event: nothing\n\nid: 9\ndata: partial\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ id: '9', event: 'message', data: 'partial' }]);
  });
});
