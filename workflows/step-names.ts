/**
 * The name of every step a Labwire workflow takes, given to Temporal as the step's summary (user
 * metadata). An engineer sees it as `userMetadata.summary` in `temporal workflow show --detailed`
 * and `--output json`, and as the step's "Summary" in the Web UI. Each starts with the activity
 * type, so a local activity's anonymous `MarkerRecorded` says which write it was.
 *
 * The single owner of these strings: the workflows pass them as summaries, and the payload codec
 * (src/temporal/payload-codec.ts) leaves exactly these values unencrypted so they read without the
 * key. Fixed text only, never a value of a delivery: no ids, no status, no patient data (those
 * belong in the current details, which stay encrypted).
 *
 * Workflow code imports this module: no I/O, no Node built-ins.
 */
export const steps = {
  resolveDeliveries: 'resolveDeliveries · find the integrations to deliver to',
  prepareDeliveries: 'prepareDeliveries · find the integrations and pre-create their logs as QUEUED',
  prepareDeliveriesDurable: 'prepareDeliveries · find the integrations and pre-create their logs as QUEUED (durable, after the local write gave up)',
  sendAndRecordWebhook: 'sendAndRecordWebhook · send the HTTP request and record the outcome',
  sendAndRecordHl7: 'sendAndRecordHl7 · send the HL7 message over MLLP and record the ACK',
  createLog: 'createLog · pre-create the log as QUEUED',
  createLogDurable: 'createLog · pre-create the log as QUEUED (durable, after the local write gave up)',
  deliverWebhook: 'deliverWebhook · send the HTTP request',
  deliverToMirth: 'deliverToMirth · send the HL7 message over MLLP',
  finalizeLog: 'finalizeLog · record the dispatch outcome',
  finalizeLogDurable: 'finalizeLog · record the dispatch outcome (durable, after the local write gave up)',
  awaitCallback: 'awaitCallback · wait for the async vendor callback',
  finalizeCallback: 'finalizeLog · record the vendor callback or its timeout',
  finalizeCallbackDurable: 'finalizeLog · record the vendor callback or its timeout (durable, after the local write gave up)',
  acceptRetries: 'acceptRetries · keep the delivery open for retries',
  findSweepPage: 'findSweepPage · find logs the sweep retries',
  autoRetry: 'autoRetry · ask one delivery for an automatic retry',
  countBulkSelection: 'countBulkSelection · count the logs to retry',
  findBulkPage: 'findBulkPage · find the next logs to retry',
  bulkRetryOne: 'bulkRetryOne · retry one log and wait for it',
  removeExpiredBodies: 'removeExpiredBodies · remove the bodies of expired logs',
  describeWorker: 'describeWorker · name the worker that answered',
  announceEndpointChange: 'announceEndpointChange · record the pause or resume and alert it',
  describeWaiting: 'describeWaiting · tell waiting logs why they wait',
  recoverEndpointFlow: 'recoverEndpointFlow · read the recorded pause and the deliveries still waiting',
} as const;

export type StepName = (typeof steps)[keyof typeof steps];

/** Every step name, for the codec's rule and for tests. */
export const stepNames: readonly StepName[] = Object.values(steps);
