import { useEffect, useState } from 'preact/hooks';
import { api, ProblemError, problemMessage } from '../../api';
import { useApp } from '../../app-context';
import { showToast } from '../../toast';
import type { Authentication, Lab, LabIntegrations } from '../../types';
import { ConfirmDialog } from '../ConfirmDialog';
import { FieldError } from '../FieldError';
import { ProblemBanner } from '../ProblemBanner';
import { AuthenticationPanel } from './AuthenticationPanel';
import { FlagsPanel } from './FlagsPanel';
import { draftFromAuthentication, draftToInput, fieldMessages, newDraft, type FieldMessages, type IntegrationDraft, type TriggerDraft } from './integration-form';
import { LabSearch } from './LabSearch';
import { SendTestPanel } from './SendTestPanel';

const NEW = 'new';
const SHOWN_ONCE = 'Copy it now: you will not see it again. Labwire keeps only a hash or a masked form.';

export function authenticationLabel(auth: Authentication): string {
  return `#${auth.id} ${auth.developerName ?? `Developer ${auth.developerId}`} (${auth.integrationType})`;
}

/**
 * The seed's Step 1: search a lab, pick a developer and an integration id (or create one), edit,
 * Add/Update. `?labId=…&authId=…` opens that lab and authentication (the Endpoints page links so).
 */
