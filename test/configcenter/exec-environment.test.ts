// The variables `lodestone exec` makes of items: envconsul's names, values as text, --prefix and --only.
import { describe, expect, it } from 'vitest';
import { configEnvironment, envName, parseLabels, sameEnvironment } from '../../cli/exec/environment.js';

describe('exec environment', () => {
  it('names variables as envconsul does', () => {
    expect(envName('max_connections')).toBe('MAX_CONNECTIONS');
    expect(envName('db.url-primary')).toBe('DB_URL_PRIMARY');
    expect(envName('x', 'APP_')).toBe('APP_X');
  });

  it('gives json and yaml objects as JSON text, strings as themselves', () => {
    const env = configEnvironment({
      max_connections: { value: '100', format: 'text' },
      limits: { value: '{ "max": 1,\n "burst": [2] }', format: 'json' },
      mode: { value: '"fast"', format: 'json' },
      feature: { value: 'on: true\n', format: 'yaml' },
      ratio: { value: '0.5', format: 'yaml' },
    });
    expect(env).toEqual({ MAX_CONNECTIONS: '100', LIMITS: '{"max":1,"burst":[2]}', MODE: 'fast', FEATURE: '{"on":true}', RATIO: '0.5' });
  });

  it('keeps only the items --only names, and puts --prefix before each name', () => {
    const items = { greeting: { value: 'hi', format: 'text' as const }, other: { value: 'x', format: 'text' as const }, greet_more: { value: 'y', format: 'text' as const } };
    expect(configEnvironment(items, { prefix: 'P_', only: ['greet*'] })).toEqual({ P_GREETING: 'hi', P_GREET_MORE: 'y' });
    expect(sameEnvironment(configEnvironment(items, { only: ['greeting'] }), configEnvironment({ ...items, other: { value: 'z', format: 'text' } }, { only: ['greeting'] }))).toBe(true);
  });

  it('reads labels', () => {
    expect(parseLabels('canary=true, zone=b')).toEqual({ canary: 'true', zone: 'b' });
    expect(() => parseLabels('canary')).toThrow(/key=value/);
  });
});
