import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, handleUnauthorized, ProblemError, setCsrfToken } from '../api';
import { AppContext, isAdmin } from '../app-context';
import { startLiveUpdates, stopLiveUpdates } from '../live';
import { matchRoute, onLinkClick, useLocation } from '../router';
import type { Meta, Role, Session } from '../types';
import { Header } from './Header';
import { IntegrationsPage } from './integrations/IntegrationsPage';
import { LogDetail } from './detail/LogDetail';
import { LogsPage } from './logs/LogsPage';
import { ProblemBanner } from './ProblemBanner';
import { SignIn } from './SignIn';
import { Toasts } from './Toasts';
import { UsersPage } from './users/UsersPage';
import { AuditPage } from './audit/AuditPage';
import { EndpointsPage } from './endpoints/EndpointsPage';

type SessionState = { state: 'loading' } | { state: 'signedOut' } | { state: 'error'; error: unknown } | { state: 'signedIn'; session: Session };

function Message({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <main class="page">
      <div class="empty">
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

/** An admin's page; anyone else is told why they cannot see it (the API refuses them anyway). */
function AdminOnly({ role, what, children }: { role: Role; what: string; children: ComponentChildren }) {
  if (isAdmin(role)) return <>{children}</>;
  return (
    <Message title="Admins only">
      <p class="muted">
        {what} needs the admin role; you are signed in as {role}.
      </p>
    </Message>
  );
}

export function App() {
  const [session, setSession] = useState<SessionState>({ state: 'loading' });
  const [meta, setMeta] = useState<Meta | null>(null);
  const [metaError, setMetaError] = useState<unknown>(null);
  const location = useLocation();
  const route = matchRoute(location.path);

  const signedIn = (value: Session) => {
    setCsrfToken(value.csrfToken);
    setSession({ state: 'signedIn', session: value });
  };

  const loadSession = () => {
    setSession({ state: 'loading' });
    api.session().then(signedIn, (error: unknown) => {
      setSession(error instanceof ProblemError && error.status === 401 ? { state: 'signedOut' } : { state: 'error', error });
    });
  };

  useEffect(() => {
    handleUnauthorized(() => {
      setCsrfToken(null);
      setSession({ state: 'signedOut' });
    });
    loadSession();
  }, []);

  const user = session.state === 'signedIn' ? session.session.user : null;
  useEffect(() => {
    if (!user) return;
    startLiveUpdates();
    setMetaError(null);
    api.meta().then(setMeta, setMetaError);
    return stopLiveUpdates;
  }, [user?.id]);

  const signOut = () => {
    api.signOut().then(
      () => undefined,
      () => undefined,
    );
    setCsrfToken(null);
    setMeta(null);
    setSession({ state: 'signedOut' });
  };

  if (session.state === 'loading') {
    return (
      <div class="boot" aria-busy="true">
        <span class="spinner" aria-label="Loading" />
      </div>
    );
  }
  if (session.state === 'error') {
    return (
      <Message title="Labwire is unreachable">
        <ProblemBanner error={session.error} onRetry={loadSession} />
      </Message>
    );
  }
  if (session.state === 'signedOut') {
    return (
      <>
        <SignIn onSignedIn={signedIn} />
        <Toasts />
      </>
    );
  }

  const { user: me } = session.session;
  return (
    <AppContext.Provider value={{ user: me, meta }}>
      <Header route={route} onSignOut={signOut} />
      <ProblemBanner error={metaError} />
      {route.name === 'logs' && <LogsPage search={location.search} />}
      {route.name === 'log' && <LogDetail key={route.id} id={route.id} />}
      {route.name === 'integrations' && (
        <AdminOnly role={me.role} what="Managing integrations">
          <IntegrationsPage search={location.search} />
        </AdminOnly>
      )}
      {route.name === 'users' && (
        <AdminOnly role={me.role} what="Managing users">
          <UsersPage />
        </AdminOnly>
      )}
      {route.name === 'audit' && (
        <AdminOnly role={me.role} what="The audit trail">
          <AuditPage search={location.search} />
        </AdminOnly>
      )}
      {route.name === 'endpoints' && <EndpointsPage search={location.search} />}
      {route.name === 'notFound' && (
        <Message title="Page not found">
          <a href="/" onClick={onLinkClick}>
            Back to deliveries
          </a>
        </Message>
      )}
      <Toasts />
    </AppContext.Provider>
  );
}
