// Login: device name, user and password, clear errors (wrong password, too many attempts).
import { useState } from 'react';
import { Alert, Box, Button, Paper, TextField, Typography } from '@mui/material';
import { LoginError, login, type SessionUser } from '../api/session.ts';

export function Login({ onLogin, notice }: { onLogin: (u: SessionUser) => void; notice?: string }) {
  const [name, setName] = useState('admin');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await login(name, password));
    } catch (err) {
      if (err instanceof LoginError && err.status === 429)
        setError(`Too many failed logins. ${err.retryAfter ? `Try again in ${err.retryAfter} s.` : err.message}`);
      else if (err instanceof LoginError && err.status === 401) setError('Wrong user name or password.');
      else setError(`Cannot log in: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
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
