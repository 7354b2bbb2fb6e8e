// The console's shell: sign-in when auth is on, the navigation, the light and dark themes, and the
// hash router that picks a page from pages/index.js.
import { html, render, useCallback, useEffect, useState } from './lib/html.js';
import { Api } from './lib/api.js';
import { Session } from './lib/session.js';
import { PAGES } from './pages/index.js';
import { LoginPage } from './login.js';

const TOKEN_KEY = 'lodestone.token';
const THEME_KEY = 'lodestone.theme';

/** "#/keys/a/b?rev=3" → { page: 'keys', path: ['a', 'b'], query }. */
function parseHash(hash) {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const pathPart = q >= 0 ? raw.slice(0, q) : raw;
  const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
  const segments = pathPart.split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  const page = segments.shift() || (PAGES[0]?.id ?? '');
  return { page, path: segments.filter((s, i) => s !== '' || i < segments.length - 1), query };
}

function initialTheme() {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function ThemeToggle({ theme, setTheme }) {
  const next = theme === 'dark' ? 'light' : 'dark';
  return html`<button type="button" class="ghost" onClick=${() => setTheme(next)} aria-label=${`Switch to the ${next} theme`} title=${`Switch to the ${next} theme`}>
    ${theme === 'dark' ? '☀' : '☾'}
  </button>`;
}

function App() {
  const [theme, setThemeState] = useState(initialTheme);
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY) ?? '');
  // The session with the Api it was read through: after signing in or out, the old one no longer counts.
  const [loaded, setLoaded] = useState(undefined);
  const [error, setError] = useState(undefined);
  const [route, setRoute] = useState(() => parseHash(location.hash));

  const setTheme = useCallback((t) => {
    localStorage.setItem(THEME_KEY, t);
    setThemeState(t);
  }, []);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  const signOut = useCallback(() => {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken('');
  }, []);
  const api = apiFor(token, signOut);

  useEffect(() => {
    let stale = false;
    api.get('/ui/api/session').then(
      (answer) => !stale && (setLoaded({ api, session: new Session(answer) }), setError(undefined)),
      (err) => !stale && setError(err),
    );
    return () => {
      stale = true;
    };
  }, [api]);

  useEffect(() => {
    const onHash = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const navigate = useCallback((hash) => {
    location.hash = hash;
  }, []);

  const signIn = useCallback((newToken) => {
    sessionStorage.setItem(TOKEN_KEY, newToken);
    setToken(newToken);
  }, []);

  const session = loaded?.api === api ? loaded.session : undefined;
  if (error) return html`<main class="centered"><p role="alert" class="error">The member did not answer: ${error.message}</p></main>`;
  if (!session) return html`<main class="centered" aria-busy="true"><p>Loading…</p></main>`;
  if (session.needsLogin) return html`<${LoginPage} api=${api} onSignIn=${signIn} theme=${theme} setTheme=${setTheme} />`;

  const current = PAGES.find((p) => p.id === route.page) ?? PAGES[0];
  const Page = current?.component;
  return html`
    <a class="skip" href="#main">Skip to the content</a>
    <header class="top">
      <span class="brand" aria-label="Lodestone">◈ Lodestone</span>
      <nav aria-label="Pages">
        <ul>
          ${PAGES.map((p) => html`<li><a href=${`#/${p.id}`} aria-current=${p === current ? 'page' : undefined}>${p.title}</a></li>`)}
        </ul>
      </nav>
      <span class="who">
        <span class="muted">member ${session.member}</span>
        ${session.user ? html`<span>${session.user}</span><button type="button" class="ghost" onClick=${signOut}>Sign out</button>` : null}
        <${ThemeToggle} theme=${theme} setTheme=${setTheme} />
      </span>
    </header>
    <main id="main" tabindex="-1">
      ${Page ? html`<${Page} key=${current.id} api=${api} session=${session} route=${route} navigate=${navigate} />` : html`<p>No pages.</p>`}
    </main>
  `;
}

/** One Api per token, so effects that depend on it run again after signing in or out. */
const apis = new Map();
function apiFor(token, signOut) {
  let api = apis.get(token);
  if (!api) {
    apis.clear();
    api = new Api(token, () => token && signOut());
    apis.set(token, api);
  }
  return api;
}

render(html`<${App} />`, document.getElementById('app'));
