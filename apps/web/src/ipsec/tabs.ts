// The IPsec window's tabs in WinBox order, each with its URL slug and its config menu or live view.
import { getView, type MenuName, type ViewDef } from '@ipsec/schema';
import { configMenu, type ConfigMenuDef } from '../api/config.ts';

export type IpsecTab = { slug: string; title: string } & (
  { menu: ConfigMenuDef; view?: undefined } | { view: ViewDef; menu?: undefined }
);

const m = (slug: string, name: MenuName): IpsecTab => {
  const menu = configMenu(name);
  return { slug, title: menu.title, menu };
};
const v = (slug: string, name: string): IpsecTab => {
  const view = getView(name)!;
  return { slug, title: view.title, view };
};

export const IPSEC_TABS: IpsecTab[] = [
  m('policies', 'policy'),
  m('proposals', 'proposal'),
  m('groups', 'policy-group'),
  m('peers', 'peer'),
  m('identities', 'identity'),
  m('profiles', 'profile'),
  v('active-peers', 'active-peers'),
  m('mode-configs', 'mode-config'),
  v('installed-sas', 'installed-sa'),
  m('keys', 'key'),
  m('users', 'user'),
  v('statistics', 'statistics'),
];

export const tabBySlug = (slug: string | undefined) => IPSEC_TABS.find((t) => t.slug === slug);
