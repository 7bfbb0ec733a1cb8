// The partners of a chaos run: a webhook receiver, an async vendor and a Mirth peer that misbehave
// on a seeded share of requests, and remember what they answered to whom, in order.
import type { Hl7Message } from '@medplum/core';
import { MirthPeer } from '../../test/support/mirth-peer';
import { Receiver, type ReceivedRequest, type Reply } from '../../test/support/receiver';
import type { Random } from './random';

export type Answer = 'ok' | 'error' | 'stall' | 'AA' | 'AE' | 'hang-up';

/** One send as the partner saw it: which log it named, under which key, and what it was told. */
export interface Send {
  logId: string;
  /** Idempotency-Key (webhook, vendor) or MSH-10 (Mirth). */
  key: string;
  answer: Answer;
  at: number;
}

/** The vendor's calls back to Labwire, per log: what it reported and what the API answered. */
export interface Callback {
  logId: string;
  status: 'SUCCESS' | 'FAIL';
  answers: number[];
  at: number;
  /** When Labwire took it (202). */
  acceptedAt?: number;
}

export interface FaultShares {
  webhookError: number;
  webhookStall: number;
  vendorError: number;
  /** Calls back after the callback timeout has run out. */
  vendorLate: number;
  vendorTwice: number;
  vendorReportsFail: number;
  mirthAe: number;
  mirthHangUp: number;
}

export const FAULT_SHARES: FaultShares = {
  webhookError: 0.3,
  webhookStall: 0.05,
  vendorError: 0.2,
  vendorLate: 0.1,
  vendorTwice: 0.2,
  vendorReportsFail: 0.1,
  mirthAe: 0.15,
  mirthHangUp: 0.1,
};

/** How the vendor reaches Labwire's callback route: through any API replica that answers. */
export type CallBack = (logId: string, body: { status: 'SUCCESS' | 'FAIL'; message?: string }) => Promise<number>;

/** The webhook receiver and the async vendor: the suite's HTTP receiver, two paths. */
export class FaultyHttpPartner {
  readonly sends: Send[] = [];
  readonly vendorSends: Send[] = [];
  readonly callbacks: Callback[] = [];
  /** Requests without an Idempotency-Key: a partner could not drop their duplicates. */
  readonly unkeyed: string[] = [];
  private readonly receiver = new Receiver();
  private readonly vendorJobs = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly random: Random,
    private readonly shares: FaultShares,
    private readonly callbackTimeoutMs: number,
    private readonly callBack: CallBack,
  ) {
    this.receiver.on('/hook', (request) => this.webhook(request)).on('/vendor', (request) => this.vendor(request));
  }

  async start(): Promise<this> {
    await this.receiver.start();
    return this;
  }

  url(path: '/hook' | '/vendor'): string {
    return this.receiver.url(path);
  }

  /** Callbacks not yet made or still being retried. */
  get pendingCallbacks(): number {
    return this.timers.size;
  }

  async stop(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    await this.receiver.stop();
  }

  private keyOf(request: ReceivedRequest): string {
    const key = request.headers['idempotency-key'] ?? '';
    if (!key) this.unkeyed.push(`${request.method} ${request.path}`);
    return key;
  }

  private webhook(request: ReceivedRequest): Reply {
    const key = this.keyOf(request);
    const roll = this.random();
    const answer: Answer = roll < this.shares.webhookError ? 'error' : roll < this.shares.webhookError + this.shares.webhookStall ? 'stall' : 'ok';
    this.sends.push({ logId: key, key, answer, at: Date.now() });
    return reply(answer, 200);
  }

  private vendor(request: ReceivedRequest): Reply {
    const key = this.keyOf(request);
    const answer: Answer = this.random() < this.shares.vendorError ? 'error' : 'ok';
    this.vendorSends.push({ logId: key, key, answer, at: Date.now() });
    // One job per log at a time, however often it is submitted: the vendor drops a repeated key
    // until it has called back (a retry after that is a new job).
    if (answer === 'ok' && key && !this.vendorJobs.has(key)) this.startJob(key);
    return reply(answer, 202);
  }

  private startJob(key: string): void {
    this.vendorJobs.add(key);
    const late = this.random() < this.shares.vendorLate;
    const status = this.random() < this.shares.vendorReportsFail ? 'FAIL' : 'SUCCESS';
    const delayMs = late ? this.callbackTimeoutMs + 5_000 : 500 + this.random() * (this.callbackTimeoutMs / 4);
    const twice = this.random() < this.shares.vendorTwice;
    this.later(delayMs, async () => {
      await this.callBackUntilAnswered(key, status);
      if (twice) await this.callBackUntilAnswered(key, status === 'SUCCESS' ? 'FAIL' : 'SUCCESS');
      this.vendorJobs.delete(key);
    });
  }

  /** A vendor retries a callback Labwire could not take (5xx, no answer), as real ones do; a 4xx is final. */
  private async callBackUntilAnswered(logId: string, status: 'SUCCESS' | 'FAIL'): Promise<void> {
    const callback: Callback = { logId, status, answers: [], at: Date.now() };
    this.callbacks.push(callback);
    for (let attempt = 0; attempt < 150 && !this.closed; attempt++) {
      const answer = await this.callBack(logId, { status, ...(status === 'FAIL' ? { message: 'Address not serviceable' } : {}) }).catch(() => 0);
      callback.answers.push(answer);
      if (answer === 202) callback.acceptedAt = Date.now();
      if (answer >= 200 && answer < 500) return;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  private later(ms: number, action: () => Promise<void>): void {
    const timer = setTimeout(() => {
      void action().finally(() => this.timers.delete(timer));
    }, ms);
    this.timers.add(timer);
  }
}

/** A stall never answers (the sender's timeout ends it); an error is a 500. */
function reply(answer: Answer, okStatus: number): Reply {
  if (answer === 'stall') return { status: 0, hang: true };
  return answer === 'ok' ? { status: okStatus, body: '{"ok":true}', headers: { 'content-type': 'application/json' } } : { status: 500, body: '{"error":"chaos"}', headers: { 'content-type': 'application/json' } };
}

/** The Mirth channel: answers AA, AE or hangs up, and remembers each message's MSH-10. */
export class FaultyMirth {
  readonly peer = new MirthPeer();
  readonly sends: Send[] = [];
  port = 0;

  constructor(
    private readonly random: Random,
    private readonly shares: FaultShares,
  ) {
    this.peer.decide = (message) => this.decide(message);
  }

  async start(): Promise<this> {
    this.port = await this.peer.start();
    return this;
  }

  stop(): Promise<void> {
    return this.peer.stop();
  }

  private decide(message: Hl7Message) {
    const key = message.getSegment('MSH')?.getField(10)?.toString() ?? '';
    const roll = this.random();
    const answer: Answer = roll < this.shares.mirthAe ? 'AE' : roll < this.shares.mirthAe + this.shares.mirthHangUp ? 'hang-up' : 'AA';
    // The log is found by the control id's first 16 characters (the log id's) when the run is checked.
    this.sends.push({ logId: '', key, answer, at: Date.now() });
    return answer === 'AE' ? { kind: 'AE' as const, text: 'chaos says no' } : answer === 'hang-up' ? { kind: 'hang-up' as const } : { kind: 'AA' as const };
  }
}
