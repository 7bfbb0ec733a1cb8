import { maskSecret, maskedDetails, mergeSecretDetails, signingSecretsAt, withSigningSecret } from '../../src/integrations/integration-secrets';

const OLD = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NEW = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const NOW = new Date('2026-11-30T10:00:00Z');
const HOUR = 3_600_000;

describe('integration secrets: write-only, masked on read, rotated with an overlap', () => {
  it('masks a secret as … and its last 4 characters, and shows nothing of a short one', () => {
    expect(maskSecret('partner-key-1234567')).toBe('…4567');
    expect(maskSecret('short-key')).toBe('…');
  });

  it('masks x-api-key and signingSecret and keeps the other details as stored', () => {
    const shown = maskedDetails({ host: 'mirth.example', port: 6661, 'x-api-key': 'partner-key-1234567', signingSecret: OLD }, NOW);
    expect(shown).toEqual({ host: 'mirth.example', port: 6661, 'x-api-key': '…4567', signingSecret: '…LaSw' });
    expect(JSON.stringify(shown)).not.toContain(OLD);
  });

  it('a secret left out keeps the stored one, null removes it, a value replaces it; other details are replaced as sent', () => {
    const stored = { vendor: 'old', 'x-api-key': 'partner-key-1234567', signingSecret: OLD };
    expect(mergeSecretDetails(stored, { vendor: 'new' }, NOW, HOUR)).toEqual({ vendor: 'new', 'x-api-key': 'partner-key-1234567', signingSecret: OLD });
    expect(mergeSecretDetails(stored, { 'x-api-key': null, signingSecret: null }, NOW, HOUR)).toEqual({});
    expect(mergeSecretDetails(stored, { 'x-api-key': 'another-key-0000000' }, NOW, HOUR)).toMatchObject({ 'x-api-key': 'another-key-0000000', signingSecret: OLD });
  });

  it('a replaced signing secret signs beside the new one until the overlap ends, then only the new one signs', () => {
    const rotated = withSigningSecret({ signingSecret: OLD }, NEW, NOW, 24 * HOUR);
    expect(rotated).toEqual({ signingSecret: NEW, previousSigningSecret: { secret: OLD, expiresAt: '2026-12-01T10:00:00.000Z' } });
    expect(signingSecretsAt(rotated, new Date(NOW.getTime() + 23 * HOUR))).toEqual([NEW, OLD]);
    expect(signingSecretsAt(rotated, new Date(NOW.getTime() + 24 * HOUR))).toEqual([NEW]);
    expect(maskedDetails(rotated, NOW)).toEqual({ signingSecret: '…b7oD', previousSigningSecret: { secret: '…LaSw', expiresAt: '2026-12-01T10:00:00.000Z' } });
    expect(maskedDetails(rotated, new Date(NOW.getTime() + 25 * HOUR))).not.toHaveProperty('previousSigningSecret');
  });

  it('with no overlap only the new secret signs at once; the same secret sent again is no rotation', () => {
    expect(signingSecretsAt(withSigningSecret({ signingSecret: OLD }, NEW, NOW, 0), NOW)).toEqual([NEW]);
    const rotated = withSigningSecret({ signingSecret: OLD }, NEW, NOW, HOUR);
    expect(mergeSecretDetails(rotated, { signingSecret: NEW }, NOW, HOUR)).toEqual(rotated);
    expect(mergeSecretDetails(rotated, {}, NOW, HOUR)).toEqual(rotated);
  });
});
