import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ProblemError, problemMessage } from '../../api';
import { useApp } from '../../app-context';
import { localDateTime, utcDateTime } from '../../format';
import { showToast } from '../../toast';
import type { ListedUser, Role } from '../../types';
import { ConfirmDialog } from '../ConfirmDialog';
import { FieldError } from '../FieldError';
import { ProblemBanner } from '../ProblemBanner';

const ROLES: Array<{ role: Role; says: string }> = [
  { role: 'viewer', says: 'reads deliveries and integrations' },
  { role: 'operator', says: 'also retries deliveries' },
  { role: 'admin', says: 'also manages integrations and users' },
];

type Pending = { kind: 'disable' | 'reset'; user: ListedUser };

/** Field messages of a 400 answer, by field (`labIds.1` shows at the labs field); anything else is thrown back to the caller's banner. */
function fieldMessages(error: unknown): Record<string, string> | null {
  if (!(error instanceof ProblemError) || error.status !== 400 || error.errors.length === 0) return null;
  return Object.fromEntries(error.errors.map((e) => [e.field.startsWith('labIds') ? 'labIds' : e.field, e.message]));
}

/** "1001, 1002" → [1001, 1002]; empty = every lab. A word that is not a lab id is named. */
function parseLabIds(text: string): { labIds: number[] } | { error: string } {
  const words = text.split(/[\s,]+/).filter((w) => w !== '');
  const bad = words.find((w) => !/^[1-9]\d{0,9}$/.test(w));
  if (bad !== undefined) return { error: `${bad} is not a lab id; write lab ids separated by commas, or nothing for every lab` };
  return { labIds: [...new Set(words.map(Number))] };
}

function labsText(user: ListedUser): string {
  if (user.role === 'admin' || user.labs.length === 0) return 'All labs';
  return user.labs.map((lab) => `${lab.id} ${lab.name}`).join(', ');
}

/** A user's labs in their row: shown, and changed in place (not for admins, who are never limited). */
function UserLabs({ user, onSave }: { user: ListedUser; onSave: (labIds: number[]) => Promise<string | null> }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  if (!editing) {
    return (
      <span class="user-labs">
        <span data-testid="user-row-labs" class={user.labs.length === 0 ? 'muted' : undefined} title={user.role === 'admin' ? 'Admins are never limited to labs' : undefined}>
          {labsText(user)}
        </span>{' '}
        {user.role !== 'admin' && (
          <button
            type="button"
            class="btn btn-small"
            onClick={() => {
              setText(user.labIds.join(', '));
              setError(undefined);
              setEditing(true);
            }}
            aria-label={`Change the labs of ${user.username}`}
            data-testid="user-row-labs-edit"
          >
            Change
          </button>
        )}
      </span>
    );
  }
  const save = async (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    const parsed = parseLabIds(text);
    if ('error' in parsed) return setError(parsed.error);
    setSaving(true);
    const refused = await onSave(parsed.labIds);
    setSaving(false);
    if (refused) setError(refused);
    else setEditing(false);
  };
  const errorId = `user-labs-error-${user.id}`;
  return (
    <form class="user-labs-form" onSubmit={(e) => void save(e)} noValidate>
      <input
        value={text}
        placeholder="All labs"
        aria-label={`Lab ids of ${user.username}, separated by commas; empty for every lab`}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={errorId}
        onInput={(e) => setText(e.currentTarget.value)}
        data-testid="user-row-labs-input"
      />
      <button type="submit" class="btn btn-small btn-primary" disabled={saving} data-testid="user-row-labs-save">
        Save
      </button>
      <button type="button" class="btn btn-small" onClick={() => setEditing(false)}>
        Cancel
      </button>
      <FieldError id={errorId} message={error} />
    </form>
  );
}

