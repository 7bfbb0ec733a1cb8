import { useState } from 'preact/hooks';
import { api, ProblemError } from '../../api';
import { duration } from '../../format';
import { onLinkClick } from '../../router';
import type { ActionCategory, PreviewAnswer, PreviewEntityType, PreviewRequest, TestSendAnswer } from '../../types';
import { BodyView, HeadersView } from '../detail/BodyView';
import { ProblemBanner } from '../ProblemBanner';
import { StatusBadge } from '../StatusBadge';
import { draftToInput, fieldMessages, type FieldMessages, type IntegrationDraft } from './integration-form';

const ENTITY_TYPES: { id: PreviewEntityType; label: string }[] = [
  { id: 'bill', label: 'Bill' },
  { id: 'report', label: 'Report' },
  { id: 'patient', label: 'Patient' },
];

/** The entity an action is usually about, from its name (the operator can pick another). */
export function entityTypeFor(actionName: string | undefined): PreviewEntityType {
  if (/report|result/i.test(actionName ?? '')) return 'report';
  if (/patient/i.test(actionName ?? '')) return 'patient';
  return 'bill';
}

interface Props {
  draft: IntegrationDraft;
  labId: number;
  categories: ActionCategory[];
  /** A problem with a form field (the template's line and column among them) is shown under that field, as Add/Update's are. */
  onFieldErrors: (byField: FieldMessages, unplaced: string[]) => void;
}

/**
 * Preview / Send test: what a delivery of the form as it is now (unsaved) would send for one event
 * of the lab, rendered from live data; then, on request, that delivery sent once as a test, with
 * the partner's answer.
 */
