// Type declarations for the two untyped packages MS-CHAPv2 needs (only what auth/mschapv2.ts calls).

declare module 'js-md4' {
  interface Md4 {
    /** Pure JavaScript MD4 (the package's default export call uses node:crypto's md4, absent in OpenSSL 3). */
    arrayBuffer(message: Uint8Array | ArrayBuffer | string): ArrayBuffer;
  }
  const md4: Md4;
  export default md4;
}

declare module 'des.js' {
  interface DesCipher {
    update(data: number[]): number[];
    final(): number[];
  }
  const des: { DES: { create(options: { type: 'encrypt' | 'decrypt'; key: number[]; padding?: boolean }): DesCipher } };
  export default des;
}
