import type { PatientContext } from '../../activities/context/types';
import { JsonTemplateError, compileJsonTemplate } from './json-template';
import { templateContext, type PayloadData } from './template-context';

const patient: PatientContext = {
  id: 1,
  labId: 1,
  mrn: 'MRN-0001',
  firstName: 'Asha',
  lastName: 'Rao',
  dateOfBirth: '1985-04-12',
  gender: 'F',
  phone: '+91-20-5550100',
};

const common = {
  logId: 'sample-log-id',
  action: 'Sample Action',
  lab: { id: 1, name: 'Sample Lab' },
};

const event = (type: 'patient' | 'bill' | 'report'): PayloadData['event'] => ({
  eventId: 'sample-event',
  labId: 1,
  actionCategoryId: 1,
  entity: { type, id: 1 },
  activityDate: '2026-01-01T00:00:00Z',
});

/**
 * One event of each entity type, with two bill items and two results (one without unit or flag),
 * so that separators between repeated items and both sides of an {{#if}} on an entity are rendered
 * at least once.
 */
const SAMPLES: Array<{ label: string; data: PayloadData }> = [
  { label: 'a patient event', data: { ...common, event: event('patient'), entity: { type: 'patient', patient } } },
  {
    label: 'a bill event',
    data: {
      ...common,
      event: event('bill'),
      entity: {
        type: 'bill',
        bill: {
          id: 1,
          labId: 1,
          billNumber: 'B-0001',
          status: 'generated',
          totalAmount: 1150.5,
          createdAt: '2026-01-01T00:00:00.000Z',
          patient,
          items: [
            { testCode: 'CBC', testName: 'Complete Blood Count', price: 350 },
            { testCode: 'LFT', testName: 'Liver Function Test', price: 800.5 },
          ],
        },
      },
    },
  },
  {
    label: 'a report event',
    data: {
      ...common,
      event: event('report'),
      entity: {
        type: 'report',
        report: {
          id: 1,
          labId: 1,
          billId: 1,
          status: 'submitted',
          reportedAt: '2026-01-01T00:00:00.000Z',
          patient,
          results: [
            { testCode: 'HGB', testName: 'Haemoglobin', value: '13.2', unit: 'g/dL', referenceRange: '12.0-15.5' },
            { testCode: 'CRP', testName: 'C-reactive protein', value: 'negative' },
          ],
        },
      },
    },
  },
];

/**
 * The check made when a template is saved: it compiles, and renders a JSON object for sample
 * events of every entity type. Returns the first problem, with its line and column.
 */
export function templateTextProblem(templateText: string): JsonTemplateError | undefined {
  try {
    const template = compileJsonTemplate(templateText);
    for (const { label, data } of SAMPLES) {
      try {
        template.render(templateContext(data));
      } catch (error) {
        if (error instanceof JsonTemplateError) return new JsonTemplateError(error.kind, `${error.reason} (rendering ${label} with sample data)`, error.position);
        throw error;
      }
    }
    return undefined;
  } catch (error) {
    if (error instanceof JsonTemplateError) return error;
    throw error;
  }
}
