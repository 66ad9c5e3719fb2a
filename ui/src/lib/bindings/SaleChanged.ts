// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

import type { SaleStatus } from "./SaleStatus";
import type { SaleSummary } from "./SaleSummary";

export type SaleChanged = { sale: SaleSummary, previous: SaleStatus | null, };
