// The left menu: IP > IPsec and Pool, Wizards (for writers), System > Certificates, Script, Terminal and Users, Log.
import { List, ListItemButton, ListItemIcon, ListItemText, ListSubheader } from '@mui/material';
import LockIcon from '@mui/icons-material/Lock';
import PeopleIcon from '@mui/icons-material/People';
import CertIcon from '@mui/icons-material/WorkspacePremium';
import NotesIcon from '@mui/icons-material/Notes';
import PoolIcon from '@mui/icons-material/Lan';
import WizardIcon from '@mui/icons-material/AutoFixHigh';
import SiteIcon from '@mui/icons-material/SettingsEthernet';
import ScriptIcon from '@mui/icons-material/Description';
import TerminalIcon from '@mui/icons-material/Terminal';
import { navigate } from './route.ts';

interface Item {
  label: string;
  path: string;
  match: string;
  icon: React.ReactNode;
  fullOnly?: boolean;
  /** Shown to groups write and full only (it makes changes and nothing else). */
  writeOnly?: boolean;
}

const SECTIONS: { title: string; items: Item[] }[] = [
  {
    title: 'IP',
    items: [
      { label: 'IPsec', path: '/ip/ipsec/policies', match: 'ip/ipsec', icon: <LockIcon fontSize="small" /> },
      { label: 'Pool', path: '/ip/pool', match: 'ip/pool', icon: <PoolIcon fontSize="small" /> },
    ],
  },
  {
    title: 'Wizards',
    items: [
      {
        label: 'Road Warrior',
        path: '/wizard/road-warrior',
        match: 'wizard/road-warrior',
        icon: <WizardIcon fontSize="small" />,
        writeOnly: true,
      },
      {
        label: 'Site to Site',
        path: '/wizard/site-to-site',
        match: 'wizard/site-to-site',
        icon: <SiteIcon fontSize="small" />,
        writeOnly: true,
      },
    ],
  },
  {
    title: 'System',
    items: [
      {
        label: 'Certificates',
        path: '/system/certificates',
        match: 'system/certificates',
        icon: <CertIcon fontSize="small" />,
      },
      {
        label: 'Script',
        path: '/system/script',
        match: 'system/script',
        icon: <ScriptIcon fontSize="small" />,
      },
      {
        label: 'Terminal',
        path: '/system/terminal',
        match: 'system/terminal',
        icon: <TerminalIcon fontSize="small" />,
      },
      {
        label: 'Users',
        path: '/system/users',
        match: 'system/users',
        icon: <PeopleIcon fontSize="small" />,
        fullOnly: true,
      },
    ],
  },
  { title: '', items: [{ label: 'Log', path: '/log', match: 'log', icon: <NotesIcon fontSize="small" /> }] },
];

export function MenuTree({ route, isFull, canWrite }: { route: string[]; isFull: boolean; canWrite: boolean }) {
  const here = route.join('/');
  const shown = (i: Item) => (!i.fullOnly || isFull) && (!i.writeOnly || canWrite);
  return (
    <List dense component="nav" aria-label="Menu" sx={{ py: 0 }}>
      {SECTIONS.filter((s) => s.items.some(shown)).map((s) => (
        <li key={s.title || 'root'}>
          <ul style={{ padding: 0 }}>
            {s.title ? (
              <ListSubheader sx={{ lineHeight: '26px', fontSize: 12, fontWeight: 700, bgcolor: 'transparent' }}>
                {s.title}
              </ListSubheader>
            ) : null}
            {s.items.filter(shown).map((i) => (
              <ListItemButton
                key={i.path}
                selected={here.startsWith(i.match)}
                onClick={() => navigate(i.path)}
                sx={{ py: 0.25, pl: s.title ? 3 : 2, pr: 1 }}
                component="a"
                href={`#${i.path}`}
              >
                <ListItemIcon sx={{ minWidth: 28 }}>{i.icon}</ListItemIcon>
                <ListItemText primary={i.label} slotProps={{ primary: { sx: { fontSize: 13 } } }} />
              </ListItemButton>
            ))}
          </ul>
        </li>
      ))}
    </List>
  );
}
