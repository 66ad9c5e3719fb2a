// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

import type { SaleStatus } from "./SaleStatus";

export type ListQuery = { search: string | null, statuses: Array<SaleStatus>, from: string | null, to: string | null, amount_min: number | null, amount_max: number | null, cursor: string | null, limit: number, };
