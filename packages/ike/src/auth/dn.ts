// Distinguished names as names (RFC 5280 7.1, RFC 4518): two DNs are the same when they have the same RDNs in the
// same order, each RDN the same set of attribute types, and each value the same string after normalisation (any
// string type: UTF8String, PrintableString, IA5String, BMPString..., case folded, Unicode NFKC, inner whitespace
// folded to one space, outer trimmed). Byte comparison is not enough: openssl writes UTF8String, charon encodes the
// ID it sends from its config text as PrintableString, and both mean the same name.

import { tlv } from './der.ts';

/** One attribute of an RDN: its OID and its value (strings decoded, anything else as hex). */
export interface DnAttribute {
  oid: string;
  value: string;
  /** Not a string type: compared byte for byte (hex). */
  binary?: boolean;
}
export type Dn = DnAttribute[][];

/** Short names (as strongSwan and openssl print them) and their OIDs. */
const NAME_OF_OID: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '1.2.840.113549.1.9.1': 'E',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
};
const OID_OF_NAME: Record<string, string> = {
  ...Object.fromEntries(Object.entries(NAME_OF_OID).map(([oid, n]) => [n.toLowerCase(), oid])),
  emailaddress: '1.2.840.113549.1.9.1',
  email: '1.2.840.113549.1.9.1',
  commonname: '2.5.4.3',
  surname: '2.5.4.4',
  givenname: '2.5.4.42',
  s: '2.5.4.8',
  st: '2.5.4.8',
  organizationname: '2.5.4.10',
  organizationalunitname: '2.5.4.11',
  countryname: '2.5.4.6',
  localityname: '2.5.4.7',
  stateorprovincename: '2.5.4.8',
  userid: '0.9.2342.19200300.100.1.1',
};

/** ASN.1 string tags whose value is text. */
const STRING_TAGS = new Set([0x0c, 0x12, 0x13, 0x14, 0x16, 0x1a, 0x1c, 0x1e]);

function oidText(b: Uint8Array): string {
  const parts: number[] = [];
  let v = 0;
  for (const byte of b) {
    v = v * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (!parts.length) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

function decodeString(tag: number, b: Uint8Array): string {
  if (tag === 0x1e) return Buffer.from(b).swap16().toString('utf16le'); // BMPString is big-endian UCS-2
  if (tag === 0x1c) {
    let s = ''; // UniversalString: big-endian UCS-4
    for (let i = 0; i + 3 < b.length; i += 4)
      s += String.fromCodePoint(((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0);
    return s;
  }
  if (tag === 0x14) return Buffer.from(b).toString('latin1'); // T61String, as most implementations read it
  return Buffer.from(b).toString('utf8');
}

/** A DER Name as RDNs; undefined if it does not parse. */
export function parseDnDer(der: Uint8Array): Dn | undefined {
  try {
    const name = tlv(der, 0);
    if (name.tag !== 0x30 || name.end !== der.length) return undefined;
    const rdns: Dn = [];
    for (let off = name.start; off < name.end;) {
      const set = tlv(der, off);
      if (set.tag !== 0x31) return undefined;
      const rdn: DnAttribute[] = [];
      for (let o = set.start; o < set.end;) {
        const atv = tlv(der, o);
        const oid = tlv(der, atv.start);
        const val = tlv(der, oid.end);
        if (oid.tag !== 0x06) return undefined;
        const bytes = der.subarray(val.start, val.end);
        rdn.push(
          STRING_TAGS.has(val.tag)
            ? { oid: oidText(der.subarray(oid.start, oid.end)), value: decodeString(val.tag, bytes) }
            : {
                oid: oidText(der.subarray(oid.start, oid.end)),
                value: Buffer.from(bytes).toString('hex'),
                binary: true,
              },
        );
        o = atv.end;
      }
      rdns.push(rdn);
      off = set.end;
    }
    return rdns;
  } catch {
    return undefined;
  }
}

/**
 * A DN as an admin writes it ("C=CH, O=ipsec test, CN=host"; RDNs separated by "," or ";", "+" joins the attributes
 * of one RDN, "\" escapes the next character; types by short name, long name or dotted OID). Undefined when an
 * attribute type is unknown or a part has no "=".
 */
export function parseDnText(text: string): Dn | undefined {
  const rdns: Dn = [];
  let rdn: DnAttribute[] = [];
  let part = '';
  const endAttribute = (): boolean => {
    const eq = part.indexOf('=');
    if (eq < 0) return false;
    const type = part.slice(0, eq).trim();
    const oid = /^\d+(\.\d+)+$/.test(type) ? type : OID_OF_NAME[type.toLowerCase()];
    if (!oid) return false;
    rdn.push({ oid, value: part.slice(eq + 1) });
    part = '';
    return true;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) part += text[++i];
    else if (ch === '+') {
      if (!endAttribute()) return undefined;
    } else if (ch === ',' || ch === ';') {
      if (!endAttribute()) return undefined;
      rdns.push(rdn);
      rdn = [];
    } else part += ch;
  }
  if (!endAttribute()) return undefined;
  rdns.push(rdn);
  return rdns;
}

/** RFC 4518 string preparation, as far as names in certificates need it. */
function prepared(a: DnAttribute): string {
  if (a.binary) return `#${a.value}`;
  return a.value.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

function rdnKey(rdn: DnAttribute[]): string {
  return rdn
    .map((a) => `${a.oid}=${prepared(a)}`)
    .sort()
    .join('+');
}

/** The same name (RFC 5280 7.1): RDNs in order, attribute sets within an RDN, values compared as prepared strings. */
export function sameDn(a: Dn, b: Dn): boolean {
  return a.length === b.length && a.every((rdn, i) => rdnKey(rdn) === rdnKey(b[i]!));
}

/** A DN as text, "C=CH, O=ipsec test, CN=host" (strongSwan's order and short names). */
export function formatDnText(dn: Dn): string {
  return dn
    .map((rdn) => rdn.map((a) => `${NAME_OF_OID[a.oid] ?? a.oid}=${a.binary ? `#${a.value}` : a.value}`).join('+'))
    .join(', ');
}