function AddUserForm({ onAdded }: { onAdded: () => void }) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [labs, setLabs] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  const submit = async (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    setErrors({});
    setError(null);
    const parsed = role === 'admin' ? { labIds: [] } : parseLabIds(labs);
    if ('error' in parsed) return setErrors({ labIds: parsed.error });
    setSaving(true);
    try {
      const added = await api.addUser(username.trim(), role, parsed.labIds);
      showToast('success', `Added ${added.role} ${added.username}. Their password, shown only now:`, { copyValue: added.password });
      setUsername('');
      setLabs('');
      onAdded();
    } catch (caught) {
      const byField = fieldMessages(caught);
      if (byField) setErrors(byField);
      else setError(caught);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form class="card section" onSubmit={(e) => void submit(e)} noValidate data-testid="add-user-form">
      <h2>Add a user</h2>
      <p class="muted">
        A password is generated and shown once; pass it on to the person, who signs in with it. A user limited to labs sees, retries and exports
        only those labs' deliveries; leave Labs empty for every lab.
      </p>
      <div class="form-grid form-grid-3 add-user-grid">
        <label class="field" for="user-username">
          <span>Username</span>
          <input
            id="user-username"
            value={username}
            autoComplete="off"
            aria-invalid={errors.username ? 'true' : undefined}
            aria-describedby="user-username-error"
            onInput={(e) => setUsername(e.currentTarget.value)}
            data-testid="user-username"
          />
          <FieldError id="user-username-error" message={errors.username} />
        </label>
        <label class="field" for="user-role">
          <span>Role</span>
          <select id="user-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)} aria-describedby="user-role-error" data-testid="user-role">
            {ROLES.map((r) => (
              <option key={r.role} value={r.role}>
                {r.role} — {r.says}
              </option>
            ))}
          </select>
          <FieldError id="user-role-error" message={errors.role} />
        </label>
        <label class="field" for="user-labs">
          <span>Labs</span>
          <input
            id="user-labs"
            value={role === 'admin' ? '' : labs}
            disabled={role === 'admin'}
            placeholder={role === 'admin' ? 'Admins see every lab' : 'All labs, or ids: 1001, 1002'}
            autoComplete="off"
            aria-invalid={errors.labIds ? 'true' : undefined}
            aria-describedby="user-labs-error"
            onInput={(e) => setLabs(e.currentTarget.value)}
            data-testid="user-labs"
          />
          <FieldError id="user-labs-error" message={errors.labIds} />
        </label>
        <div class="field add-user-submit">
          <button type="submit" class="btn btn-primary" disabled={saving} data-testid="user-add">
            {saving ? 'Adding…' : 'Add user'}
          </button>
        </div>
      </div>
      <ProblemBanner error={error} />
    </form>
  );
}

