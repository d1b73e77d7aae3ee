// The tenant of personal Microsoft accounts. `TOLLGATE_TENANTS=*` means "any organisation":
// personal accounts are a different population, accepted only when this id is listed.

export const CONSUMER_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";
