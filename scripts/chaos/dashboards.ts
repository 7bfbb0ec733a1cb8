// A dashboard as an operator keeps one open: a live stream on one API replica that reconnects when
// the stream ends and then reloads what it shows, as web/src/live.ts and the logs page do.
import type { ApiClient } from '../../test/support/api-client';

export class Dashboard {
  /** The status this dashboard shows for each delivery log. */
  readonly shown = new Map<string, string>();
  connects = 0;
  eventsSeen = 0;
  private readonly abort = new AbortController();
  private running?: Promise<void>;

  constructor(
    readonly name: string,
    private readonly api: ApiClient,
  ) {}

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        await this.session();
      } catch {
        // the replica is down or restarting: try again, as EventSource does after `retry:`
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  /** One stream: opened, then the list reloaded, then every change applied in the order it came. */
  private async session(): Promise<void> {
    const headers = await this.api.cookieHeader();
    const response = await fetch(`${this.api.baseUrl}/api/stream`, { signal: this.abort.signal, headers: { accept: 'text/event-stream', ...headers } });
    if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
    this.connects++;
    const pending: Array<{ logId: string; status: string }> = [];
    let loaded = false;
    const apply = (change: { logId: string; status: string }) => (loaded ? this.shown.set(change.logId, change.status) : pending.push(change));
    const reader = response.body.getReader();
    const reading = this.read(reader, apply);
    // Awaited below; a stream that ends while the list loads must not count as unhandled meanwhile.
    reading.catch(() => undefined);
    await this.reload();
    loaded = true;
    for (const change of pending.splice(0)) this.shown.set(change.logId, change.status);
    await reading;
  }

  private async read(reader: ReadableStreamDefaultReader<Uint8Array>, apply: (change: { logId: string; status: string }) => void): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (!/^event: log$/m.test(frame) || !data) continue;
        const change = JSON.parse(data) as { logId: string; status: string };
        this.eventsSeen++;
        apply(change);
      }
    }
  }

  /** Every delivery log with its status, as the list shows them (the export: one request, no paging). */
  private async reload(): Promise<void> {
    const headers = await this.api.cookieHeader();
    const response = await fetch(`${this.api.baseUrl}/api/logs/export?type=WEBHOOK`, { signal: this.abort.signal, headers });
    if (!response.ok) throw new Error(`export answered ${response.status}`);
    for (const line of (await response.text()).split('\n')) {
      if (!line.trim()) continue;
      const row = JSON.parse(line) as { id?: string; _id?: string; status: string };
      this.shown.set(row.id ?? row._id ?? '', row.status);
    }
  }
}
