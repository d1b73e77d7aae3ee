// An onboarded tenant of a multi-tenant API: its state, and the table row that holds it.

import { guid } from "../config/parsers.js";

export type TenantState = "active" | "suspended";

export interface TenantRecord {
  tenantId: string;
  state: TenantState;
  /** Why it was added or suspended, in the operator's words. */
  note: string;
  /** ms since the epoch. */
  createdAt: number;
  updatedAt: number;
  updatedBy: string;
}

export const TENANT_PARTITION = "tenant";

export interface TenantEntity {
  partitionKey: string;
  rowKey: string;
  state: TenantState;
  note: string;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

export function toTenantEntity(record: TenantRecord): TenantEntity {
  return {
    partitionKey: TENANT_PARTITION,
    rowKey: record.tenantId,
    state: record.state,
    note: record.note,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    updatedBy: record.updatedBy,
  };
}

/** The record an entity holds, or undefined for a row this code did not write (skipped, not trusted). */
export function fromTenantEntity(entity: Readonly<Record<string, unknown>>): TenantRecord | undefined {
  const { partitionKey, rowKey, state } = entity;
  if (partitionKey !== TENANT_PARTITION || typeof rowKey !== "string" || !guid.test(rowKey)) return undefined;
  if (state !== "active" && state !== "suspended") return undefined;
  const createdAt = Date.parse(String(entity.createdAt));
  const updatedAt = Date.parse(String(entity.updatedAt));
  if (!Number.isFinite(createdAt) || !Number.isFinite(updatedAt)) return undefined;
  return {
    tenantId: rowKey.toLowerCase(),
    state,
    note: typeof entity.note === "string" ? entity.note : "",
    createdAt,
    updatedAt,
    updatedBy: typeof entity.updatedBy === "string" ? entity.updatedBy : "",
  };
}
