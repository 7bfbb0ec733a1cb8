import type { Client } from '@temporalio/client';
import type { Config } from '../config/schema';
import { endpointControlSignal, endpointFlowWorkflowId, endpointJoinSignal, type EndpointControl, type EndpointFlowSettings, type EndpointJoin } from '../../workflows/endpoint-definitions';
import { endpointFlowWorkflow } from '../../workflows/endpoint-flow';

export function endpointFlowSettings(config: Config): EndpointFlowSettings {
  return { ...config.endpointFlow };
}

/**
 * Signal-with-start: the endpoint's flow workflow takes the message, started first if it is not
 * running (an endpoint with nothing waiting, paused or held has none). It runs on the default queue.
 */
function signalEndpointFlow<A extends [EndpointJoin] | [EndpointControl]>(temporal: Client, config: Config, endpoint: string, signal: typeof endpointJoinSignal | typeof endpointControlSignal, args: A) {
  return temporal.workflow.signalWithStart(endpointFlowWorkflow, {
    workflowId: endpointFlowWorkflowId(endpoint),
    taskQueue: config.temporal.taskQueue,
    args: [{ endpoint, settings: endpointFlowSettings(config) }],
    signal: signal as typeof endpointJoinSignal,
    signalArgs: args as [EndpointJoin],
  });
}

/** A delivery asks for its turn at its endpoint. */
export const joinEndpointFlow = (temporal: Client, config: Config, endpoint: string, join: EndpointJoin) => signalEndpointFlow(temporal, config, endpoint, endpointJoinSignal, [join]);

/** Pause, resume or skip, by the breaker or an operator. */
export const controlEndpointFlow = (temporal: Client, config: Config, endpoint: string, control: EndpointControl) =>
  signalEndpointFlow(temporal, config, endpoint, endpointControlSignal, [control]);
