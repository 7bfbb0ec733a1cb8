import { loadConfig } from '../../src/config/load';
import { problemsOf } from '../support/config-problems';


describe('configuration', () => {
  it('given no variables, resolves the documented local defaults', () => {
    const config = loadConfig({});
    expect(config.temporal.address).toBe('127.0.0.1:7233');
    expect(config.temporal.externalAddress).toBeUndefined();
    expect(config.temporal.uiUrl).toBe('http://127.0.0.1:8233');
    expect(config.postgres.url).toBe('postgres://postgres@127.0.0.1:5432/labwire');
    expect(config.logStore.url).toBe('mongodb://127.0.0.1:27017/');
    expect(config.logStore.ferret.postgresUrl).toBe('postgres://postgres@127.0.0.1:5432/labwire_ferretdb');
    expect(config.temporal.taskQueue).toBe('labwire-default');
    expect(config.temporal.crelioTaskQueue).toBe('labwire-crelio-app');
    expect(config.api.publicUrl).toBe('http://127.0.0.1:3000');
  });

  it('runs the demo partner of labwire start unless LABWIRE_DEMO is false', () => {
    expect(loadConfig({}).demo).toBe(true);
    expect(loadConfig({ LABWIRE_DEMO: 'false' }).demo).toBe(false);
    expect(loadConfig({ LABWIRE_DEMO: '0' }).demo).toBe(false);
    expect(problemsOf({ LABWIRE_DEMO: 'off' })[0]).toMatch(/^LABWIRE_DEMO \(got "off"\)/);
  });

  it('given TEMPORAL_ADDRESS and MONGODB_URL, uses them instead of local servers', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233', MONGODB_URL: 'mongodb://mongo:27017/' });
    expect(config.temporal.externalAddress).toBe('temporal.internal:7233');
    expect(config.temporal.address).toBe('temporal.internal:7233');
    expect(config.logStore.externalUrl).toBe('mongodb://mongo:27017/');
  });

  it.each([
    ['API_PORT', 'abc', 'expected a TCP port number from 1 to 65535'],
    ['TEMPORAL_PORT', '70000', 'expected a TCP port number from 1 to 65535'],
    ['DATABASE_URL', 'mysql://db/x', 'expected a URL like postgres://'],
    ['MONGODB_URL', 'http://mongo', 'expected a URL like mongodb://'],
    ['TEMPORAL_ADDRESS', 'no-port', 'expected host:port'],
    ['TEMPORAL_TLS', 'maybe', 'expected one of'],
    ['LOG_LEVEL', 'loud', 'expected one of'],
    ['STARTUP_TIMEOUT_MS', '-5', 'expected a whole number of milliseconds'],
    ['TASK_QUEUE', 'has space', 'expected letters, digits'],
  ])('given %s=%s, stops with a message naming the variable and the expected form', (variable, value, expected) => {
    const [problem, ...others] = problemsOf({ [variable]: value });
    expect(others).toEqual([]);
    expect(problem).toContain(variable);
    expect(problem).toContain(JSON.stringify(value));
    expect(problem).toContain(expected);
  });

  it('removes log bodies after 30 days by default, hourly; 0 keeps them forever; anything but whole days is refused', () => {
    expect(loadConfig({}).bodyRetention).toEqual({ days: 30, intervalMs: 3_600_000, paused: false });
    expect(loadConfig({ LOG_BODY_RETENTION_DAYS: '0' }).bodyRetention.days).toBe(0);
    for (const value of ['-1', '1.5', 'forever', '36501']) {
      const [problem, ...others] = problemsOf({ LOG_BODY_RETENTION_DAYS: value });
      expect(others).toEqual([]);
      expect(problem).toContain('LOG_BODY_RETENTION_DAYS');
      expect(problem).toContain('expected a whole number of days from 0 (keep bodies forever) to 36500');
    }
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({ API_PORT: 'x', FERRETDB_PORT: 'y' });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(['API_PORT', 'FERRETDB_PORT']);
  });

  it('given nothing, applies the limits on untrusted input documented in the README', () => {
    const config = loadConfig({});
    expect(config.api).toMatchObject({ streamMaxPerUser: 10, streamMaxPerProcess: 500, requestBodyLimitBytes: 1_048_576, requestJsonMaxDepth: 32 });
    expect(config.partnerRateLimitPerMinute).toBe(120);
    expect(config.partnerAddressRateLimitPerMinute).toBe(600);
  });

  it.each([
    ['STREAM_MAX_PER_USER', '0', 'expected a whole number, at least 1'],
    ['STREAM_MAX_PER_PROCESS', 'many', 'expected a whole number, at least 1'],
    ['PARTNER_ADDRESS_RATE_LIMIT_PER_MINUTE', '1.5', 'expected a whole number, at least 1'],
    ['REQUEST_JSON_MAX_DEPTH', '1', 'expected a whole number from 2 to 1000'],
    ['REQUEST_BODY_LIMIT_BYTES', '10', 'expected a number of bytes, at least 1024'],
  ])('given %s=%s, stops naming it', (variable, value, expected) => {
    expect(problemsOf({ [variable]: value })).toEqual([`${variable} (got ${JSON.stringify(value)}): ${expected}`]);
  });

  it('trusts no proxy by default; TRUST_PROXY takes a hop count or proxy addresses, CIDRs and range names', () => {
    expect(loadConfig({}).api.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).api.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).api.trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,::1/128,192.0.2.7' }).api.trustProxy).toEqual(['loopback', '10.0.0.0/8', '::1/128', '192.0.2.7']);
  });

  it.each([
    ['true', 'true would trust any X-Forwarded-For, so every client could choose its own address'],
    ['proxy.example', 'expected false, a number of proxy hops, or comma-separated proxy addresses'],
    ['10.0.0.0/33', 'expected false, a number of proxy hops, or comma-separated proxy addresses'],
  ])('given TRUST_PROXY=%s, stops naming it', (value, expected) => {
    const problems = problemsOf({ TRUST_PROXY: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`TRUST_PROXY (got "${value}"): ${expected}`);
  });

  it('names a bad connection URL and its expected form without echoing the password in it', () => {
    const [problem] = problemsOf({ DATABASE_URL: 'postgres://labwire:hunter2-secret@db.internal:99999/labwire' });
    expect(problem).toMatch(/^DATABASE_URL \(got "postgres:\/\/labwire:\*\*\*@db\.internal:99999\/labwire"\): /);
    expect(problem).not.toContain('hunter2');
  });

  it('refuses an ADMIN_PASSWORD over the 72 bytes bcrypt reads, naming the variable but never echoing a secret', () => {
    const tooLong = 'ü'.repeat(37); // 37 characters, 74 bytes
    expect(problemsOf({ ADMIN_PASSWORD: tooLong })).toEqual(['ADMIN_PASSWORD: must be at most 72 bytes in UTF-8 (bcrypt ignores anything longer)']);
    expect(problemsOf({ ADMIN_PASSWORD: 'short' })).toEqual(['ADMIN_PASSWORD: must be at least 12 characters']);
    expect(loadConfig({ ADMIN_PASSWORD: 'ü'.repeat(36) }).auth.adminPassword).toBe('ü'.repeat(36));
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ API_PORT: '' }).api.port).toBe(3000);
  });
});
