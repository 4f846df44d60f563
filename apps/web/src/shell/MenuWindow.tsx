// A window for one plain config menu (IP > Pool): the schema's generic table and entry dialog,
// with routes for the dialog (#/ip/pool/new, .../copy-3, .../3). Menus with commands of their
// own (IPsec, Certificates) have their own windows.
import { Box } from '@mui/material';
import { getMenu } from '@ipsec/schema';
import { ConfigTable } from '../ipsec/ConfigTable.tsx';
import { EntryDialog, dialogModeOf } from '../ipsec/EntryDialog.tsx';
import { navigate } from './route.ts';
import { Window } from './Window.tsx';

export function MenuWindow({ menuName, base, route }: { menuName: string; base: string; route: string[] }) {
  const menu = getMenu(menuName)!;
  const mode = dialogModeOf(route[0]);
  return (
    <Window title={menu.title}>
      <Box sx={{ flex: 1, minHeight: 0 }}>
        <ConfigTable menu={menu} basePath={base} />
      </Box>
      {mode ? (
        <EntryDialog
          key={route[0]}
          menu={menu}
          mode={mode}
          onClose={() => navigate(base)}
          onCreated={(id) => navigate(`${base}/${id}`, true)}
          onCopy={(id) => navigate(`${base}/copy-${id}`)}
        />
      ) : null}
    </Window>
  );
}
