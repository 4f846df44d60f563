// A window for one plain config menu (IP > Pool): the schema's generic table and entry dialog,
// with routes for the dialog (#/ip/pool/new, .../copy-3, .../3). Menus with commands of their
// own (IPsec, Certificates) have their own windows.
import { Box } from '@mui/material';
import type { MenuName } from '@ipsec/schema';
import { configMenu } from '../api/config.ts';
import { ConfigTable } from '../ipsec/ConfigTable.tsx';
import { RoutedEntryDialog } from '../ipsec/EntryDialog.tsx';
import { Window } from './Window.tsx';

export function MenuWindow({ menuName, base, route }: { menuName: MenuName; base: string; route: string[] }) {
  const menu = configMenu(menuName);
  return (
    <Window title={menu.title}>
      <Box sx={{ flex: 1, minHeight: 0 }}>
        <ConfigTable menu={menu} basePath={base} />
      </Box>
      <RoutedEntryDialog menu={menu} base={base} item={route[0]} />
    </Window>
  );
}
