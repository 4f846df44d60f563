// IP > IPsec: WinBox tabs (Policies ... Statistics) and a Settings button; the entry dialog
// and the settings dialog are routes too (#/ip/ipsec/peers/3, #/ip/ipsec/peers/new, #/ip/ipsec/settings).
import { useRef } from 'react';
import { Box, Button, Tab, Tabs } from '@mui/material';
import SettingsIcon from '@mui/icons-material/Settings';
import { configMenu } from '../api/config.ts';
import { navigate } from '../shell/route.ts';
import { Window } from '../shell/Window.tsx';
import { ConfigTable } from './ConfigTable.tsx';
import { EntryDialog, RoutedEntryDialog } from './EntryDialog.tsx';
import { LiveTable, StatisticsView } from './LiveViews.tsx';
import { IPSEC_TABS, tabBySlug } from './tabs.ts';

const BASE = '/ip/ipsec';

export function IpsecWindow({ route }: { route: string[] }) {
  const lastTab = useRef('policies');
  const settingsOpen = route[0] === 'settings';
  const tab = tabBySlug(route[0]) ?? tabBySlug(lastTab.current)!;
  lastTab.current = tab.slug;
  const tabPath = `${BASE}/${tab.slug}`;
  const settings = configMenu('settings');

  return (
    <Window title="IPsec">
      <Box sx={{ display: 'flex', alignItems: 'center', borderBottom: 1, borderColor: 'divider', pr: 1 }}>
        <Tabs
          value={tab.slug}
          onChange={(_e, v: string) => navigate(`${BASE}/${v}`)}
          variant="scrollable"
          scrollButtons="auto"
          sx={{
            flex: 1,
            minHeight: 30,
            '& .MuiTab-root': { minHeight: 30, minWidth: 0, px: 1.25, py: 0, fontSize: 13, textTransform: 'none' },
          }}
        >
          {IPSEC_TABS.map((t) => (
            <Tab
              key={t.slug}
              value={t.slug}
              label={t.title}
              href={`#${BASE}/${t.slug}`}
              onClick={(e) => e.preventDefault()}
            />
          ))}
        </Tabs>
        <Button
          size="small"
          variant="outlined"
          startIcon={<SettingsIcon fontSize="small" />}
          sx={{ py: 0, textTransform: 'none' }}
          onClick={() => navigate(`${BASE}/settings`)}
        >
          Settings
        </Button>
      </Box>
      <Box sx={{ flex: 1, minHeight: 0 }}>
        {tab.menu ? (
          <ConfigTable key={tab.slug} menu={tab.menu} basePath={tabPath} />
        ) : tab.view.single ? (
          <StatisticsView view={tab.view} />
        ) : (
          <LiveTable key={tab.slug} view={tab.view} />
        )}
      </Box>
      {tab.menu && !settingsOpen ? <RoutedEntryDialog menu={tab.menu} base={tabPath} item={route[1]} /> : null}
      {settingsOpen ? (
        <EntryDialog
          menu={settings}
          mode={{ kind: 'edit', id: 0 }}
          onClose={() => navigate(tabPath)}
          onCreated={() => {}}
          onCopy={() => {}}
        />
      ) : null}
    </Window>
  );
}
