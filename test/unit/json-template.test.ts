import type { PatientContext } from '../../activities/context/types';
import { TemplateError, renderTemplate, type PayloadData } from '../../activities/delivery/payload';
import { integrationInputSchema } from '../../src/integrations/integration-input';
import { withoutUrlCredentials } from '../../src/integrations/url-credentials';
import { jsonSyntaxProblem } from '../../src/templates/json-syntax';

/** Lab data written to break out of a JSON string, a Handlebars mustache and a line. */
const HOSTILE = 'Doe", "flag": "N \\ }} \n x';

function billData(lastName = 'Rao', resultValue = '13.2'): PayloadData {
  const patient: PatientContext = { id: 7, labId: 1, mrn: 'MRN-7', firstName: 'Asha', lastName, dateOfBirth: '1985-04-12', gender: 'F' };
  return {
    logId: 'log-1',
    action: 'Bill Generated',
    event: { eventId: 'evt-1', labId: 1, actionCategoryId: 1, entity: { type: 'bill', id: 3 }, activityDate: '2026-11-26T09:30:00Z' },
    lab: { id: 1, name: 'Lab' },
    entity: {
      type: 'bill',
      bill: {
        id: 3,
        labId: 1,
        billNumber: 'B-3',
        status: 'generated',
        totalAmount: 1150.5,
        createdAt: '2026-11-26T09:30:00.000Z',
        patient,
        items: [
          { testCode: 'CBC', testName: resultValue, price: 350 },
          { testCode: 'LFT', testName: 'Liver Function Test', price: 800.5 },
        ],
      },
    },
  };
}

