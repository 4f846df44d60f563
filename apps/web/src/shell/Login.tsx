// Login: device name, user and password, clear errors (wrong password, too many attempts).
import { useState } from 'react';
import { Alert, Box, Button, Paper, TextField, Typography } from '@mui/material';
import type { RestFailure } from '../api/rest.ts';
import { login, type SessionUser } from '../api/session.ts';

/** Why the login failed, in words the user can act on. */
export function loginFailureText(f: RestFailure): string {
  if (f.status === 429)
    return `Too many failed logins. ${f.retryAfter ? `Try again in ${f.retryAfter} s.` : f.message}`;
  if (f.status === 401) return 'Wrong user name or password.';
  return `Cannot log in: ${f.message}`;
}

export function Login({ onLogin, notice }: { onLogin: (u: SessionUser) => void; notice?: string }) {
  const [name, setName] = useState('admin');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const answer = await login(name, password);
    if (answer.ok) onLogin(answer.value);
    else setError(loginFailureText(answer.error));
    setBusy(false);
  };

  return (
    <Box sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center', bgcolor: 'background.default' }}>
      <Paper
        variant="outlined"
        component="form"
        onSubmit={submit}
        sx={{ width: 340, p: 3, display: 'flex', flexDirection: 'column', gap: 1.5 }}
      >
        <Box>
          <Typography variant="h6" sx={{ fontSize: 18 }}>
            IPsec WinBox
          </Typography>
          <Typography variant="body2" color="text.secondary">
            Connect to {location.host || 'the router'}
          </Typography>
        </Box>
        {notice ? (
          <Alert severity="info" sx={{ py: 0 }}>
            {notice}
          </Alert>
        ) : null}
        <TextField
          size="small"
          label="Login"
          autoComplete="username"
          value={name}
          onChange={(e) => setName(e.target.value)}
          autoFocus={!name}
        />
        <TextField
          size="small"
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoFocus={Boolean(name)}
        />
        {error ? (
          <Alert severity="error" sx={{ py: 0 }} role="alert">
            {error}
          </Alert>
        ) : null}
        <Button type="submit" variant="contained" disabled={busy || !name}>
          Connect
        </Button>
      </Paper>
    </Box>
  );
}
