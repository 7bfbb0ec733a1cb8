// A dashboard as an operator keeps one open: a live stream on one API replica that reconnects when
// the stream ends and then reloads what it shows, as web/src/live.ts and the logs page do.
import type { ApiClient } from '../../test/support/api-client';
import { SseClient } from '../../test/support/sse-client';

export class Dashboard {
  /** The status this dashboard shows for each delivery log. */
  readonly shown = new Map<string, string>();
  connects = 0;
  eventsSeen = 0;
  private stream?: SseClient;
  private stopped = false;
  private running?: Promise<void>;

  constructor(
    readonly name: string,
    private readonly api: ApiClient,
  ) {}

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.stream?.close();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.session();
      } catch {
        // the replica is down or restarting: try again, as EventSource does after `retry:`
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  /** One stream: opened, then the list reloaded, then every change applied in the order it came (those during the reload too). */
  private async session(): Promise<void> {
    const stream = await new SseClient().connect(`${this.api.baseUrl}/api/stream`, await this.api.cookieHeader());
    this.stream = stream;
    if (this.stopped) return stream.close();
    this.connects++;
    try {
      await this.reload();
      let applied = 0;
      const applyNew = () => {
        for (const { data } of stream.events.slice(applied)) this.shown.set(String(data.logId), String(data.status));
        this.eventsSeen += stream.events.length - applied;
        applied = stream.events.length;
      };
      const ended = stream.ended().then(() => 'ended' as const);
      while ((await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 200))])) !== 'ended') applyNew();
      applyNew();
    } finally {
      await stream.close();
    }
  }

  /** Every delivery log with its status, as the list shows them (the export: one request, no paging). */
  private async reload(): Promise<void> {
    const answer = await fetch(`${this.api.baseUrl}/api/logs/export?type=WEBHOOK`, { headers: await this.api.cookieHeader() });
    if (!answer.ok) throw new Error(`export answered ${answer.status}`);
    for (const line of (await answer.text()).split('\n')) {
      if (!line.trim()) continue;
      const row = JSON.parse(line) as { id?: string; _id?: string; status: string };
      this.shown.set(row.id ?? row._id ?? '', row.status);
    }
  }
}
