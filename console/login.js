// The sign-in page when auth is on: etcd's Authenticate through the gateway; the token is kept for
// this browser tab only (sessionStorage).
import { html, useState } from './lib/html.js';

export function LoginPage({ api, onSignIn, theme, setTheme }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api.gateway('auth/authenticate', { name, password });
      onSignIn(answer.token);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <main class="centered" id="main">
      <form class="card login" onSubmit=${submit} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Lodestone</h1>
        <p class="muted">Auth is enabled on this cluster: sign in as one of its users.</p>
        <label for="login-name">User</label>
        <input id="login-name" name="username" autocomplete="username" required value=${name} onInput=${(e) => setName(e.currentTarget.value)} />
        <label for="login-password">Password</label>
        <input id="login-password" name="password" type="password" autocomplete="current-password" value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} />
        ${error ? html`<p role="alert" class="error">${error}</p>` : null}
        <div class="row">
          <button type="submit" disabled=${busy}>Sign in</button>
          <button type="button" class="ghost" onClick=${() => setTheme(theme === 'dark' ? 'light' : 'dark')}>${theme === 'dark' ? 'Light theme' : 'Dark theme'}</button>
        </div>
      </form>
    </main>
  `;
}
