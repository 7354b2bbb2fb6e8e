// The console's pages, in the navigation's order. Each page is a component given
// { api, session, route, navigate }: `route.path` is the hash path below the page's id (as
// segments), `route.query` its URLSearchParams; navigate(hash) moves to another view.
import { ConfigPage } from './config.js';

export const PAGES = [{ id: 'config', title: 'Configuration', component: ConfigPage }];
