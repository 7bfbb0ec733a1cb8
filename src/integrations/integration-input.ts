import { z } from 'zod';
import { positiveId } from '../validation';
import { INTEGRATION_TYPES, PAYLOAD_TYPES } from '../db/schema';
import { templateTextProblem } from '../templates/template-check';
import { PREVIOUS_SIGNING_SECRET, isMaskedSecret } from './integration-secrets';
import { URL_CREDENTIALS_MESSAGE, hasUrlCredentials } from './url-credentials';

export const httpUrl = z
  .string({ error: 'expected an http(s) URL' })
  .max(2048, 'must be at most 2048 characters')
  .refine((value) => {
    try {
      return ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, 'expected an http(s) URL')
  .refine((value) => !hasUrlCredentials(value), URL_CREDENTIALS_MESSAGE);
const requestType = z.union([z.literal(0), z.literal(1)], { error: 'expected 0 (GET query string) or 1 (POST JSON)' });

/**
 * integration_extra_details / extra_details: known keys are checked, others are kept as given.
 * Secrets (`x-api-key`, `signingSecret`) are write-only: left out, the stored one stays; `null`
 * removes it (src/integrations/integration-secrets.ts).
 */
export const extraDetailsSchema = z
  .object({
    host: z.string().min(1).max(255).optional(),
    port: z.number({ error: 'expected a TCP port number' }).int().min(1).max(65535).optional(),
    vendor: z.string().max(200).optional(),
    'x-api-key': z
      .string()
      .min(1)
      .max(1000)
      .refine((value) => !isMaskedSecret(value), 'this is the masked value the API shows; leave the field out to keep the stored key')
      .nullable()
      .optional(),
    callbackTimeoutMs: positiveId.optional(),
    flowControl: z
      .object({
        maxInFlight: z.number({ error: 'expected a whole number from 1 to 1000' }).int().min(1).max(1000).optional(),
        ratePerSecond: z.number({ error: 'expected a number of sends per second from 0.01 to 1000' }).min(0.01).max(1000).optional(),
        orderBy: z.enum(['patient', 'entity'], { error: 'expected patient or entity' }).optional(),
      }, { error: 'expected an object {maxInFlight?, ratePerSecond?, orderBy?}' })
      .strict()
      .optional(),
    breaker: z
      .object({
        consecutiveFailures: z.number({ error: 'expected a whole number from 0 (off) to 100000' }).int().min(0).max(100_000).optional(),
        failureRatePercent: z.number({ error: 'expected a whole number of percent from 0 (off) to 100' }).int().min(0).max(100).optional(),
        minDeliveries: z.number({ error: 'expected a whole number, at least 1' }).int().min(1).max(100_000).optional(),
      }, { error: 'expected an object {consecutiveFailures?, failureRatePercent?, minDeliveries?}' })
      .strict()
      .optional(),
    signingSecret: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'expected a Standard Webhooks secret: whsec_ followed by base64')
      .nullable()
      .optional(),
  })
  .catchall(z.unknown())
  .superRefine((details, ctx) => {
    if (PREVIOUS_SIGNING_SECRET in details) {
      ctx.addIssue({ code: 'custom', path: [PREVIOUS_SIGNING_SECRET], message: 'is kept by Labwire when a signing secret is replaced; it cannot be written' });
    }
  });

export type ExtraDetails = z.infer<typeof extraDetailsSchema>;

const triggerSchema = z
  .object({
    actionCategoryId: positiveId,
    url: httpUrl.optional(),
    requestType: requestType.optional(),
    extraDetails: extraDetailsSchema.default({}),
    isDisable: z.boolean().default(false),
  })
  .strict();

/**
 * Input of addUpdateIntegration (the seed's Manage Integrations → Add/Update). `checkTemplate:
 * false` leaves the template's check to the caller: a preview reports it as a 422 with its line
 * and column (src/integrations/delivery-preview.ts) rather than as a 400.
 */
function integrationInput(options: { checkTemplate: boolean }) {
  return z
    .object({
      /** The authentication to update (its id, as listed); left out, a new one is created with a new auth key. */
      authId: positiveId.optional(),
      /**
       * Or the authentication named by its auth key (SPEC §3: Add/Update is resolved by auth_key): matched
       * by its hash, never stored nor echoed back.
       */
      authKey: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
      labId: positiveId,
      orgId: positiveId.optional(),
      isOrg: z.boolean().default(false),
      developerId: positiveId,
      developerName: z.string().min(1).max(200).optional(),
      integrationType: z.enum(INTEGRATION_TYPES),
      url: httpUrl.optional(),
      requestType: requestType.default(1),
      payloadType: z.enum(PAYLOAD_TYPES).nullable().optional(),
      /** Checked when saved (compiled and rendered with sample data), so a delivery never fails on the template's own syntax. */
      templateText: z
        .string()
        .max(100_000, 'must be at most 100000 characters')
        .superRefine((text, ctx) => {
          const problem = !options.checkTemplate || text === '' || text.length > 100_000 ? undefined : templateTextProblem(text);
          if (problem) ctx.addIssue({ code: 'custom', message: problem.message });
        })
        .nullable()
        .optional(),
      extraDetails: extraDetailsSchema.default({}),
      isIntegrationEnable: z.boolean().default(true),
      integrations: z.array(triggerSchema).min(1, 'expected at least one action category').max(100),
    })
    .strict()
    .superRefine((input, ctx) => {
      if (input.authId !== undefined && input.authKey !== undefined) ctx.addIssue({ code: 'custom', path: ['authKey'], message: 'name the authentication by authId or by authKey, not both' });
      if (input.isOrg && input.orgId === undefined) ctx.addIssue({ code: 'custom', path: ['orgId'], message: 'required when isOrg is true' });
      if (!input.isOrg && input.orgId !== undefined) ctx.addIssue({ code: 'custom', path: ['orgId'], message: 'only allowed when isOrg is true' });
      if (input.integrationType === 'mirth' && !input.payloadType) {
        ctx.addIssue({ code: 'custom', path: ['payloadType'], message: 'required for mirth integrations: ORM, ADT or ORU_R01' });
      }
      const seen = new Set<number>();
      input.integrations.forEach((trigger, index) => {
        if (seen.has(trigger.actionCategoryId)) {
          ctx.addIssue({ code: 'custom', path: ['integrations', index, 'actionCategoryId'], message: 'appears twice' });
        }
        seen.add(trigger.actionCategoryId);
        if (input.integrationType === 'mirth') {
          const details = { ...input.extraDetails, ...trigger.extraDetails };
          if (!details.host) ctx.addIssue({ code: 'custom', path: ['integrations', index, 'extraDetails', 'host'], message: 'required for mirth (here or in extraDetails)' });
          if (!details.port) ctx.addIssue({ code: 'custom', path: ['integrations', index, 'extraDetails', 'port'], message: 'required for mirth (here or in extraDetails)' });
        } else if (!trigger.url && !input.url) {
          ctx.addIssue({ code: 'custom', path: ['integrations', index, 'url'], message: 'required: set it here or at the top level' });
        }
      });
    });

}

export const integrationInputSchema = integrationInput({ checkTemplate: true });
/** The same body, its template not checked here (a preview checks it against live data too). */
export const integrationDraftSchema = integrationInput({ checkTemplate: false });

export type IntegrationInput = z.infer<typeof integrationInputSchema>;
