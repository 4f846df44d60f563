// Wizards > Site to Site (the manual's "Site to Site IPsec tunnel" with a pre-shared key).
import { Alert } from '@mui/material';
import { Window } from '../shell/Window.tsx';

export function SiteToSiteWizard({ route: _route }: { route: string[] }) {
  return (
    <Window title="Site to Site Wizard">
      <Alert severity="info" sx={{ m: 1 }}>Not yet available.</Alert>
    </Window>
  );
}
