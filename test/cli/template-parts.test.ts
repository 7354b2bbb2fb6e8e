// The template command's own logic, part by part: the --wait window (on a fake clock), which
// services a template names, what a template sees of releases and instances, and the atomic write.
import { mkdtemp, readdir, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceInstance } from '../../client/discovered-instance.js';
import { TemplateError } from '../../cli/template/errors.js';
import { parseWait, Quiescence, type Timers } from '../../cli/template/quiescence.js';
import { expandCommand } from '../../cli/template/shell-command.js';
import { readCurrent, stage } from '../../cli/template/staged-file.js';
import { buildContext } from '../../cli/template/template-context.js';
import { TemplateFile } from '../../cli/template/template-file.js';

/** A clock that moves only when told, with the timers due by then. */
class FakeTimers implements Timers {
  private t = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, v]) => v.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = until;
  }
}

describe('--wait min:max', () => {
  it('parses min:max, and min alone as max = 4×min; refuses max below min', () => {
    expect(parseWait('2s:10s')).toEqual({ minMs: 2000, maxMs: 10_000 });
    expect(parseWait('500ms')).toEqual({ minMs: 500, maxMs: 2000 });
    expect(() => parseWait('10s:2s')).toThrow(/shorter than min/);
    expect(() => parseWait('soon')).toThrow(/duration/);
  });

  it('fires once a burst has been quiet for min', () => {
    const timers = new FakeTimers();
    let fired = 0;
    const q = new Quiescence({ minMs: 100, maxMs: 1000 }, () => fired++, timers);
    q.poke();
    timers.advance(60);
    q.poke(); // starts the min wait again
    timers.advance(60);
    expect(fired).toBe(0);
    timers.advance(40);
    expect(fired).toBe(1);
    expect(q.pending).toBe(false);
  });

  it('never waits longer than max since the first change of a burst', () => {
    const timers = new FakeTimers();
    let fired = 0;
    const q = new Quiescence({ minMs: 100, maxMs: 250 }, () => fired++, timers);
    for (let i = 0; i < 4; i++) {
      q.poke();
      timers.advance(60);
    }
    // 240 since the first poke: one more poke may only wait until 250.
    q.poke();
    timers.advance(9);
    expect(fired).toBe(0);
    timers.advance(1);
    expect(fired).toBe(1);
    // The next change starts a burst of its own.
    q.poke();
    timers.advance(99);
    expect(fired).toBe(1);
    timers.advance(1);
    expect(fired).toBe(2);
  });
});

describe('the template file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lodestone-template-parts-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const load = async (text: string, services: string[] = [], partials: Record<string, string> = {}): Promise<TemplateFile> => {
    for (const [name, body] of Object.entries(partials)) await writeFile(join(dir, name), body);
    const path = join(dir, `t${Math.random().toString(36).slice(2)}.liquid`);
    await writeFile(path, text);
    return TemplateFile.load(path, services);
  };

  it('finds the services a template uses, in loops, assigns, brackets and includes', async () => {
    const t = await load(
      '{% for s in services.web %}{{ s.port }}{% endfor %}{% assign db = services["db-main"] %}{{ services.cache.size }}{% include "part.liquid" %}',
      [],
      { 'part.liquid': '{% for s in services.api %}{{ s.id }}{% endfor %}' },
    );
    expect(t.services).toEqual(['api', 'cache', 'db-main', 'web']);
  });

  it('refuses a service named at render time unless --service names them', async () => {
    const text = '{% for n in names %}{% for s in services[n] %}{{ s.id }}{% endfor %}{% endfor %}';
    const err = await load(text).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).code).toBe('TEMPLATE_SERVICE_NAME');
    expect((await load(text, ['web'])).services).toEqual(['web']);
  });

  it('refuses a template that does not parse, with a stable code', async () => {
    const err = await load('{% for s in services.web %}').catch((e: unknown) => e);
    expect((err as TemplateError).code).toBe('TEMPLATE_PARSE');
  });

  it('runs no code and knows no filter it was not given', async () => {
    const err = await load('{{ "x" | system }}').catch((e: unknown) => e);
    expect((err as TemplateError).code).toBe('TEMPLATE_PARSE');
    expect((err as TemplateError).message).toContain('undefined filter: system');
    const u = await load('{{ config.constructor.name }}|{{ services.web.constructor }}');
    expect(await u.render(buildContext([], new Map()))).toBe('|');
  });

  it('renders items (json and yaml parsed) per namespace and merged, and instances sorted by id', async () => {
    const instance = (id: string, port: number): ServiceInstance =>
      ({ service: 'web', instance: id, address: '10.0.0.1', port, tags: ['a'], meta: {}, weights: { passing: 3, warning: 1 }, weight: 3, status: 'passing' }) as unknown as ServiceInstance;
    const context = buildContext(
      [
        { given: 'app', snapshot: { namespace: 'app/default/default', release: 4, fromCache: false, items: { limit: { value: '10', format: 'text' }, hosts: { value: '["a","b"]', format: 'json' } } } },
        { given: 'app/prod', snapshot: { namespace: 'app/prod/default', release: 7, fromCache: false, items: { limit: { value: 'max: 20\n', format: 'yaml' } } } },
      ],
      new Map([['web', new Map([['w2', instance('w2', 2)], ['w1', instance('w1', 1)]])]]),
    );
    const t = await load(
      '{{ config.limit.max }} {{ namespaces.app.items.limit }} {{ namespaces["app/prod/default"].release }} {{ config.hosts | join: "+" }}\n' +
        '{%- for s in services.web %} {{ s.id }}:{{ s.port }}/{{ s.weights.passing }}{% endfor %}',
    );
    expect(await t.render(context)).toBe('20 10 7 a+b w1:1/3 w2:2/3');
  });
});

describe('the staged file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lodestone-template-stage-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces the destination on commit with its mode kept, and leaves it untouched on discard', async () => {
    const dest = join(dir, 'out.cfg');
    await writeFile(dest, 'old\n');
    await chmod(dest, 0o600);
    const refused = await stage(dest, 'refused\n');
    expect(await readFile(refused.path, 'utf8')).toBe('refused\n');
    await refused.discard();
    expect(await readCurrent(dest)).toBe('old\n');
    const taken = await stage(dest, 'new\n');
    await taken.commit();
    expect(await readCurrent(dest)).toBe('new\n');
    expect((await stat(dest)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['out.cfg']);
    expect(await readCurrent(join(dir, 'absent'))).toBeUndefined();
  });

  it('puts the candidate and destination into a command shell-quoted', () => {
    expect(expandCommand('haproxy -c -f {{candidate}} && echo {{dest}}', { candidate: "/tmp/a b'c", dest: '/etc/x.cfg' })).toBe(
      `haproxy -c -f '/tmp/a b'\\''c' && echo '/etc/x.cfg'`,
    );
  });
});
