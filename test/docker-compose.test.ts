import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/config/schema';

describe('docker-compose.yml', () => {
  it('is valid for the docker compose client (parsed without an engine)', () => {
    const run = spawnSync('docker', ['compose', '-f', join(projectRoot, 'docker-compose.yml'), 'config', '-q'], { encoding: 'utf8' });
    if (run.error) throw new Error(`the docker client is needed to validate the compose file: ${run.error.message}`);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('describes Temporal on PostgreSQL, the Temporal UI, PostgreSQL, MongoDB, and Labwire worker and API', () => {
    const run = spawnSync('docker', ['compose', '-f', join(projectRoot, 'docker-compose.yml'), 'config', '--format', 'json'], { encoding: 'utf8' });
    const services = (JSON.parse(run.stdout) as { services: Record<string, { image?: string; build?: unknown; command?: string[] }> }).services;
    expect(services.temporal?.image).toMatch(/^temporalio\/auto-setup:/);
    expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:/);
    expect(services.postgres?.image).toMatch(/^postgres:/);
    expect(services.mongo?.image).toMatch(/^mongo:/);
    expect(services.worker?.command).toEqual(['worker']);
    expect(services.api?.command).toEqual(['api']);
    expect(readFileSync(join(projectRoot, 'Dockerfile'), 'utf8')).toContain('ENTRYPOINT ["/app/bin/labwire"]');
  });

  it('publishes every port on 127.0.0.1 only, unless LABWIRE_BIND_ADDRESS opts in', () => {
    const published = (env: NodeJS.ProcessEnv) => {
      const run = spawnSync('docker', ['compose', '-f', join(projectRoot, 'docker-compose.yml'), 'config', '--format', 'json'], { encoding: 'utf8', env });
      const services = (JSON.parse(run.stdout) as { services: Record<string, { ports?: Array<{ host_ip?: string; published: string }> }> }).services;
      return Object.entries(services).flatMap(([name, service]) => (service.ports ?? []).map((port) => `${name} ${port.host_ip ?? '(every interface)'}:${port.published}`));
    };
    const { LABWIRE_BIND_ADDRESS: _ignored, ...env } = process.env;

    expect(published(env).sort()).toEqual(['api 127.0.0.1:3000', 'temporal 127.0.0.1:7233', 'temporal-ui 127.0.0.1:8233']);
    expect(published({ ...env, LABWIRE_BIND_ADDRESS: '0.0.0.0' }).sort()).toEqual(['api 0.0.0.0:3000', 'temporal 0.0.0.0:7233', 'temporal-ui 0.0.0.0:8233']);
  });
});
