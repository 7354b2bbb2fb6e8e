// Reads the captured Jute fixtures (one exchange per file) for the tests.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromFixture, type Exchange, type FixtureFile } from './exchanges.js';

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'jute-fixtures');

export interface NamedExchange extends Exchange {
  readonly file: string;
}

export function loadFixtures(): NamedExchange[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...fromFixture(JSON.parse(readFileSync(join(FIXTURE_DIR, file), 'utf8')) as FixtureFile) }));
}
