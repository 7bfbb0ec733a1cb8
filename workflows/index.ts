export { ping } from './ping';
export { businessEventWorkflow } from './business-event';
export { deliveryWorkflow } from './delivery';
export { sweepWorkflow } from './sweep';
export { bulkRetryWorkflow } from './bulk-retry';
export { bodyRetentionWorkflow } from './body-retention';
export { endpointFlowWorkflow } from './endpoint-flow';
