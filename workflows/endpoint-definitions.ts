import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { LogStatus } from './types';

/**
 * The messages of an endpoint's flow workflow (`endpoint-<host:port>`, workflows/endpoint-flow.ts)
 * and of the event workflows it lets through. Workflow code imports this module: no I/O, no Node
 * built-ins.
 */
export const endpointFlowWorkflowId = (endpoint: string) => `endpoint-${endpoint}`;

/** How an integration's deliveries may flow (extra details `flowControl`); absent: as fast as they come. */
export interface FlowLimits {
  /** At most this many of the endpoint's deliveries are being sent at once, across every worker. */
  maxInFlight?: number;
  /** At most this many sends start per second. */
  ratePerSecond?: number;
}

/** The endpoint workflow's fixed settings, from configuration (workflows cannot read it). */
export interface EndpointFlowSettings {
  probeIntervalMs: number;
  probeMaxIntervalMs: number;
  /** While a backlog drains after a resume: at most this many in flight (or the endpoint's own limit). */
  resumeInFlight: number;
}

/** A delivery asking its endpoint for its turn. */
export interface EndpointJoin {
  /** The event workflow to signal (endpointGrantSignal) when it is this delivery's turn. */
  workflowId: string;
  logId: string;
  labId: number;
  limits?: FlowLimits;
  /** Ordered delivery: one at a time per key, in event order; a failure holds the key's later ones. */
  orderKey?: string;
  /** Event order within a key: the event's activityDate (ISO), then arrival. */
  order: string;
}

/** A delivery let through has been sent (or held again): its slot is free. */
export interface EndpointDone {
  logId: string;
  status: LogStatus;
  /** The send found the endpoint paused (or was a failed probe): the log waits again. */
  held?: boolean;
  /** Not sent: a grant the event workflow had no turn for, handed back. */
  returned?: boolean;
}

export type EndpointControl =
  | { action: 'pause'; by: string; reason: string; breaker?: boolean; labIds?: number[] }
  | { action: 'resume'; by: string; reason: string }
  /** An operator lets the later deliveries of an ordered key go past a failed one. */
  | { action: 'skip'; by: string; logId: string };

export const endpointJoinSignal = defineSignal<[EndpointJoin]>('endpointJoin');
export const endpointDoneSignal = defineSignal<[EndpointDone]>('endpointDone');
export const endpointControlSignal = defineSignal<[EndpointControl]>('endpointControl');

/** To an event workflow: this delivery may go now; `probe` marks the one send that tests a paused endpoint. */
export const endpointGrantSignal = defineSignal<[EndpointGrant]>('endpointGrant');

export interface EndpointGrant {
  logId: string;
  probe?: boolean;
  /** The endpoint that let it through (for a grant handed back before its delivery is known). */
  endpoint?: string;
}

export interface EndpointFlowView {
  endpoint: string;
  paused?: { at: string; by: string; reason: string; breaker: boolean; nextProbeAt?: string };
  waiting: number;
  inFlight: number;
  /** Ordered keys held by a failed log: key → log id. */
  blocked: Record<string, string>;
  limits: FlowLimits;
}

export const endpointFlowQuery = defineQuery<EndpointFlowView>('flow');
