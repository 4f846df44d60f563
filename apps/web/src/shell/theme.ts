// Dense, tidy light/dark themes in the spirit of WinBox.
import { createTheme } from '@mui/material';

export const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

export function makeTheme(mode: 'light' | 'dark') {
  return createTheme({
    palette: {
      mode,
      primary: { main: mode === 'light' ? '#2c5d8f' : '#5b9bd5' },
      background: mode === 'light' ? { default: '#e9ecef', paper: '#ffffff' } : { default: '#121417', paper: '#1c1f23' },
    },
    typography: { fontSize: 13, fontFamily: FONT_FAMILY },
    shape: { borderRadius: 3 },
    components: {
      MuiButton: { defaultProps: { disableElevation: true }, styleOverrides: { root: { textTransform: 'none' } } },
      MuiTab: { styleOverrides: { root: { textTransform: 'none' } } },
      MuiInputBase: { styleOverrides: { input: { fontSize: 13 } } },
      MuiOutlinedInput: { styleOverrides: { input: { paddingTop: 5, paddingBottom: 5 } } },
      MuiSelect: { styleOverrides: { select: { paddingTop: 5, paddingBottom: 5, minHeight: 0 } } },
      MuiTooltip: { defaultProps: { disableInteractive: true } },
    },
  });
}
