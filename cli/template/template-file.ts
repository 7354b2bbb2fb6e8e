// The template: parsed once with liquidjs, and asked which services it uses. liquidjs runs no code
// from the template (no eval, only its tags and filters), and its whitespace control ({%- -%})
// keeps generated config files tidy. A template names its services by using them —
// `services.web` or `services["web"]` — which liquidjs's static analysis finds, includes as well;
// a name computed at render time (`services[name]`) cannot be found that way and must be given
// with --service.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Liquid, type Template } from 'liquidjs';
import { checkName, RegistryLayoutError } from '../../registry/layout.js';
import { TemplateError } from './errors.js';
import type { TemplateContext } from './template-context.js';

export class TemplateFile {
  private constructor(
    private readonly engine: Liquid,
    private readonly parsed: Template[],
    /** The services the template uses (and those given with --service), sorted. */
    readonly services: readonly string[],
  ) {}

  static async load(path: string, extraServices: readonly string[] = []): Promise<TemplateFile> {
    const source = await readFile(path, 'utf8');
    const engine = new Liquid({ root: [dirname(resolve(path))], extname: '', strictFilters: true, cache: true });
    let parsed: Template[];
    let segments: ReturnType<Liquid['globalVariableSegmentsSync']>;
    try {
      parsed = engine.parse(source, path);
      segments = engine.globalVariableSegmentsSync(parsed);
    } catch (e) {
      throw new TemplateError('TEMPLATE_PARSE', `${path}: ${(e as Error).message}`, { cause: e });
    }
    const names = new Set(extraServices);
    let dynamic = false;
    for (const [root, name] of segments) {
      if (root !== 'services' || name === undefined) continue;
      if (typeof name === 'string') names.add(name);
      else dynamic = true;
    }
    if (dynamic && extraServices.length === 0) {
      throw new TemplateError('TEMPLATE_SERVICE_NAME', `${path} looks a service up by a name computed at render time (services[…]): name the services it may use with --service`);
    }
    for (const name of names) {
      try {
        checkName('service name', name);
      } catch (e) {
        if (e instanceof RegistryLayoutError) throw new TemplateError('TEMPLATE_SERVICE_NAME', `${path}: ${e.message}`);
        throw e;
      }
    }
    return new TemplateFile(engine, parsed, [...names].sort());
  }

  async render(context: TemplateContext): Promise<string> {
    try {
      return (await this.engine.render(this.parsed, context)) as string;
    } catch (e) {
      throw new TemplateError('TEMPLATE_RENDER', (e as Error).message, { cause: e });
    }
  }
}
