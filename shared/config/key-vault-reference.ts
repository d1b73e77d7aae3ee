// An app setting that still reads `@Microsoft.KeyVault(...)` is a Key Vault reference the platform
// could not resolve (no access for the app's identity, a missing secret, a closed network). It must
// never be taken as the value: the reference text names the vault and secret, which are no secret,
// so a gateway key that "is" the reference would let anyone through the bypass defence.

const REFERENCE = /^\s*@Microsoft\.KeyVault\(/i;

export function isKeyVaultReference(value: string | undefined): boolean {
  return value !== undefined && REFERENCE.test(value);
}

/** One message per setting that holds an unresolved reference (the reference is not echoed). */
export function unresolvedKeyVaultReferences(input: Record<string, string | undefined>): string[] {
  return Object.entries(input)
    .filter(([, value]) => isKeyVaultReference(value))
    .map(
      ([name]) =>
        `${name} still holds a Key Vault reference (@Microsoft.KeyVault(...)): the platform could not resolve it. Give the app's identity Key Vault Secrets User on the vault, check that the secret exists and that the vault is reachable; the portal's Environment variables page shows the reference's status.`,
    );
}
