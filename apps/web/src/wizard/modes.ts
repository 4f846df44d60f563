// The wizards, by URL slug: the desktop routes to them before their window's code is loaded.
export const WIZARD_MODES = [
  { slug: 'road-warrior', title: 'Road Warrior Wizard' },
  { slug: 'site-to-site', title: 'Site to Site Wizard' },
] as const;
