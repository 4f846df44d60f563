// Session gate: login page or the desktop with a connected tRPC socket.
import { Suspense, lazy, useEffect, useMemo, useState } from 'react';
import { CssBaseline, ThemeProvider, Box, CircularProgress } from '@mui/material';
import { currentSession, logout, type SessionUser } from '../api/session.ts';
import { DialogsProvider } from './dialogs.tsx';
import { Login } from './Login.tsx';
import { SessionContext } from './session.ts';
import { makeTheme } from './theme.ts';

// The desktop (the tRPC socket, menus, windows, live views) loads after the login page has shown: the page a
// browser gets first carries neither the schema nor the tRPC client.
const ConnectedDesktop = lazy(() => import('./Desktop.tsx').then((m) => ({ default: m.ConnectedDesktop })));

type Mode = 'light' | 'dark';
const initialMode = (): Mode =>
  localStorage.getItem('theme') === 'dark'
    ? 'dark'
    : localStorage.getItem('theme') === 'light'
      ? 'light'
      : matchMedia('(prefers-color-scheme: dark)').matches
        ? 'dark'
        : 'light';

export function App() {
  const [mode, setMode] = useState<Mode>(initialMode);
  const theme = useMemo(() => makeTheme(mode), [mode]);
  const [user, setUser] = useState<SessionUser | null | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>();

  useEffect(() => {
    void currentSession().then((s) => setUser(s.ok ? s.value : null));
  }, []);

  const toggle = () => {
    const next = mode === 'light' ? 'dark' : 'light';
    localStorage.setItem('theme', next);
    setMode(next);
  };

  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <DialogsProvider>
        {user === undefined ? (
          <Spinner />
        ) : !user ? (
          <Login
            notice={notice}
            onLogin={(u) => {
              setNotice(undefined);
              setUser(u);
            }}
          />
        ) : (
          <SessionContext.Provider value={user}>
            <Suspense fallback={<Spinner />}>
              <ConnectedDesktop
                user={user}
                onSessionEnded={() => {
                  setNotice('Your session has ended; please log in again.');
                  setUser(null);
                }}
                mode={mode}
                onToggleMode={toggle}
                onLogout={async () => {
                  await logout();
                  setUser(null);
                }}
              />
            </Suspense>
          </SessionContext.Provider>
        )}
      </DialogsProvider>
    </ThemeProvider>
  );
}

function Spinner() {
  return (
    <Box sx={{ height: '100vh', display: 'grid', placeItems: 'center' }}>
      <CircularProgress size={28} />
    </Box>
  );
}
