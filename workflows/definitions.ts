import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

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
