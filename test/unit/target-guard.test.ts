import net from 'node:net';
import { createMirthActivities } from '../../activities/mirth/send-to-mirth';
import { buildHl7Message } from '../../activities/mirth/hl7-builders';
import { isSecretHeader, redactHeaders } from '../../activities/webhook/redact';
import type { PatientContext } from '../../activities/context/types';
import { httpContextProvider } from '../../src/context/http-context-provider';
import { connectGuardedSocket } from '../../src/net/guarded-connect';
import { BlockedTargetError, assertTargetAllowed, createGuardedLookup, createTargetPolicy } from '../../src/net/target-guard';

describe('outbound target guard: which resolved addresses may be contacted', () => {
  const noAllowlist = createTargetPolicy([]);

  it.each([
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.10', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.10.20', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'reserved'],
  ])('given no allowlist, when the target resolves to %s, then it is refused as %s', (address, reason) => {
    expect(noAllowlist(address)).toBe(reason);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111'])('given no allowlist, when the target resolves to the public address %s, then it is allowed', (address) => {
    expect(noAllowlist(address)).toBeUndefined();
  });

  it('given an allowlist of loopback CIDRs, when the target is loopback, then it is allowed but other private ranges are not', () => {
    const policy = createTargetPolicy(['127.0.0.0/8', '::1/128']);
    expect(policy('127.0.0.1')).toBeUndefined();
    expect(policy('127.8.9.10')).toBeUndefined();
    expect(policy('::1')).toBeUndefined();
    expect(policy('::ffff:127.0.0.1')).toBeUndefined();
    expect(policy('10.0.0.1')).toBe('private');
    expect(policy('169.254.169.254')).toBe('metadata');
  });

  it('given an IPv6 allowlist entry, when an address inside and outside it is judged, then only the inside one passes', () => {
    const policy = createTargetPolicy(['fd00:1234::/32']);
    expect(policy('fd00:1234:0:1::5')).toBeUndefined();
    expect(policy('fd00:1235::5')).toBe('private');
  });

  it('given a malformed allowlist entry, when the policy is built, then it names the entry', () => {
    expect(() => createTargetPolicy(['10.0.0.0/99'])).toThrow("Invalid allowed network '10.0.0.0/99'");
  });

  it('given a blocked address, when asserted, then a BlockedTargetError carries address, reason and host', () => {
    expect(() => assertTargetAllowed(noAllowlist, '169.254.169.254', 'metadata.internal')).toThrow(
      new BlockedTargetError('169.254.169.254', 'metadata', 'metadata.internal'),
    );
    expect(() => assertTargetAllowed(noAllowlist, '169.254.169.254', 'metadata.internal', 80)).toThrow(
      'Blocked target address 169.254.169.254 (metadata) for host metadata.internal port 80; not allowed unless TARGET_ALLOWLIST includes it',
    );
  });

  it('given the guarded lookup, when a name resolves to loopback, then the connection gets a BlockedTargetError instead of an address', async () => {
    const lookup = createGuardedLookup(noAllowlist);
    const error = await new Promise<unknown>((resolve) => lookup('localhost', { family: 4 }, (err) => resolve(err)));
    expect(error).toBeInstanceOf(BlockedTargetError);
    expect((error as BlockedTargetError).message).toBe(
      'Blocked target address 127.0.0.1 (loopback) for host localhost; not allowed unless TARGET_ALLOWLIST includes it',
    );
  });

  it('given the guarded lookup with loopback allowed, when a name resolves to loopback, then the address is handed back', async () => {
    const lookup = createGuardedLookup(createTargetPolicy(['127.0.0.0/8']));
    const address = await new Promise<unknown>((resolve, reject) =>
      lookup('localhost', { family: 4 }, (err, resolved) => (err ? reject(err) : resolve(resolved))),
    );
    expect(address).toBe('127.0.0.1');
  });
});

/**
 * Every outbound connection kind refuses these targets before a socket exists: net.connect is
 * spied on and must never be called. No test here opens a connection to any of them.
 */
