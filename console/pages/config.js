// The Configuration page: the namespace list at #/config, one namespace at #/config/<app>/<env>/<cluster>.
import { html } from '../lib/html.js';
import { NamespaceList } from './config/namespace-list.js';
import { NamespacePage } from './config/namespace-page.js';

export function ConfigPage({ api, session, route, navigate }) {
  const segments = route.path.filter((s) => s !== '');
  if (segments.length >= 3) {
    const ns = segments.slice(0, 3).join('/');
    return html`<${NamespacePage} key=${ns} api=${api} session=${session} route=${route} navigate=${navigate} ns=${ns} />`;
  }
  return html`<${NamespaceList} api=${api} session=${session} navigate=${navigate} />`;
}
