// The logged-in desktop: top bar, reconnect banner, left menu tree, and the routed window.
import { useEffect, useRef, useState } from 'react';
import { Alert, Box, Paper } from '@mui/material';
import { useQueryClient } from '@tanstack/react-query';
import { menuKey, startConfigSync } from '../api/config.ts';
import { useConnectionState } from '../api/trpc.ts';
import { IpsecWindow } from '../ipsec/IpsecWindow.tsx';
import { LogWindow } from '../log/LogWindow.tsx';
import { UsersWindow } from '../system/UsersWindow.tsx';
import { CertificatesWindow } from '../system/CertificatesWindow.tsx';
import { ScriptWindow } from '../system/ScriptWindow.tsx';
import { TerminalWindow } from '../system/TerminalWindow.tsx';
import { WizardWindow, WIZARD_MODES } from '../wizard/WizardWindow.tsx';
import { MenuTree } from './MenuTree.tsx';
import { MenuWindow } from './MenuWindow.tsx';
import { navigate, useRoute } from './route.ts';
import { deviceName, useSession } from './session.ts';
import { TopBar } from './TopBar.tsx';

export function Desktop({
  mode,
  onToggleMode,
  onLogout,
}: {
  mode: 'light' | 'dark';
  onToggleMode: () => void;
  onLogout: () => void;
}) {
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
        <Box sx={{ flex: 1, minWidth: 0, p: 1 }}>{body}</Box>
      </Box>
    </Box>
  );
}
