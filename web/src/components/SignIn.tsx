import { useState } from 'preact/hooks';
import { api, ProblemError, problemMessage } from '../api';
import type { Session } from '../types';

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.signIn(username, password));
    } catch (failure) {
      setError(failure instanceof ProblemError && failure.status === 401 ? 'Wrong username or password.' : problemMessage(failure));
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <form class="card signin-card" onSubmit={(e) => void submit(e)} data-testid="signin-form">
        <div class="brand brand-large">
          <span class="brand-mark" aria-hidden="true" />
          Labwire
        </div>
        <p class="muted">Sign in to watch and retry your lab's deliveries.</p>
        <label class="field">
          <span>Username</span>
          <input
            name="username"
            autoComplete="username"
            required
            autoFocus
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
            data-testid="signin-username"
          />
        </label>
        <label class="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            data-testid="signin-password"
          />
        </label>
        {error && (
          <div class="banner banner-error" role="alert" data-testid="signin-error">
            {error}
          </div>
        )}
        <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="signin-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