export function SendTestPanel({ draft, labId, categories, onFieldErrors }: Props) {
  const triggers = Object.entries(draft.triggers)
    .filter(([, t]) => t.enabled)
    .map(([id]) => Number(id));
  const [chosenAction, setChosenAction] = useState('');
  const [chosenType, setChosenType] = useState<PreviewEntityType | ''>('');
  const [entityId, setEntityId] = useState('');
  const [busy, setBusy] = useState<'preview' | 'send' | null>(null);
  const [answer, setAnswer] = useState<PreviewAnswer | null>(null);
  const [sent, setSent] = useState<TestSendAnswer | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const [templateAt, setTemplateAt] = useState<string | null>(null);

  const actionId = triggers.includes(Number(chosenAction)) ? Number(chosenAction) : triggers[0];
  const actionName = (id: number | undefined) => categories.find((c) => c.id === id)?.name;
  const entityType = chosenType || entityTypeFor(actionName(actionId));

  const run = async (kind: 'preview' | 'send') => {
    if (actionId === undefined) return;
    setBusy(kind);
    setProblem(null);
    setTemplateAt(null);
    setSent(null);
    const { input, triggerOrder } = draftToInput(draft, labId);
    const id = Number(entityId.trim());
    const body: PreviewRequest = {
      integration: input,
      event: { actionCategoryId: actionId, entity: { type: entityType, ...(entityId.trim() === '' ? {} : { id }) } },
    };
    try {
      // A test send shows what it sends: the preview first, then the partner's answer.
      const previewed = await api.previewDelivery(body);
      setAnswer(previewed);
      onFieldErrors({}, []);
      if (kind === 'send') {
        // The same entity the preview used, so "most recent" cannot move between the two calls.
        setSent(await api.sendTest({ ...body, event: { ...body.event, entity: previewed.event.entity } }));
      }
    } catch (error) {
      setAnswer(null);
      if (error instanceof ProblemError && error.errors.length) {
        const formErrors = error.errors
          .filter((e) => /^(body\.)?integration\./.test(e.field))
          .map((e) => ({ ...e, field: e.field.replace(/^(body\.)?integration\./, '') }));
        const placed = fieldMessages(formErrors, triggerOrder);
        onFieldErrors(placed.byField, placed.unplaced);
        const template = error.errors.find((e) => e.field.endsWith('integration.templateText'));
        if (template?.line !== undefined) setTemplateAt(`line ${template.line}, column ${template.column ?? '?'}`);
      }
      setProblem(error);
    } finally {
      setBusy(null);
    }
  };

  const preview = answer?.preview;
  return (
    <details class="card panel send-test-panel" open data-testid="send-test-panel">
      <summary>
        <h2>Preview / Send test</h2>
        <span class="muted">live data, before saving</span>
      </summary>
      {triggers.length === 0 ? (
        <p class="muted">Tick an action category in Flags to preview what it would send.</p>
      ) : (
        <div class="form-grid form-grid-3">
          <label class="field" for="test-action">
            <span>Action</span>
            <select id="test-action" value={actionId} onChange={(e) => setChosenAction(e.currentTarget.value)} data-testid="test-action">
              {triggers.map((id) => (
                <option key={id} value={id}>
                  {actionName(id) ?? `Action ${id}`} ({id})
                </option>
              ))}
            </select>
          </label>
          <label class="field" for="test-entity-type">
            <span>Entity</span>
            <select id="test-entity-type" value={entityType} onChange={(e) => setChosenType(e.currentTarget.value as PreviewEntityType)} data-testid="test-entity-type">
              {ENTITY_TYPES.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.label}
                </option>
              ))}
            </select>
          </label>
          <label class="field" for="test-entity-id">
            <span>Entity id</span>
            <input
              id="test-entity-id"
              inputMode="numeric"
              placeholder="the lab's most recent"
              value={entityId}
              onInput={(e) => setEntityId(e.currentTarget.value)}
              data-testid="test-entity-id"
            />
          </label>
        </div>
      )}
      <div class="form-actions">
        <button type="button" class="btn" disabled={busy !== null || actionId === undefined} onClick={() => void run('preview')} data-testid="test-preview">
          {busy === 'preview' ? 'Rendering…' : 'Preview'}
        </button>
        <button
          type="button"
          class="btn btn-primary"
          disabled={busy !== null || actionId === undefined}
          onClick={() => void run('send')}
          title="Sends this delivery once to the partner, marked as a test"
          data-testid="test-send"
        >
          {busy === 'send' ? 'Sending…' : 'Send test'}
        </button>
      </div>
      {templateAt && (
        <p class="banner banner-error" role="alert" data-testid="test-template-error">
          The template has a problem at {templateAt}: see under Template text.
        </p>
      )}
      <ProblemBanner error={problem} />
      {answer && preview && (
        <section class="subpanel" data-testid="test-preview-result">
          <p class="muted" data-testid="test-preview-event">
            {answer.event.action} · {answer.event.entity.type} #{answer.event.entity.id} · rendered from live data
          </p>
          {preview.kind === 'http' ? (
            <>
              <p class="mono preview-request-line" data-testid="test-preview-request">
                <strong>{preview.method}</strong> {preview.url}
              </p>
              <HeadersView headers={preview.headers} />
              {preview.body !== null && <BodyView body={preview.body} testId="test-preview-body" />}
            </>
          ) : (
            <>
              <p class="mono preview-request-line" data-testid="test-preview-request">
                <strong>MLLP</strong> {preview.url}
              </p>
              <BodyView body={preview.message} testId="test-preview-body" />
            </>
          )}
        </section>
      )}
      {sent && (
        <section class="subpanel" data-testid="test-result" data-status={sent.status || 'SUPPRESSED'}>
          <h3>
            Test delivery <StatusBadge status={sent.status} /> <span class="badge badge-test">test</span>
          </h3>
          <p>
            Partner answered{' '}
            <strong class="mono" data-testid="test-status-code">
              {sent.responseStatusCode === null ? 'nothing' : `HTTP ${sent.responseStatusCode}`}
            </strong>
            {sent.responseTimeMs !== null ? ` in ${duration(sent.responseTimeMs)}` : ''} ·{' '}
            <a href={`/logs/${sent.logId}`} onClick={onLinkClick} data-testid="test-log-link">
              open the test log
            </a>
          </p>
          {sent.errorMessage && (
            <p class="field-error" data-testid="test-error-message">
              {sent.errorMessage}
            </p>
          )}
          <BodyView body={sent.responseBody} testId="test-response-body" />
        </section>
      )}
    </details>
  );
}
