import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BusinessEvent, DeliveryInput, DeliveryState, DeliveryTarget, RetryRequest, RetryResult, VendorCallback } from './types';

/**
 * Names shared by workflows and the code that starts or inspects them.
 * Workflow code imports this module, so it must stay free of I/O and Node built-ins.
 */
export const searchAttributes = {
  labId: defineSearchAttributeKey('LabId', SearchAttributeType.KEYWORD),
  logId: defineSearchAttributeKey('LogId', SearchAttributeType.KEYWORD),
  actionCategoryId: defineSearchAttributeKey('ActionCategoryId', SearchAttributeType.KEYWORD),
  eventId: defineSearchAttributeKey('EventId', SearchAttributeType.KEYWORD),
} as const;

export const deliveryWorkflowId = (logId: string) => `delivery-${logId}`;

/** Set when a delivery starts (however it starts), so each one is findable by lab, log, action and event. */
export function deliverySearchAttributes(event: BusinessEvent, target: Pick<DeliveryTarget, 'logId' | 'actionCategoryId'>) {
  return [
    { key: searchAttributes.labId, value: String(event.labId) },
    { key: searchAttributes.logId, value: target.logId },
    { key: searchAttributes.actionCategoryId, value: String(target.actionCategoryId) },
    { key: searchAttributes.eventId, value: event.eventId },
  ];
}

/** An async vendor's answer, delivered by POST /partner/v1/callbacks/<logId>. */
export const vendorCallbackSignal = defineSignal<[VendorCallback]>('vendorCallback');

export const deliveryStateQuery = defineQuery<DeliveryState>('state');

/**
 * Re-dispatch on live data. An update, not a signal: its validator tells the caller at once
 * whether the retry was accepted (a dispatch already running, or SUCCESS without force, is refused).
 */
export const retryDeliveryUpdate = defineUpdate<RetryResult, [RetryRequest]>('retry');

/**
 * The same for a log of an event workflow, which holds all the logs of its event: the delivery
 * travels with the request (rebuilt from the log, ids only) so a run reopened by the retry knows it.
 */
export const retryLogUpdate = defineUpdate<RetryResult, [RetryRequest, DeliveryInput]>('retryLog');

/** Every delivery of an event workflow, as `state` answers for one `delivery-<logId>` run. */
export const eventDeliveriesQuery = defineQuery<DeliveryState[]>('deliveries');

/** A log's workflow: its event's (`event-<labId>-<eventId>`) since deliveries run there, or its own `delivery-<logId>` before. */
export const isEventWorkflowId = (workflowId: string) => workflowId.startsWith('event-');

/** Set on the event workflow when the emitter starts it (or a retry reopens it): findable by lab, event and action. */
export function eventSearchAttributes(event: BusinessEvent) {
  return [
    { key: searchAttributes.labId, value: String(event.labId) },
    { key: searchAttributes.actionCategoryId, value: String(event.actionCategoryId) },
    { key: searchAttributes.eventId, value: event.eventId },
  ];
}