const renderError = (templateText: string, data: PayloadData): TemplateError => {
  try {
    renderTemplate(templateText, data);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('expected a TemplateError');
};

describe('template rendering: lab data is JSON-encoded where it lands', () => {
  it('given a hostile last name inside a JSON string, the partner gets exactly that string and no extra key', () => {
    const payload = renderTemplate('{"patient": "{{patient.lastName}}", "bill": "{{bill.billNumber}}"}', billData(HOSTILE));
    expect(payload).toEqual({ patient: HOSTILE, bill: 'B-3' });
  });

  it('given a value outside quotes, writes it as a JSON value: text as a string, a numeric text and numbers as numbers, objects as JSON, missing as null', () => {
    const payload = renderTemplate(
      '{"name": {{patient.lastName}}, "first": {{bill.items.0.testName}}, "total": {{bill.totalAmount}}, "patient": {{patient}}, "report": {{report.id}} }',
      billData(HOSTILE, '13.2'),
    );
    expect(payload.name).toBe(HOSTILE);
    expect(payload.first).toBe(13.2);
    expect(payload.total).toBe(1150.5);
    expect(payload.patient).toMatchObject({ lastName: HOSTILE, mrn: 'MRN-7' });
    expect(payload.report).toBeNull();
    expect(Object.keys(payload)).toEqual(['name', 'first', 'total', 'patient', 'report']);
  });

  it('given numeric text a JSON number cannot carry exactly, writes it as a string (no lost digits, no null)', () => {
    for (const text of ['12345678901234567890', '1e999', '13.20', '-0']) {
      expect(renderTemplate('{"v": {{bill.items.0.testName}} }', billData(HOSTILE, text)).v).toBe(text);
    }
    expect(renderTemplate('{"v": {{bill.items.0.testName}} }', billData(HOSTILE, '-4.5e-7')).v).toBe(-4.5e-7);
  });

  it('given {{json x}}, writes the JSON value, and inside a string the JSON text escaped as that string', () => {
    const payload = renderTemplate('{"items": {{json bill.items}}, "itemsText": "{{json bill.items}}", "nothing": {{json}} }', billData(HOSTILE));
    expect(payload.items).toEqual([
      { testCode: 'CBC', testName: '13.2', price: 350 },
      { testCode: 'LFT', testName: 'Liver Function Test', price: 800.5 },
    ]);
    expect(JSON.parse(payload.itemsText as string)).toEqual(payload.items);
    expect(payload.nothing).toBeNull();
  });

  it('given blocks and loops, renders each item and keeps triple-stash values encoded too', () => {
    const payload = renderTemplate(
      '{"tests": [{{#each bill.items}}{"code": "{{testCode}}", "name": "{{testName}}"}{{#unless @last}},{{/unless}}{{/each}}], "who": "{{#if patient}}Ms {{{patient.lastName}}}{{else}}nobody{{/if}}"}',
      billData(HOSTILE, HOSTILE),
    );
    expect(payload).toEqual({
      tests: [
        { code: 'CBC', name: HOSTILE },
        { code: 'LFT', name: 'Liver Function Test' },
      ],
      who: `Ms ${HOSTILE}`,
    });
  });

  it('given a stored template that does not produce JSON, fails with the template line and column and no patient data', () => {
    const error = renderError('{"bill": "{{bill.billNumber}}",\n  "patient": {{patient.lastName}} {{patient.firstName}} }', billData('Secretname'));
    expect(error.message).toBe("template_text does not produce valid JSON: line 2, column 35: expected ',' or '}' after a property value");
    expect(error.message).not.toMatch(/Secretname|Asha|B-3/);
    expect(renderError('bill={{bill.billNumber}}', billData()).message).toBe("template_text does not produce valid JSON: line 1, column 1: expected a value, found 'b'");
    expect(renderError('[{{json bill.items}}]', billData()).message).toBe('template_text must produce a JSON object: the result is an array');
  });

  it('given a stored template Handlebars cannot parse, fails naming where', () => {
    expect(renderError('{"patient":{{json patient}}}', billData()).message).toMatch(/^template_text is not a valid template: line 1, column 26: '}}}' closes a \{\{\{triple-stash\}\}\}/);
  });
});

describe('template check when an integration is saved', () => {
  const input = (templateText: string) => ({ labId: 1, developerId: 1, integrationType: 'webhook', url: 'https://partner.example/hook', templateText, integrations: [{ actionCategoryId: 1 }] });
  const problems = (templateText: string) => {
    const parsed = integrationInputSchema.safeParse(input(templateText));
    return parsed.success ? [] : parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
  };

  it.each([
    ['a JSON brace right after a mustache', '{"patient":{{json patient}}}', /^is not a valid template: line 1, column 26: /],
    ['an unclosed block', '{"a": {{#if patient}}1}', /^is not a valid template: line 1, column 24: the template ends inside/],
    ['an unknown helper', '{\n  "a": {{upper patient.lastName}}\n}', /^is not a valid template: line 2, column 8: unknown helper 'upper'/],
    ['a block that opens a JSON string', '{"a": "{{#if patient}}"{{/if}}"}', /^is not a valid template: line 1, column 8: the \{\{#if\}\} block opens or closes a JSON string/],
    ['a trailing comma after a loop', '{"tests": [{{#each bill.items}}{{json this}},{{/each}}]}', /^does not produce valid JSON: line 1, column 55: expected a value, found '\]' \(rendering a bill event with sample data\)$/],
    ['two values without a comma', '{"a": 1,\n "b": {{patient.mrn}} {{patient.mrn}} }', /^does not produce valid JSON: line 2, column 23: expected ',' or '}' after a property value/],
    ['a raw newline inside a string', '{"a": "x\ny"}', /^does not produce valid JSON: line 1, column 9: a control character must be escaped inside a string/],
    ['an array', '[1]', /^must produce a JSON object: the result is an array/],
    ['blocks nested too deep to parse quickly', `{"a": ${'{{#if patient}}'.repeat(3000)}1${'{{/if}}'.repeat(3000)} }`, /^is not a valid template: line 1, column 757: blocks may be nested at most 50 deep$/],
    ['more expressions than the budget', `{"a": "${'{{patient.mrn}}'.repeat(1001)}"}`, /^is not a valid template: line 1, column 15008: a template may hold at most 1000 \{\{…\}\} expressions$/],
    ['blocks whose closings hide in comments', `{"a": ${'{{#if patient}}{{!-- {{/if}} --}}{{! {{/if}} }}'.repeat(60)}1${'{{/if}}'.repeat(60)} }`, /^is not a valid template: line 1, column \d+: blocks may be nested at most 50 deep$/],
    ['loops nested in loops', `{"a": "${'{{#each @root.bill.items}}'.repeat(40)}${'{{/each}}'.repeat(40)}"}`, /^could not be rendered: rendering stopped: more than 200000 steps/],
  ])('refuses %s, naming templateText with line and column', (_name, templateText, message) => {
    const found = problems(templateText);
    expect(found).toEqual([{ field: 'templateText', message: expect.stringMatching(message) }]);
  });

  it.each([
    ['the delivery test template', '{"bill": "{{bill.billNumber}}", "patient": "{{patient.lastName}}", "tests": {{json bill.items}} }'],
    ['a template with optional sections', '{"report": {{#if report}}{"id": {{report.id}}, "results": {{json report.results}} }{{else}}null{{/if}}, "mrn": "{{patient.mrn}}"}'],
    ['no template (empty text)', ''],
  ])('accepts %s', (_name, templateText) => {
    expect(problems(templateText)).toEqual([]);
  });
});

describe('credentials in a webhook URL', () => {
  const base = { labId: 1, developerId: 1, integrationType: 'webhook', integrations: [{ actionCategoryId: 1 }] };

  it('refuses them at the top level and on a trigger, naming the url field', () => {
    const parsed = integrationInputSchema.safeParse({ ...base, url: 'http://user:pass@127.0.0.1/', integrations: [{ actionCategoryId: 1, url: 'https://key@partner.example/x' }] });
    expect(parsed.success).toBe(false);
    const issues = parsed.error!.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
    expect(issues).toEqual([
      { field: 'url', message: expect.stringMatching(/^credentials in the URL are not allowed; set extraDetails\["x-api-key"\]/) },
      { field: 'integrations.0.url', message: expect.stringMatching(/^credentials in the URL are not allowed/) },
    ]);
  });

  it('drops them from a URL stored before the rule', () => {
    expect(withoutUrlCredentials('https://user:pass@partner.example:8443/hook?a=1')).toBe('https://partner.example:8443/hook?a=1');
    expect(withoutUrlCredentials('https://partner.example/hook')).toBe('https://partner.example/hook');
  });
});

describe('JSON syntax check', () => {
  it.each([
    '{}',
    ' {"a": [1, -2.5e+3, true, false, null, "x\\u00e9\\n\\"\\\\\\/"], "b": {"c": {}}} ',
    '[]',
    '"s"',
    '0',
    '{"a":1,}',
    '[1,]',
    '[01]',
    '{"a" 1}',
    '{a: 1}',
    '"\\x"',
    '"\\u12"',
    '"tab\there"',
    '{"a": tru}',
    '{"a": 1} x',
    '',
    '[[[[',
    '-',
    '1.',
    '.5',
  ])('agrees with JSON.parse on %j', (text) => {
    let parses = true;
    try {
      JSON.parse(text);
    } catch {
      parses = false;
    }
    expect(jsonSyntaxProblem(text) === undefined).toBe(parses);
  });

  it('checks deep nesting without overflowing the stack', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(jsonSyntaxProblem(deep)).toBeUndefined();
    expect(jsonSyntaxProblem(`${deep.slice(0, -1)}`)).toEqual({ offset: 399_999, reason: "expected ',' or ']' after an array element" });
  });
});
