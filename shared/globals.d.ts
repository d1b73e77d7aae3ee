// Node 22 has WebCrypto's CryptoKey as a global, but @types/node only declares it inside
// `node:crypto`. jose's types name the global, so declare it once here.
import type { webcrypto } from "node:crypto";

declare global {
  type CryptoKey = webcrypto.CryptoKey;
}
