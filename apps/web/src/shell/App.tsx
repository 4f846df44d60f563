// Session gate: login page or the desktop with a connected tRPC socket.
import { useEffect, useMemo, useState } from 'react';
import { CssBaseline, ThemeProvider, Box, CircularProgress } from '@mui/material';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { currentSession, logout, type SessionUser } from '../api/session.ts';
import { connect, disconnect } from '../api/trpc.ts';
import { DialogsProvider } from './dialogs.tsx';
import { Desktop } from './Desktop.tsx';
import { Login } from './Login.tsx';
import { SessionContext } from './session.ts';
import { makeTheme } from './theme.ts';

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
  const [session, setSession] = useState<{ qc: QueryClient; user: SessionUser } | null>(null);

  useEffect(() => {
    void currentSession().then((s) => setUser(s.ok ? s.value : null));
  }, []);

  useEffect(() => {
    if (!user) {
      setSession(null);
      return;
    }
    connect(() => {
      // The socket is refused without a valid session: if it expired, go back to the login page.
      void currentSession().then((s) => {
        if (!s.ok && s.error.status === 401) {
          setNotice('Your session has ended; please log in again.');
          setUser(null);
        }
      });
    });
    setSession({
      qc: new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } } }),
      user,
    });
    return () => disconnect();
  }, [user]);

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
          <Box sx={{ height: '100vh', display: 'grid', placeItems: 'center' }}>
            <CircularProgress size={28} />
          </Box>
        ) : !user || !session ? (
          <Login
            notice={notice}
            onLogin={(u) => {
              setNotice(undefined);
              setUser(u);
            }}
          />
        ) : (
          <SessionContext.Provider value={session.user}>
            <QueryClientProvider client={session.qc}>
              <Desktop
                mode={mode}
                onToggleMode={toggle}
                onLogout={async () => {
                  await logout();
                  setUser(null);
                }}
              />
            </QueryClientProvider>
          </SessionContext.Provider>
        )}
      </DialogsProvider>
    </ThemeProvider>
  );
}