export function IntegrationsPage({ search = '' }: { search?: string }) {
  const { meta } = useApp();
  const [lab, setLab] = useState<Lab | null>(null);
  const [data, setData] = useState<LabIntegrations | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [developerId, setDeveloperId] = useState('');
  const [selected, setSelected] = useState<string>(NEW);
  const [draft, setDraft] = useState<IntegrationDraft | null>(null);
  const [errors, setErrors] = useState<FieldMessages>({});
  const [unplaced, setUnplaced] = useState<string[]>([]);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [regenerating, setRegenerating] = useState<'ask' | 'busy' | null>(null);
  const [regenError, setRegenError] = useState<unknown>(null);
  const [rotating, setRotating] = useState<'ask' | 'busy' | null>(null);
  const [rotateError, setRotateError] = useState<unknown>(null);

  const developers = meta?.developers ?? [];
  const developerName = (id: string) => developers.find((d) => String(d.id) === id)?.name ?? '';

  const clearErrors = () => {
    setErrors({});
    setUnplaced([]);
    setSaveError(null);
  };

  const loadLab = (labId: number, select?: number) => {
    setLoadError(null);
    return api.labIntegrations(labId).then(
      (next) => {
        setLab(next.lab);
        setData(next);
        const auth = select === undefined ? undefined : next.authentications.find((a) => a.id === select);
        if (auth) {
          setSelected(String(auth.id));
          setDeveloperId(String(auth.developerId));
          setDraft(draftFromAuthentication(auth));
        }
      },
      (error: unknown) => setLoadError(error),
    );
  };

  useEffect(() => {
    const params = new URLSearchParams(search);
    const labId = Number(params.get('labId'));
    const authId = Number(params.get('authId'));
    if (Number.isInteger(labId) && labId > 0) void loadLab(labId, Number.isInteger(authId) && authId > 0 ? authId : undefined);
    // Only the address the page was opened with; later picks are the operator's.
  }, []);

  const pickLab = (next: Lab) => {
    setLab(next);
    setData(null);
    setDeveloperId('');
    setSelected(NEW);
    setDraft(null);
    clearErrors();
    void loadLab(next.id);
  };

  const pickDeveloper = (id: string) => {
    setDeveloperId(id);
    setSelected(NEW);
    setDraft(id ? newDraft(id, developerName(id)) : null);
    clearErrors();
  };

  const pickIntegration = (value: string) => {
    setSelected(value);
    clearErrors();
    const auth = data?.authentications.find((a) => String(a.id) === value);
    if (auth) {
      setDeveloperId(String(auth.developerId));
      setDraft(draftFromAuthentication(auth));
    } else {
      setDraft(developerId ? newDraft(developerId, developerName(developerId)) : null);
    }
  };

  const patchDraft = (patch: Partial<IntegrationDraft>) => setDraft((d) => (d ? { ...d, ...patch } : d));
  const patchTrigger = (categoryId: number, patch: Partial<TriggerDraft>) =>
    setDraft((d) => {
      if (!d) return d;
      const current = d.triggers[categoryId] ?? { enabled: false, url: '', requestType: '' };
      return { ...d, triggers: { ...d.triggers, [categoryId]: { ...current, ...patch } } };
    });

  const save = async (event: Event) => {
    event.preventDefault();
    if (!draft || !lab) return;
    clearErrors();
    setSaving(true);
    const { input, triggerOrder } = draftToInput(draft, lab.id);
    try {
      const saved = await api.saveIntegration(input);
      if (saved.authKey) showToast('success', `Integration #${saved.authId} created. Its auth key:`, { copyValue: saved.authKey, note: SHOWN_ONCE });
      else showToast('success', `Integration #${saved.authId} updated.`);
      await loadLab(lab.id, saved.authId);
    } catch (error) {
      if (error instanceof ProblemError && error.errors.length) {
        const placed = fieldMessages(error.errors, triggerOrder);
        setErrors(placed.byField);
        setUnplaced(placed.unplaced);
        setSaveError(placed.unplaced.length ? error : null);
      } else {
        setSaveError(error);
      }
    } finally {
      setSaving(false);
    }
  };

  const toggleAuthentication = async () => {
    if (!draft?.authId || !lab) return;
    try {
      const updated = await api.setAuthenticationEnabled(draft.authId, !draft.isIntegrationEnable);
      patchDraft({ isIntegrationEnable: updated.isIntegrationEnable });
      showToast('success', `Authentication #${draft.authId} ${updated.isIntegrationEnable ? 'enabled' : 'disabled'}.`);
      setData((d) => d && { ...d, authentications: d.authentications.map((a) => (a.id === updated.id ? { ...a, isIntegrationEnable: updated.isIntegrationEnable } : a)) });
    } catch (error) {
      showToast('error', problemMessage(error));
    }
  };

  const toggleTrigger = async (categoryId: number, rowId: number, disable: boolean) => {
    try {
      const row = await api.setTriggerDisabled(rowId, disable);
      patchTrigger(categoryId, { enabled: !row.isDisable });
      showToast('success', `Trigger #${rowId} ${row.isDisable ? 'disabled' : 'enabled'}.`);
    } catch (error) {
      showToast('error', problemMessage(error));
    }
  };

  const regenerate = async () => {
    if (!draft?.authId) return;
    setRegenerating('busy');
    setRegenError(null);
    try {
      const { authKey, authKeyPrefix } = await api.regenerateKey(draft.authId);
      patchDraft({ authKeyPrefix });
      setData((d) => d && { ...d, authentications: d.authentications.map((a) => (a.id === draft.authId ? { ...a, authKeyPrefix } : a)) });
      showToast('success', `New auth key for #${draft.authId}. The old key no longer works:`, { copyValue: authKey, note: SHOWN_ONCE });
      setRegenerating(null);
    } catch (error) {
      setRegenError(error);
      setRegenerating('ask');
    }
  };

  const rotateSecret = async () => {
    if (!draft?.authId || !lab) return;
    setRotating('busy');
    setRotateError(null);
    try {
      const rotated = await api.rotateSigningSecret(draft.authId);
      const until = rotated.previousSecretSignsUntil ? ` The previous secret also signs until ${new Date(rotated.previousSecretSignsUntil).toLocaleString()}.` : '';
      showToast('success', `New signing secret for #${draft.authId}.${until}`, { copyValue: rotated.signingSecret, note: SHOWN_ONCE });
      setRotating(null);
      await loadLab(lab.id, draft.authId);
    } catch (error) {
      setRotateError(error);
      setRotating('ask');
    }
  };

  const authentications = (data?.authentications ?? []).filter((a) => !developerId || String(a.developerId) === developerId);
  const existing = draft?.authId !== undefined;

  return (
    <main class="page" data-testid="integrations-page">
      <div class="page-head">
        <h1>Manage Integrations</h1>
      </div>
      <section class="card section">
        <div class="form-grid form-grid-3">
          <LabSearch selected={lab} onSelect={pickLab} />
          <label class="field" for="int-developer">
            <span>Select Developer Name</span>
            <select id="int-developer" value={developerId} disabled={!lab} onChange={(e) => pickDeveloper(e.currentTarget.value)} data-testid="int-developer">
              <option value="">Choose a developer</option>
              {developers.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
            <FieldError id="int-developerId-error" message={errors.developerId} />
          </label>
          <label class="field" for="int-integration-id">
            <span>Select Integration Id</span>
            <select
              id="int-integration-id"
              value={selected}
              disabled={!lab || !data}
              onChange={(e) => pickIntegration(e.currentTarget.value)}
              data-testid="int-integration-id"
            >
              <option value={NEW}>Create new</option>
              {authentications.map((a) => (
                <option key={a.id} value={a.id}>
                  {authenticationLabel(a)}
                  {a.isIntegrationEnable ? '' : ' — disabled'}
                </option>
              ))}
            </select>
          </label>
        </div>
        {lab && (
          <p class="muted" data-testid="selected-lab">
            Lab <strong>{lab.name}</strong> #{lab.id}
            {lab.city ? ` · ${lab.city}` : ''} — {data ? `${data.authentications.length} authentication(s)` : 'loading…'}
          </p>
        )}
        <ProblemBanner error={loadError} onRetry={lab ? () => void loadLab(lab.id) : undefined} />
      </section>

      {!lab && <div class="empty card">Search for a lab to see and edit its integrations.</div>}
      {lab && !draft && data && <div class="empty card">Choose a developer, or pick an existing integration id.</div>}

      {lab && draft && (
        <form onSubmit={(e) => void save(e)} data-testid="integration-form" noValidate>
          <details class="card panel" open>
            <summary>
              <h2>Developer Authentication</h2>
              <span class="muted">{existing ? `#${draft.authId}` : 'new'}</span>
            </summary>
            {existing && (
              <div class="auth-key-row">
                <span>Auth key</span>
                <code class="mono" data-testid="int-authKey" title="The key's first characters; the key itself was shown once, when it was made">
                  {draft.authKeyPrefix}…
                </code>
                <button type="button" class="btn btn-small" onClick={() => setRegenerating('ask')} data-testid="regenerate-key">
                  Regenerate key
                </button>
                <button type="button" class="btn btn-small" onClick={() => setRotating('ask')} data-testid="rotate-signing-secret">
                  {draft.storedSigningSecret ? 'Rotate signing secret' : 'Generate signing secret'}
                </button>
                <button type="button" class="btn btn-small" onClick={() => void toggleAuthentication()} data-testid="auth-toggle">
                  {draft.isIntegrationEnable ? 'Disable now' : 'Enable now'}
                </button>
                <span class={draft.isIntegrationEnable ? 'badge badge-success' : 'badge badge-suppressed'} data-testid="auth-state">
                  {draft.isIntegrationEnable ? 'Enabled' : 'Disabled'}
                </span>
              </div>
            )}
            <AuthenticationPanel draft={draft} errors={errors} organisations={data?.organisations ?? []} onChange={patchDraft} />
          </details>
          <details class="card panel" open>
            <summary>
              <h2>Flags</h2>
              <span class="muted">{Object.values(draft.triggers).filter((t) => t.enabled).length} trigger(s) on</span>
            </summary>
            <FieldError id="int-integrations-error" message={errors.integrations} />
            <FlagsPanel
              categories={meta?.actionCategories ?? []}
              triggers={draft.triggers}
              errors={errors}
              onChange={patchTrigger}
              onToggleExisting={(c, r, d) => void toggleTrigger(c, r, d)}
            />
          </details>
          <SendTestPanel
            draft={draft}
            labId={lab.id}
            categories={meta?.actionCategories ?? []}
            onFieldErrors={(byField, others) => {
              setErrors(byField);
              setUnplaced(others);
            }}
          />
          {unplaced.length > 0 && (
            <ul class="banner banner-error" role="alert">
              {unplaced.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          )}
          <ProblemBanner error={unplaced.length ? null : saveError} />
          <div class="form-actions">
            <button type="submit" class="btn btn-primary" disabled={saving} data-testid="int-save">
              {saving ? 'Saving…' : existing ? 'Update Integration' : 'Add Integration'}
            </button>
          </div>
        </form>
      )}
      {regenerating && (
        <ConfirmDialog
          title="Regenerate the auth key?"
          confirmLabel="Regenerate"
          danger
          busy={regenerating === 'busy'}
          error={regenError}
          onConfirm={() => void regenerate()}
          onCancel={() => {
            setRegenerating(null);
            setRegenError(null);
          }}
        >
          <p>The partner's current key stops working immediately. They need the new key for inbound calls and callbacks.</p>
        </ConfirmDialog>
      )}
      {rotating && (
        <ConfirmDialog
          title={draft?.storedSigningSecret ? 'Rotate the signing secret?' : 'Generate a signing secret?'}
          confirmLabel={draft?.storedSigningSecret ? 'Rotate' : 'Generate'}
          busy={rotating === 'busy'}
          error={rotateError}
          onConfirm={() => void rotateSecret()}
          onCancel={() => {
            setRotating(null);
            setRotateError(null);
          }}
        >
          <p>
            A new secret signs every webhook from now on.
            {meta?.signingSecretOverlapHours
              ? ` The current one keeps signing beside it for ${meta.signingSecretOverlapHours} hours, so the partner can switch without missing a webhook.`
              : ' The current one stops signing at once.'}
          </p>
        </ConfirmDialog>
      )}
    </main>
  );
}
