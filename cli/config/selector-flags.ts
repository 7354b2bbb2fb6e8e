// `--labels k=v,k2=v2` and `--percent 10` of `lodestone config gray`, checked before anything is sent.
import type { GraySelector } from '../../configcenter/layout.js';
import { ConfigCommandError } from './command-error.js';

/** "canary=true,zone=b" → { canary: 'true', zone: 'b' }. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigCommandError(`a label is key=value, not ${JSON.stringify(part)}`);
    labels[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return labels;
}

export function parsePercent(text: string): number {
  const n = Number(text.replace(/%$/, ''));
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new ConfigCommandError(`--percent is a whole number from 1 to 100, not ${JSON.stringify(text)}`);
  return n;
}

/** The selector of a gray release: labels, a percentage, or both; one is needed. */
export function selectorFrom(flags: { readonly labels?: string; readonly percent?: string }): GraySelector {
  const labels = flags.labels === undefined ? undefined : parseLabels(flags.labels);
  const percent = flags.percent === undefined ? undefined : parsePercent(flags.percent);
  if ((labels === undefined || Object.keys(labels).length === 0) && percent === undefined) {
    throw new ConfigCommandError('a gray release needs --labels k=v[,k2=v2] and/or --percent N');
  }
  return { ...(labels && Object.keys(labels).length > 0 ? { labels } : {}), ...(percent === undefined ? {} : { percent }) };
}
