// Where the registry and the config helpers keep their data, so that any etcd client can read and
// write the same keys:
//
//   /lodestone/services/<service>/<instance>   a registered instance; value: JSON (what register()
//                                               was given), key attached to the registration's lease
//   /lodestone/config/<prefix>/<key>           a config value; value: text (the caller's parse
//                                               function reads it; JSON by convention)
//
// Service and instance names are non-empty and contain no "/"; a config prefix may have several
// segments ("payments/db"), and a config key may contain "/" too.
import { ClientError } from './errors.js';

export const LAYOUT_ROOT = '/lodestone';
export const SERVICES_PREFIX = `${LAYOUT_ROOT}/services/`;
export const CONFIG_PREFIX = `${LAYOUT_ROOT}/config/`;

function segment(what: string, name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.includes('/')) {
    throw new ClientError('LODESTONE_INVALID_ARGUMENT', `a ${what} name is non-empty text without "/", not ${JSON.stringify(name)}`);
  }
  return name;
}

/** "/lodestone/services/<service>/": every instance of the service. */
export function servicePrefix(service: string): string {
  return `${SERVICES_PREFIX}${segment('service', service)}/`;
}

/** "/lodestone/services/<service>/<instance>" */
export function serviceKey(service: string, instance: string): string {
  return servicePrefix(service) + segment('instance', instance);
}

/** "/lodestone/config/<prefix>/": every key of the config. */
export function configPrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed.length === 0 || trimmed.split('/').some((s) => s.length === 0)) {
    throw new ClientError('LODESTONE_INVALID_ARGUMENT', `a config prefix is one or more non-empty segments, not ${JSON.stringify(prefix)}`);
  }
  return `${CONFIG_PREFIX}${trimmed}/`;
}

/** "/lodestone/config/<prefix>/<key>" */
export function configKey(prefix: string, key: string): string {
  if (key.length === 0) throw new ClientError('LODESTONE_INVALID_ARGUMENT', 'a config key is non-empty');
  return configPrefix(prefix) + key;
}
