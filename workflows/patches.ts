/**
 * The patch ids of Labwire's workflows (`patched(id)` from @temporalio/workflow), one owner for
 * each string: a run records the id when it first takes the new branch, and replays of histories
 * without it take the old one. README "Changing workflow code" says when one may be retired.
 *
 * Workflow code imports this module: no I/O, no Node built-ins.
 */
export const patches = {
  /** 2026-11-30: an event workflow delivers to its integrations itself instead of starting one `delivery-<logId>` child each. */
  deliverInEventWorkflow: 'deliver-in-event-workflow',
  /** 2026-11-30: a retry that succeeds tells its endpoint's flow workflow (it may release an ordered key). */
  endpointFlow: 'endpoint-flow',
  /** 2026-11-30: a new run of an endpoint's flow workflow starts from the recorded pause and the deliveries still waiting. */
  endpointFlowRecovers: 'endpoint-flow-recovers',
} as const;
