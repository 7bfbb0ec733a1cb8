import { loadConfig } from '../../src/config/load';
import { problemsOf } from '../support/config-problems';
import { alertRecipients, alertText } from '../../src/endpoints/alerts';
import { breakerThresholds } from '../../src/endpoints/breaker';

describe('endpoint flow configuration and alerts', () => {
  it('given nothing, pauses after 20 in a row or half of 50 in 15 min, probes every minute up to 15, and alerts nowhere', () => {
    const config = loadConfig({});
    expect(config.breaker).toEqual({ consecutiveFailures: 20, failureRatePercent: 50, minDeliveries: 50, windowMs: 900_000 });
    expect(config.endpointFlow).toEqual({ probeIntervalMs: 60_000, probeMaxIntervalMs: 900_000, resumeInFlight: 5 });
    expect(config.alerts).toMatchObject({ webhookUrl: undefined, smtpUrl: undefined, emailTo: [], emailToByLab: {} });
  });

  it('reads the alert recipients, globally and per lab, and says which variable is wrong and how', () => {
    const config = loadConfig({ ALERT_EMAIL_TO: 'ops@lab.org, oncall@lab.org', ALERT_EMAIL_TO_LABS: '1001=a@lab.org,b@lab.org; 1002=c@lab.org', SMTP_URL: 'smtp://mail.internal:587' });
    expect(config.alerts.emailTo).toEqual(['ops@lab.org', 'oncall@lab.org']);
    expect(config.alerts.emailToByLab).toEqual({ 1001: ['a@lab.org', 'b@lab.org'], 1002: ['c@lab.org'] });
    expect(alertRecipients(config.alerts, [1002, 1001, 9999])).toEqual(['ops@lab.org', 'oncall@lab.org', 'c@lab.org', 'a@lab.org', 'b@lab.org']);

    expect(problemsOf({ ALERT_EMAIL_TO_LABS: '1001:a@lab.org' })[0]).toMatch(/^ALERT_EMAIL_TO_LABS .*expected labId=address,address;labId=address/);
    expect(problemsOf({ ALERT_EMAIL_TO: 'not-an-address' })[0]).toMatch(/^ALERT_EMAIL_TO .*comma-separated e-mail addresses/);
    expect(problemsOf({ SMTP_URL: 'mail.internal:25' })[0]).toMatch(/^SMTP_URL .*smtp:\/\//);
    expect(problemsOf({ BREAKER_FAILURE_RATE_PERCENT: '150' })[0]).toMatch(/^BREAKER_FAILURE_RATE_PERCENT/);
    // The longest probe interval is never shorter than the first.
    expect(loadConfig({ ENDPOINT_PROBE_INTERVAL_MS: '120000', ENDPOINT_PROBE_MAX_INTERVAL_MS: '60000' }).endpointFlow.probeMaxIntervalMs).toBe(120_000);
  });

  it("takes an integration's own breaker thresholds over the configured ones", () => {
    const config = loadConfig({});
    expect(breakerThresholds(config, { consecutiveFailures: 5, failureRatePercent: 0 })).toEqual({ consecutiveFailures: 5, failureRatePercent: 0, minDeliveries: 50, windowMs: 900_000 });
  });

  it('says in one line what happened, by whom, why, and what comes next', () => {
    const base = { endpoint: 'partner.example:443', at: '2026-11-30T20:00:00.000Z', labIds: [1001] };
    expect(alertText({ ...base, kind: 'paused', by: 'breaker', reason: 'after 20 failures in a row', nextProbeAt: '2026-11-30T20:01:00.000Z' })).toBe(
      'Labwire paused endpoint partner.example:443 (breaker): after 20 failures in a row. Its deliveries wait; the first probe goes at 2026-11-30T20:01:00.000Z.',
    );
    expect(alertText({ ...base, kind: 'paused', by: 'asha', reason: 'maintenance' })).toContain('wait until an operator resumes it');
    expect(alertText({ ...base, kind: 'resumed', by: 'probe', reason: 'a probe (log 1) succeeded' })).toMatch(/^Labwire resumed endpoint partner.example:443 \(probe\)/);
  });
});
