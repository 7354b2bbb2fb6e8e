// The console's pages, in the navigation's order. Each page is a component given
// { api, session, route, navigate }: `route.path` is the hash path below the page's id (as
// segments), `route.query` its URLSearchParams; navigate(hash) moves to another view.
import { ClusterPage } from './cluster.js';
import { ConfigPage } from './config.js';
import { KeysPage } from './keys-page.js';
import { LeasesPage } from './leases.js';
import { ServicesPage } from './services.js';

export const PAGES = [
  { id: 'cluster', title: 'Cluster', component: ClusterPage },
  { id: 'keys', title: 'Keys', component: KeysPage },
  { id: 'services', title: 'Services', component: ServicesPage },
  { id: 'config', title: 'Configuration', component: ConfigPage },
  { id: 'leases', title: 'Leases & watchers', component: LeasesPage },
];
