// The logged-in desktop: top bar, reconnect banner, left menu tree, and the routed window.
import { Suspense, lazy, useEffect, useRef, useState } from 'react';
import { Alert, Box, CircularProgress, Paper } from '@mui/material';
import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { currentSession, type SessionUser } from '../api/session.ts';
import { menuKey, startConfigSync } from '../api/config.ts';
import { connect, disconnect, useConnectionState } from '../api/trpc.ts';
import { WIZARD_MODES } from '../wizard/modes.ts';
import { MenuTree } from './MenuTree.tsx';
import { navigate, useRoute } from './route.ts';
import { deviceName, useSession } from './session.ts';
import { TopBar } from './TopBar.tsx';

// Each window is its own chunk, loaded when first opened: the login page and the desktop's frame come first.
const IpsecWindow = lazy(() => import('../ipsec/IpsecWindow.tsx').then((m) => ({ default: m.IpsecWindow })));
const LogWindow = lazy(() => import('../log/LogWindow.tsx').then((m) => ({ default: m.LogWindow })));
const UsersWindow = lazy(() => import('../system/UsersWindow.tsx').then((m) => ({ default: m.UsersWindow })));
const CertificatesWindow = lazy(() =>
  import('../system/CertificatesWindow.tsx').then((m) => ({ default: m.CertificatesWindow })),
);
const WizardWindow = lazy(() => import('../wizard/WizardWindow.tsx').then((m) => ({ default: m.WizardWindow })));
const ScriptWindow = lazy(() => import('../system/ScriptWindow.tsx').then((m) => ({ default: m.ScriptWindow })));
const TerminalWindow = lazy(() => import('../system/TerminalWindow.tsx').then((m) => ({ default: m.TerminalWindow })));
const MenuWindow = lazy(() => import('./MenuWindow.tsx').then((m) => ({ default: m.MenuWindow })));

type DesktopProps = { mode: 'light' | 'dark'; onToggleMode: () => void; onLogout: () => void };

/** The desktop over its own tRPC socket and query cache, both made per login and dropped at logout. */
export function ConnectedDesktop({
  user,
  onSessionEnded,
  ...props
}: DesktopProps & { user: SessionUser; onSessionEnded: () => void }) {
  const [qc, setQc] = useState<QueryClient>();
  useEffect(() => {
    connect(() => {
      // The socket is refused without a valid session: if it expired, go back to the login page.
      void currentSession().then((s) => {
        if (!s.ok && s.error.status === 401) onSessionEnded();
      });
    });
    setQc(new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } } }));
    return () => disconnect();
    // one socket per logged-in user; onSessionEnded is the App's and does not change what the socket is for
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [user]);
  if (!qc) return null;
  return (
    <QueryClientProvider client={qc}>
      <Desktop {...props} />
    </QueryClientProvider>
  );
}

function Desktop({ mode, onToggleMode, onLogout }: DesktopProps) {
  const route = useRoute();
  const { user, isFull, canWrite } = useSession();
  const conn = useConnectionState();
  const qc = useQueryClient();
  const [lastChange, setLastChange] = useState('');

  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    startConfigSync(qc, (ev) => setLastChange(`rev ${ev.rev} · ${ev.user}: ${ev.summary}`))
      .then((s) => (cancelled ? s() : (stop = s)))
      .catch((e) => console.error(e));
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [qc]);

  // Back from a lost connection: the revision stream resumes by itself, but dynamic policies (made
  // and dropped by the IKE engine, not stored) may have changed meanwhile: print them again.
  const wasDown = useRef(false);
  useEffect(() => {
    if (conn === 'reconnecting') wasDown.current = true;
    else if (conn === 'connected' && wasDown.current) {
      wasDown.current = false;
      void qc.invalidateQueries({ queryKey: menuKey('policy') });
    }
  }, [conn, qc]);

  useEffect(() => {
    const before = document.title;
    document.title = `${user.name}@${deviceName(user)} - IPsec WinBox`;
    return () => {
      document.title = before;
    };
  }, [user]);

  useEffect(() => {
    if (route.length === 0) navigate('/ip/ipsec/policies', true);
  }, [route.length]);

  let body: React.ReactNode;
  if (route[0] === 'ip' && route[1] === 'ipsec') body = <IpsecWindow route={route.slice(2)} />;
  else if (route[0] === 'ip' && route[1] === 'pool')
    body = <MenuWindow menuName="pool" base="/ip/pool" route={route.slice(2)} />;
  else if (route[0] === 'system' && route[1] === 'certificates') body = <CertificatesWindow route={route.slice(2)} />;
  else if (route[0] === 'system' && route[1] === 'script') body = <ScriptWindow />;
  else if (route[0] === 'system' && route[1] === 'terminal') body = <TerminalWindow />;
  else if (route[0] === 'system' && route[1] === 'users')
    body = isFull ? <UsersWindow /> : <Alert severity="info">System &gt; Users needs group full.</Alert>;
  else if (route[0] === 'wizard' && WIZARD_MODES.some((m) => m.slug === route[1]))
    body = <WizardWindow key={route[1]} mode={route[1]!} route={route.slice(2)} />;
  else if (route[0] === 'log') body = <LogWindow />;
  else body = <Alert severity="warning">No such window: #{'/' + route.join('/')}</Alert>;

  return (
    <Box sx={{ height: '100vh', display: 'flex', flexDirection: 'column' }}>
      <TopBar mode={mode} onToggleMode={onToggleMode} onLogout={onLogout} lastChange={lastChange} />
      {conn === 'reconnecting' ? (
        <Alert severity="warning" variant="filled" sx={{ borderRadius: 0, py: 0 }}>
          Connection to the router lost — reconnecting… Changes made meanwhile will appear when the connection is back.
        </Alert>
      ) : null}
      <Box sx={{ flex: 1, display: 'flex', minHeight: 0 }}>
        <Paper
          square
          elevation={0}
          sx={{ width: 150, flexShrink: 0, borderRight: 1, borderColor: 'divider', overflow: 'auto' }}
        >
          <MenuTree route={route} isFull={isFull} canWrite={canWrite} />
        </Paper>
        <Box sx={{ flex: 1, minWidth: 0, p: 1 }}>
          <Suspense fallback={<CircularProgress size={24} sx={{ m: 2 }} />}>{body}</Suspense>
        </Box>
      </Box>
    </Box>
  );
}