/** The admin's list of who can sign in: add people, change their role, disable them, reset a password. */
export function UsersPage() {
  const { user: me } = useApp();
  const [users, setUsers] = useState<ListedUser[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [rowError, setRowError] = useState<unknown>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [pendingError, setPendingError] = useState<unknown>(null);

  const load = () => {
    setLoadError(null);
    api.users().then((answer) => setUsers(answer.items), setLoadError);
  };
  useEffect(load, []);

  const replace = (changed: ListedUser) => setUsers((list) => list && list.map((u) => (u.id === changed.id ? changed : u)));

  /** A change from a row (no confirmation asked): applied, then told in a toast; a refusal shows above the table. */
  const change = async (user: ListedUser, patch: { role?: Role; disabled?: boolean; labIds?: number[] }, done: string) => {
    setRowError(null);
    try {
      replace(await api.changeUser(user.id, patch));
      showToast('success', done);
    } catch (error) {
      setRowError(error);
    }
  };
  const changeRole = (user: ListedUser, role: Role) => change(user, { role }, `${user.username} is now ${role === 'admin' ? 'an' : 'a'} ${role}.`);
  /** A refusal of the labs (an unknown lab) is answered to the row's field; anything else shows above the table. */
  const changeLabs = async (user: ListedUser, labIds: number[]): Promise<string | null> => {
    setRowError(null);
    try {
      replace(await api.changeUser(user.id, { labIds }));
      showToast('success', labIds.length === 0 ? `${user.username} sees every lab.` : `${user.username} sees lab${labIds.length === 1 ? '' : 's'} ${labIds.join(', ')} only.`);
      return null;
    } catch (error) {
      const byField = fieldMessages(error);
      return byField?.labIds ?? problemMessage(error);
    }
  };
  const enable = (user: ListedUser) => change(user, { disabled: false }, `${user.username} can sign in again.`);

  const confirmPending = async () => {
    if (!pending) return;
    setBusy(true);
    setPendingError(null);
    try {
      if (pending.kind === 'disable') {
        replace(await api.changeUser(pending.user.id, { disabled: true }));
        showToast('success', `${pending.user.username} is disabled and signed out.`);
      } else {
        const reset = await api.resetPassword(pending.user.id);
        showToast('success', `New password for ${reset.username}, shown only now:`, { copyValue: reset.password });
      }
      setPending(null);
    } catch (error) {
      setPendingError(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="page" data-testid="users-page">
      <div class="page-head">
        <h1>Users</h1>
      </div>
      <AddUserForm onAdded={load} />
      <ProblemBanner error={loadError} onRetry={load} />
      <ProblemBanner error={rowError} />
      {!users && !loadError && (
        <div class="empty card" aria-busy="true">
          <span class="spinner" aria-label="Loading" />
        </div>
      )}
      {users && (
        <div class="table-scroll">
          <table class="table" data-testid="users-table">
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Role</th>
                <th scope="col">Labs</th>
                <th scope="col">State</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => {
                const self = user.id === me.id;
                return (
                  <tr key={user.id} data-testid="user-row" data-username={user.username}>
                    <td>
                      <strong>{user.username}</strong>
                      {self && <span class="muted"> (you)</span>}
                    </td>
                    <td>
                      <select
                        value={user.role}
                        disabled={self}
                        title={self ? 'Another admin can change your role' : undefined}
                        aria-label={`Role of ${user.username}`}
                        onChange={(e) => void changeRole(user, e.currentTarget.value as Role)}
                        data-testid="user-row-role"
                      >
                        {ROLES.map((r) => (
                          <option key={r.role} value={r.role}>
                            {r.role}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <UserLabs user={user} onSave={(labIds) => changeLabs(user, labIds)} />
                    </td>
                    <td>
                      <span class={user.disabled ? 'badge badge-suppressed' : 'badge badge-success'} data-testid="user-row-state">
                        {user.disabled ? 'Disabled' : 'Active'}
                      </span>
                    </td>
                    <td title={utcDateTime(user.createdAt)}>{localDateTime(user.createdAt)}</td>
                    <td class="row-actions">
                      {!self && (
                        <>
                          {user.disabled ? (
                            <button type="button" class="btn btn-small" onClick={() => void enable(user)} data-testid="user-enable">
                              Enable
                            </button>
                          ) : (
                            <button type="button" class="btn btn-small" onClick={() => setPending({ kind: 'disable', user })} data-testid="user-disable">
                              Disable
                            </button>
                          )}
                          <button type="button" class="btn btn-small" onClick={() => setPending({ kind: 'reset', user })} data-testid="user-reset">
                            Reset password
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {pending && (
        <ConfirmDialog
          title={pending.kind === 'disable' ? `Disable ${pending.user.username}?` : `Reset the password of ${pending.user.username}?`}
          confirmLabel={pending.kind === 'disable' ? 'Disable' : 'Reset password'}
          danger
          busy={busy}
          error={pendingError}
          onConfirm={() => void confirmPending()}
          onCancel={() => {
            setPending(null);
            setPendingError(null);
          }}
        >
          <p>
            {pending.kind === 'disable'
              ? 'They are signed out everywhere at once and cannot sign in until an admin enables them again.'
              : 'Their current password stops working and they are signed out. The new password is shown once, here.'}
          </p>
        </ConfirmDialog>
      )}
    </main>
  );
}