describe('outbound target guard: Mirth (MLLP) and the lab backend refuse without connecting', () => {
  const refused: [host: string, port: number, reason: string][] = [
    ['10.0.0.5', 6661, 'private'],
    ['172.16.4.2', 6661, 'private'],
    ['192.168.1.20', 2575, 'private'],
    ['169.254.169.254', 80, 'metadata'],
    ['169.254.10.20', 6661, 'link-local'],
    ['fd00:ec2::254', 80, 'metadata'],
    ['fe80::1', 6661, 'link-local'],
    ['127.0.0.2', 6661, 'loopback'],
    ['0.0.0.0', 6661, 'unspecified'],
  ];
  let connectSpy: jest.SpyInstance;
  beforeEach(() => {
    connectSpy = jest.spyOn(net, 'connect');
  });
  afterEach(() => connectSpy.mockRestore());

  it.each(refused)('given no allowlist, when a socket to %s:%d is asked for, then it is refused as %s and none is created', async (host, port, reason) => {
    await expect(connectGuardedSocket(createTargetPolicy([]), { host, port, timeoutMs: 1_000 })).rejects.toThrow(
      new BlockedTargetError(host, reason, host, port),
    );
    expect(connectSpy).not.toHaveBeenCalled();
  });

  it.each(refused)('given TARGET_ALLOWLIST=127.0.0.1/32, when an HL7 message is sent to Mirth at %s:%d, then the outcome is FAIL naming the guard (%s) and nothing connects', async (host, port, reason) => {
    const { sendToMirth } = createMirthActivities({ allowedNetworks: ['127.0.0.1/32'] });
    const message = buildHl7Message('ADT', { type: 'patient', patient: aPatient() }, { controlId: 'C1', lab: { id: 1, name: 'Lab' }, timestamp: new Date() });

    const outcome = await sendToMirth({ logId: 'log-1', host, port, message, controlId: 'C1', timeoutMs: 1_000, origin: 'livehealth' });

    expect(outcome).toMatchObject({
      status: 'FAIL', sentToMirth: false, fusionLog: 'Failed at Livehealthapp',
      errorMessage: `Blocked target address ${host} (${reason}) for host ${host} port ${port}; not allowed unless TARGET_ALLOWLIST includes it`,
    });
    expect(outcome.ackCode).toBeUndefined();
    expect(connectSpy).not.toHaveBeenCalled();
  });

  // Names (and the numeric spellings getaddrinfo accepts) are judged on what they resolve to, before the socket connects.
  it.each(['localhost', '127.1', '2130706433'])('given no allowlist, when Mirth is %s, which resolves to loopback, then it is refused after resolution', async (host) => {
    const { sendToMirth } = createMirthActivities({ allowedNetworks: [] });
    const message = buildHl7Message('ADT', { type: 'patient', patient: aPatient() }, { controlId: 'C2', lab: { id: 1, name: 'Lab' }, timestamp: new Date() });

    const outcome = await sendToMirth({ logId: 'log-2', host, port: 6661, message, controlId: 'C2', timeoutMs: 1_000, origin: 'crelio-app' });

    expect(outcome).toMatchObject({ status: 'FAIL', sentToMirth: false, fusionLog: 'Failed at Crelio-app' });
    expect(outcome.errorMessage).toMatch(new RegExp(`^Blocked target address (127\\.0\\.0\\.1|::1) \\(loopback\\) for host ${host} port 6661; `));
  });

  it.each(refused)('given TARGET_ALLOWLIST=127.0.0.1/32, when the lab backend is at %s:%d, then reading a lab rejects with BlockedTargetError (%s) and nothing connects', async (host, port, reason) => {
    const literal = host.includes(':') ? `[${host}]` : host;
    const provider = httpContextProvider(`http://${literal}:${port}/api`, { allowedNetworks: ['127.0.0.1/32'] });

    const failure = provider.loadLab(1001);

    await expect(failure).rejects.toBeInstanceOf(BlockedTargetError);
    await expect(failure).rejects.toThrow(`Blocked target address ${host} (${reason}) for host ${host} port ${port}; `);
    expect(connectSpy).not.toHaveBeenCalled();
  });
});

function aPatient(): PatientContext {
  return { id: 1, labId: 1, mrn: 'MRN-1', firstName: 'Ravi', lastName: 'Iyer', dateOfBirth: '1990-12-31', gender: 'M' };
}

describe('webhook header redaction', () => {
  it('given secret headers in any case, when redacted, then their values are hidden and the rest kept', () => {
    const redacted = redactHeaders({
      'X-API-Key': 'k-123',
      Authorization: 'Bearer abc',
      'webhook-signature': 'v1,xyz',
      Cookie: 'sid=1',
      'set-cookie': 'sid=2',
      'x-client-secret': 's',
      'x-refresh-token': 't',
      'x-partner-key': 'p',
      'content-type': 'application/json',
      'idempotency-key': 'log-1',
    });
    expect(redacted).toEqual({
      'X-API-Key': '[REDACTED]',
      Authorization: '[REDACTED]',
      'webhook-signature': '[REDACTED]',
      Cookie: '[REDACTED]',
      'set-cookie': '[REDACTED]',
      'x-client-secret': '[REDACTED]',
      'x-refresh-token': '[REDACTED]',
      'x-partner-key': '[REDACTED]',
      'content-type': 'application/json',
      'idempotency-key': 'log-1',
    });
  });

  it('given the idempotency key, when judged, then it is not a secret because it is the log id', () => {
    expect(isSecretHeader('Idempotency-Key')).toBe(false);
    expect(isSecretHeader('webhook-id')).toBe(false);
  });
});
