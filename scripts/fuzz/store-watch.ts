import type { FuzzCase } from './fuzz-case';
import { isApiLogKey, isExpectedWrite, snapshotChanges, type StoreProbe, type StoreSnapshot } from './store-snapshot';

export type StoreChange = ReturnType<typeof snapshotChanges>[number];

const withoutApiLogs = (snapshot: StoreSnapshot) => JSON.stringify(Object.entries(snapshot).filter(([key]) => !isExpectedWrite(key)));

/**
 * The stores around each request, so that every change has one author. Requests go one at a time.
 * The config store is compared before and after every request. The log store is slow to count
 * (FerretDB), so it is compared around a group of refused requests: a change there is blamed on
 * the group. A success that starts Temporal work (an event, a retry) closes the group before it is
 * sent, and the run waits until its writes have settled before comparing again.
 */
export class StoreWatch {
  private config: StoreSnapshot = {};
  private logs: StoreSnapshot = {};
  private firstLogs: StoreSnapshot = {};
  private group: FuzzCase[] = [];

  constructor(
    private readonly probe: StoreProbe,
    private readonly groupSize = 25,
  ) {}

  /** Waits out work left from before (a fresh worker resumes earlier runs' workflows), then takes the first reference. */
  async start(): Promise<void> {
    await this.settle();
    this.firstLogs = this.logs;
  }

  /** Figures now, as the reference for what follows (after a success, a repair or a restart). */
  async rebaseline(): Promise<void> {
    [this.config, this.logs] = await Promise.all([this.probe.configStore(), this.probe.logStore()]);
    this.group = [];
  }

  /** Config-store changes since the last look: the request just answered is their only author. */
  async configChanges(): Promise<StoreChange[]> {
    const after = await this.probe.configStore();
    const changes = snapshotChanges(this.config, after);
    this.config = after;
    return changes;
  }

  /** Remembers a refused request; true when its group is full and should be closed. */
  addRefused(fuzzCase: FuzzCase): boolean {
    this.group.push(fuzzCase);
    return this.group.length >= this.groupSize;
  }

  /** Counts the log store: the changes (other than API logs) since the group opened, and the group's refused requests. */
  async closeGroup(): Promise<{ changes: StoreChange[]; group: FuzzCase[] }> {
    const after = await this.probe.logStore();
    const changes = snapshotChanges(this.logs, after).filter((change) => !isExpectedWrite(change.key));
    const group = this.group;
    this.logs = after;
    this.group = [];
    return { changes: group.length > 0 ? changes : [], group };
  }

  /** Waits until both stores stop moving (unchanged for 0.5 s, at least 0.6 s after the success), then takes them as the reference. */
  async settle(capMs = 20_000): Promise<boolean> {
    const started = Date.now();
    const both = async () => ({ ...(await this.probe.configStore()), ...(await this.probe.logStore()) });
    let last = withoutApiLogs(await both());
    let stableSince = Date.now();
    let settled = false;
    while (!settled && Date.now() - started < capMs) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const next = withoutApiLogs(await both());
      if (next !== last) stableSince = Date.now();
      last = next;
      settled = Date.now() - stableSince >= 500 && Date.now() - started >= 600;
    }
    await this.rebaseline();
    return settled;
  }

  /** API logs written since the start (refused partner calls write them by design). */
  async apiLogsAdded(): Promise<number> {
    const now = await this.probe.logStore();
    return Object.keys(now)
      .filter(isApiLogKey)
      .reduce((sum, key) => sum + Number(now[key] ?? 0) - Number(this.firstLogs[key] ?? 0), 0);
  }
}
