import { connect, isIP, type Socket } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { BlockedTargetError, createGuardedLookup, createTargetPolicy, type TargetPolicy } from './target-guard';

/**
 * The two ways Labwire opens an outbound connection — HTTP through undici (webhooks, the lab
 * backend) and raw TCP (MLLP to Mirth) — both go through the same policy, built from
 * TARGET_ALLOWLIST. Node skips the lookup for IP-literal hosts, so those are judged here
 * before any socket is opened; names are judged on every address they resolve to.
 */
export function createTargetGuardedAgent(allowedNetworks: readonly string[]): Agent {
  const policy = createTargetPolicy(allowedNetworks);
  const connectGuarded = buildConnector({ lookup: createGuardedLookup(policy) });
  const guardedConnect: buildConnector.connector = (options, callback) => {
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    const blocked = literalBlocked(policy, options.hostname, port);
    if (blocked) return callback(blocked, null);
    connectGuarded(options, (...outcome) => {
      const [error] = outcome;
      if (error instanceof BlockedTargetError) return callback(error.atPort(port), null);
      callback(...outcome);
    });
  };
  return new Agent({ connect: guardedConnect });
}

/** A connect (name lookup included) that did not complete in time; send-to-mirth words it the way Mirth's operators know. */
export class ConnectTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Connection timeout after ${timeoutMs}ms`);
    this.name = 'ConnectTimeoutError';
  }
}

export interface GuardedSocketTarget {
  host: string;
  port: number;
  /** Gives up on a connect that has not completed by then. */
  timeoutMs: number;
}

/**
 * A TCP connection that exists only when the policy allows the resolved address. A refused
 * target rejects with BlockedTargetError and no socket is ever created for it.
 */
export function connectGuardedSocket(policy: TargetPolicy, target: GuardedSocketTarget): Promise<Socket> {
  const blocked = literalBlocked(policy, target.host, target.port);
  if (blocked) return Promise.reject(blocked);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port, lookup: createGuardedLookup(policy) });
    const onError = (error: Error): void => settle(error instanceof BlockedTargetError ? error.atPort(target.port) : firstOf(error));
    const onTimeout = (): void => settle(new ConnectTimeoutError(target.timeoutMs));
    const onConnect = (): void => settle(undefined);
    function settle(error: Error | undefined): void {
      socket.setTimeout(0);
      socket.removeListener('timeout', onTimeout).removeListener('error', onError).removeListener('connect', onConnect);
      if (error === undefined) return resolve(socket);
      socket.destroy();
      reject(error);
    }
    socket.setTimeout(target.timeoutMs);
    socket.once('timeout', onTimeout).once('error', onError).once('connect', onConnect);
  });
}

/** Happy-eyeballs connects to a name with several addresses fail with an AggregateError; its first error says why. */
function firstOf(error: Error): Error {
  const inner = (error as { errors?: unknown }).errors;
  return Array.isArray(inner) && inner.length > 0 ? (inner[0] as Error) : error;
}

function literalBlocked(policy: TargetPolicy, host: string, port: number): BlockedTargetError | undefined {
  if (isIP(host) === 0) return undefined;
  const reason = policy(host);
  return reason === undefined ? undefined : new BlockedTargetError(host, reason, host, port);
}
