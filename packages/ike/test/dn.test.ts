// Distinguished names compared as names (RFC 5280 7.1): string types, case and spacing do not matter; order and
// attribute types do.
import { describe, expect, it } from 'vitest';
import { parseDnDer, parseDnText, sameDn } from '../src/auth/dn.ts';

/** DER Name from [oid bytes, string tag, value] RDNs (short lengths only, enough for these names). */
function der(rdns: [number[], number, string][]): Uint8Array {
  const t = (tag: number, body: number[]) => [tag, body.length, ...body];
  const atvs = rdns.map(([oid, tag, v]) => t(0x31, t(0x30, [...t(0x06, oid), ...t(tag, [...Buffer.from(v, 'utf8')])])));
  return new Uint8Array(t(0x30, atvs.flat()));
}
const O = [0x55, 0x04, 0x0a];
const CN = [0x55, 0x04, 0x03];
const UTF8 = 0x0c;
const PRINTABLE = 0x13;

describe('DN comparison', () => {
  const utf8 = parseDnDer(
    der([
      [O, UTF8, 'x'],
      [CN, UTF8, 'b.example'],
    ]),
  )!;
  it('UTF8String and PrintableString encodings of one name are the same name', () => {
    const printable = parseDnDer(
      der([
        [O, PRINTABLE, 'x'],
        [CN, PRINTABLE, 'b.example'],
      ]),
    )!;
    expect(sameDn(utf8, printable)).toBe(true);
    expect(sameDn(utf8, parseDnText('O=x, CN=b.example')!)).toBe(true);
  });
  it('case and whitespace fold; type names are case-insensitive and have long forms', () => {
    expect(sameDn(utf8, parseDnText('o = X ,commonName=  B.Example ')!)).toBe(true);
    const spaced = parseDnDer(
      der([
        [O, UTF8, 'ipsec   test'],
        [CN, UTF8, 'host'],
      ]),
    )!;
    expect(sameDn(spaced, parseDnText('O=IPsec Test, CN=host')!)).toBe(true);
  });
  it('order, values and attribute types matter', () => {
    expect(sameDn(utf8, parseDnText('CN=b.example, O=x')!)).toBe(false);
    expect(sameDn(utf8, parseDnText('O=x, CN=c.example')!)).toBe(false);
    expect(sameDn(utf8, parseDnText('OU=x, CN=b.example')!)).toBe(false);
    expect(sameDn(utf8, parseDnText('CN=b.example')!)).toBe(false);
  });
  it('escaped separators, multi-valued RDNs, unknown types', () => {
    expect(parseDnText('O=a\\, b, CN=c')).toEqual([
      [{ oid: '2.5.4.10', value: 'a, b' }],
      [{ oid: '2.5.4.3', value: 'c' }],
    ]);
    expect(sameDn(parseDnText('CN=a+O=b')!, parseDnText('O=B + CN=A')!)).toBe(true);
    expect(parseDnText('XYZ=a')).toBeUndefined();
    expect(parseDnText('just text')).toBeUndefined();
    expect(parseDnDer(new Uint8Array([0x30, 0x05, 0x31]))).toBeUndefined();
  });
});
