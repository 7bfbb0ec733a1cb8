import type { Socket } from 'node:net';
import { Hl7Message, OperationOutcomeError } from '@medplum/core';
import { Hl7Connection, type Hl7ErrorEvent, type Hl7MessageEvent } from '@medplum/hl7';
import { ConnectTimeoutError, connectGuardedSocket } from '../../src/net/guarded-connect';
import { BlockedTargetError, createTargetPolicy, type TargetPolicy } from '../../src/net/target-guard';
import { interpretAck } from './ack';

export interface MirthSendInput {
  logId: string;
  host: string;
  port: number;
  message: string;
  controlId: string;
  timeoutMs: number;
  origin: 'livehealth' | 'crelio-app';
}

export type FusionLog = 'Sent to Mirth' | 'Failed at Livehealthapp' | 'Failed at Crelio-app';

export interface MirthSendOutcome {
  status: 'SUCCESS' | 'FAIL';
  sentToMirth: boolean;
  fusionLog: FusionLog;
  ackCode?: string;
  /** The raw ACK text, when one arrived. */
  responseBody?: string;
  /** The first error, for FAIL. */
  errorMessage?: string;
  responseTimeMs: number;
}

/** What came back on the wire after the message went out. */
type AckWait =
  | { kind: 'ack'; rawAck: string }
  | { kind: 'timeout' }
  | { kind: 'closed' }
  | { kind: 'error'; error: Error };

export interface MirthActivityDeps {
  /** TARGET_ALLOWLIST: the same networks webhooks may reach; Mirth host/port come from an integration, so they are guarded alike. */
  allowedNetworks: readonly string[];
}

export function createMirthActivities(deps: MirthActivityDeps): { sendToMirth(input: MirthSendInput): Promise<MirthSendOutcome> } {
  const policy = createTargetPolicy(deps.allowedNetworks);
  return { sendToMirth: (input) => sendToMirth(policy, input) };
}

/**
 * One MLLP exchange per attempt: connect (through the target guard), send, read the first
 * ACK, close. Every partner-caused failure becomes a FAIL outcome (the log records it;
 * retries are the workflow's decision), so this never throws for them. A refused target is
 * a FAIL too, worded by the guard, and no byte is sent to it.
 */
async function sendToMirth(policy: TargetPolicy, input: MirthSendInput): Promise<MirthSendOutcome> {
  const startedAt = performance.now();
  const elapsed = (): number => Math.round(performance.now() - startedAt);

  let message: Hl7Message;
  try {
    message = Hl7Message.parse(input.message);
  } catch (error) {
    return failed(input, elapsed(), `Message for log ${input.logId} is not HL7 v2: ${describe(error)}`);
  }

  let connection: Hl7Connection | undefined;
  try {
    const socket = await connectGuardedSocket(policy, { host: input.host, port: input.port, timeoutMs: input.timeoutMs });
    const oversized = capReplyBytes(socket, MAX_ACK_BYTES);
    connection = new Hl7Connection(socket);
    const wait = await sendAndAwaitFirstReply(connection, message, input.timeoutMs);
    if (oversized.exceeded) {
      return failed(input, elapsed(), `java.net.SocketException: reply from ${input.host}:${input.port} exceeded ${MAX_ACK_BYTES} bytes without ending its frame; connection closed`);
    }
    return outcomeOf(wait, input, elapsed());
  } catch (error) {
    return failed(input, elapsed(), connectFailureMessage(error, input));
  } finally {
    await connection?.close();
  }
}

/** An ACK is a few hundred bytes; medplum buffers a frame until its end byte, so a peer could stream without end. */
const MAX_ACK_BYTES = 1024 * 1024;

function capReplyBytes(socket: Socket, maxBytes: number): { exceeded: boolean } {
  const state = { exceeded: false };
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > maxBytes && !state.exceeded) {
      state.exceeded = true;
      socket.destroy();
    }
  });
  return state;
}

/**
 * Waits for the first message the peer sends back, whatever its control id, so that
 * interpretAck can reject a mismatch. medplum's own sendAndWait is not used: it ignores
 * ACKs for other control ids (they never settle it), and its timeoutMs timer is not
 * cleared when the ACK arrives, which keeps the process alive until it fires.
 */
