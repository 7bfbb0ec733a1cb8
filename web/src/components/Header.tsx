import { isAdmin, useApp } from '../app-context';
import { useConnection, type Connection } from '../live';
import { onLinkClick, type Route } from '../router';

const CONNECTION_LABEL: Record<Connection, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' };

function ConnectionIndicator() {
  const state = useConnection();
  return (
    <span class={`connection connection-${state}`} data-testid="connection-indicator" data-state={state} role="status" title="Live updates from /api/stream">
      <span class="connection-dot" aria-hidden="true" />
      {CONNECTION_LABEL[state]}
    </span>
  );
}

export function Header({ route, onSignOut }: { route: Route; onSignOut: () => void }) {
  const { user, meta } = useApp();
  const onLogs = route.name === 'logs' || route.name === 'log';
  return (
    <header class="header">
      <div class="header-inner">
        <a href="/" class="brand" onClick={onLinkClick}>
          <span class="brand-mark" aria-hidden="true" />
          Labwire
        </a>
        {meta?.demo && (
          <span
            class="demo-badge"
            data-testid="demo-badge"
            title="Demo partner on: lab 1001 sends to Labwire Demo Partner's webhook, Mirth channels and courier inside labwire start. LABWIRE_DEMO=false starts without it."
          >
            Demo
          </span>
        )}
        <nav class="nav" aria-label="Main">
          <a href="/" onClick={onLinkClick} aria-current={onLogs ? 'page' : undefined} data-testid="nav-deliveries">
            Deliveries
          </a>
          <a href="/endpoints" onClick={onLinkClick} aria-current={route.name === 'endpoints' ? 'page' : undefined} data-testid="nav-endpoints">
            Endpoints
          </a>
          {isAdmin(user.role) && (
            <a href="/integrations" onClick={onLinkClick} aria-current={route.name === 'integrations' ? 'page' : undefined} data-testid="nav-integrations">
              Manage Integrations
            </a>
          )}
          {isAdmin(user.role) && (
            <a href="/users" onClick={onLinkClick} aria-current={route.name === 'users' ? 'page' : undefined} data-testid="nav-users">
              Users
            </a>
          )}
          {isAdmin(user.role) && (
            <a href="/audit" onClick={onLinkClick} aria-current={route.name === 'audit' ? 'page' : undefined} data-testid="nav-audit">
              Audit
            </a>
          )}
        </nav>
        <div class="header-right">
          <ConnectionIndicator />
          <span class="user" data-testid="current-user">
            <span class="user-name">{user.username}</span>
            <span class="role" data-testid="current-role">
              {user.role}
            </span>
            {user.role !== 'admin' && user.labIds.length > 0 && (
              <span class="role" data-testid="current-labs" title="You see the deliveries and integrations of these labs only">
                {user.labIds.length === 1 ? `lab ${user.labIds[0]}` : `labs ${user.labIds.join(', ')}`}
              </span>
            )}
          </span>
          <button type="button" class="btn btn-small" onClick={onSignOut} data-testid="sign-out">
            Sign out
          </button>
        </div>
      </div>
    </header>
  );
}
