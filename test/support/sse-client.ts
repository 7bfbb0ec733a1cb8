/** A real Server-Sent Events client (fetch + stream), recording each `log` event with its arrival time. */
export class SseClient {
  readonly events: Array<{ data: Record<string, unknown>; receivedAt: number }> = [];
  /** Each `endpoint` event (a pause or resume). */
  readonly endpointEvents: Array<Record<string, unknown>> = [];
  /** Everything the stream sent, as text. */
  raw = '';
  private readonly abort = new AbortController();
  private reading?: Promise<void>;

  async connect(url: string, headers: Record<string, string> = {}): Promise<this> {
    const response = await fetch(url, { signal: this.abort.signal, headers: { accept: 'text/event-stream', ...headers } });
    if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    this.reading = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          const text = decoder.decode(value, { stream: true });
          this.raw += text;
          buffer += text;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (/^event: log$/m.test(frame) && data) this.events.push({ data: JSON.parse(data) as Record<string, unknown>, receivedAt: Date.now() });
            if (/^event: endpoint$/m.test(frame) && data) this.endpointEvents.push(JSON.parse(data) as Record<string, unknown>);
          }
        }
      } catch {
        // aborted
      }
    })();
    return this;
  }

  /** Settles when the server ends the stream (or `close()` aborts it). */
  ended(): Promise<void> {
    return this.reading ?? Promise.resolve();
  }

  close(): Promise<void> {
    this.abort.abort();
    return this.reading ?? Promise.resolve();
  }
}