function sendAndAwaitFirstReply(connection: Hl7Connection, message: Hl7Message, timeoutMs: number): Promise<AckWait> {
  return new Promise((resolve) => {
    const onMessage = (event: Hl7MessageEvent): void => settle({ kind: 'ack', rawAck: event.message.toString() });
    const onError = (event: Hl7ErrorEvent): void => {
      // medplum raises an OperationOutcomeError warning for every ACK it has no pending
      // sendAndWait for (all of ours); the ACK itself still arrives as a message event.
      if (event.error instanceof OperationOutcomeError) return;
      settle({ kind: 'error', error: event.error });
    };
    const onClose = (): void => settle({ kind: 'closed' });
    const timer = setTimeout(() => settle({ kind: 'timeout' }), timeoutMs);

    function settle(wait: AckWait): void {
      clearTimeout(timer);
      connection.removeEventListener('message', onMessage);
      connection.removeEventListener('error', onError);
      connection.removeEventListener('close', onClose);
      resolve(wait);
    }

    connection.addEventListener('message', onMessage);
    connection.addEventListener('error', onError);
    connection.addEventListener('close', onClose);
    connection.send(message);
  });
}

function outcomeOf(wait: AckWait, input: MirthSendInput, responseTimeMs: number): MirthSendOutcome {
  const peer = `${input.host}:${input.port}`;
  switch (wait.kind) {
    case 'ack': {
      const ack = interpretAck(wait.rawAck, input.controlId);
      const answer = { ackCode: ack.code, responseBody: wait.rawAck, responseTimeMs };
      if (ack.ok) return { status: 'SUCCESS', sentToMirth: true, fusionLog: 'Sent to Mirth', ...answer };
      return { ...failed(input, responseTimeMs, ack.error ?? 'Negative ACK'), ...answer };
    }
    case 'timeout':
      // Worded like the Java stack the dashboards and operators already know from Mirth.
      return failed(
        input,
        responseTimeMs,
        `java.net.SocketTimeoutException: Read timed out after ${input.timeoutMs} ms waiting for ACK from ${peer}`,
      );
    case 'closed':
      return failed(input, responseTimeMs, `java.net.SocketException: Connection closed by ${peer} before an ACK arrived`);
    case 'error':
      // medplum reports a reply it cannot parse as HL7 as an error event, not a message.
      if (isSocketError(wait.error)) return failed(input, responseTimeMs, socketErrorMessage(wait.error, input));
      return failed(input, responseTimeMs, `Unparseable ACK from ${peer}: ${wait.error.message}`);
  }
}

function failed(input: MirthSendInput, responseTimeMs: number, errorMessage: string): MirthSendOutcome {
  const fusionLog: FusionLog = input.origin === 'crelio-app' ? 'Failed at Crelio-app' : 'Failed at Livehealthapp';
  return { status: 'FAIL', sentToMirth: false, fusionLog, errorMessage, responseTimeMs };
}

function connectFailureMessage(error: unknown, input: MirthSendInput): string {
  if (error instanceof BlockedTargetError) return error.message;
  if (error instanceof ConnectTimeoutError) {
    return `java.net.SocketTimeoutException: Connect timed out after ${input.timeoutMs} ms (${input.host}:${input.port})`;
  }
  return socketErrorMessage(error, input);
}

function socketErrorMessage(error: unknown, input: MirthSendInput): string {
  const peer = `${input.host}:${input.port}`;
  switch (isSocketError(error) ? error.code : '') {
    case 'ECONNREFUSED':
      return `java.net.ConnectException: Connection refused (${peer})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `java.net.UnknownHostException: ${input.host}`;
    case 'ETIMEDOUT':
      return `java.net.SocketTimeoutException: Connect timed out (${peer})`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `java.net.SocketException: Connection reset (${peer})`;
    default:
      return `java.net.SocketException: ${describe(error)} (${peer})`;
  }
}

/**
 * Duck-typed on purpose: errors raised by Node's net module can come from another realm
 * (jest's VM sandbox, for one) where `instanceof Error` is false.
 */
function isSocketError(error: unknown): error is { code: string; message: string } {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return String(error);
}
