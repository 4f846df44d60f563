// Dense, tidy light/dark themes in the spirit of WinBox.
import { createTheme } from '@mui/material';

export const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** Users who ask the system for less motion get no transitions (dialogs, menus, tabs, ripples). */
const reducedMotion = () => typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;

export function makeTheme(mode: 'light' | 'dark') {
  const still = reducedMotion();
  return createTheme({
    ...(still
      ? {
          transitions: {
            create: () => 'none',
            duration: {
              shortest: 0,
              shorter: 0,
              short: 0,
              standard: 0,
              complex: 0,
              enteringScreen: 0,
              leavingScreen: 0,
            },
          },
        }
      : {}),
    palette: {
      mode,
      primary: { main: mode === 'light' ? '#2c5d8f' : '#5b9bd5' },
      background:
        mode === 'light' ? { default: '#e9ecef', paper: '#ffffff' } : { default: '#121417', paper: '#1c1f23' },
    },
    typography: { fontSize: 13, fontFamily: FONT_FAMILY },
    shape: { borderRadius: 3 },
    components: {
      ...(still ? { MuiButtonBase: { defaultProps: { disableRipple: true } } } : {}),
      MuiButton: { defaultProps: { disableElevation: true }, styleOverrides: { root: { textTransform: 'none' } } },
      MuiTab: { styleOverrides: { root: { textTransform: 'none' } } },
      MuiInputBase: { styleOverrides: { input: { fontSize: 13 } } },
      MuiOutlinedInput: { styleOverrides: { input: { paddingTop: 5, paddingBottom: 5 } } },
      MuiSelect: { styleOverrides: { select: { paddingTop: 5, paddingBottom: 5, minHeight: 0 } } },
      MuiTooltip: { defaultProps: { disableInteractive: true } },
    },
  });
}
