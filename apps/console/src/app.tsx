import { useState, type FormEvent } from 'react';

interface Session {
  token: string;
  user: { username: string; role: string };
}

/**
 * Placeholder console: signs in against the admin API. Dashboard, sessions, rooms, scripts,
 * accounts and API keys pages come with the console issue.
 */
export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function login(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    const res = await fetch('/admin/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: form.get('username'), password: form.get('password') }),
    });
    const body = await res.json();
    if (!res.ok) return setError(body.message ?? 'Login failed');
    setSession(body);
  }

  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 420, margin: '4rem auto' }}>
      <h1>KaosNet Console</h1>
      {session ? (
        <p>
          Signed in as <strong>{session.user.username}</strong> ({session.user.role}).
        </p>
      ) : (
        <form onSubmit={login}>
          <label>
            Username <input name="username" autoComplete="username" required />
          </label>
          <br />
          <label>
            Password <input name="password" type="password" autoComplete="current-password" required />
          </label>
          <br />
          <button type="submit">Sign in</button>
          {error && <p role="alert">{error}</p>}
        </form>
      )}
    </main>
  );
}
