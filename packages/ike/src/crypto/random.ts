/** Injected randomness: returns n random bytes. The engine never calls crypto.randomBytes itself. */
export type RandomSource = (n: number) => Uint8Array;
