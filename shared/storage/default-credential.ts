// DefaultAzureCredential (managed identity in Azure), loaded on its first token request:
// importing @azure/identity costs a few hundred milliseconds of every cold start, and only an
// app that signs in to storage, Graph or Application Insights with Entra ever needs it.

import type { GetTokenOptions, TokenCredential } from "@azure/identity";

/** A TokenCredential that imports @azure/identity and builds DefaultAzureCredential when first asked. */
export function lazyDefaultAzureCredential(): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions) {
      credential ??= import("@azure/identity").then(
        ({ DefaultAzureCredential }) => new DefaultAzureCredential(),
      );
      return (await credential).getToken(scopes, options);
    },
  };
}
