// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

import type { PricedLine } from "./PricedLine";
import type { SaleEvent } from "./SaleEvent";
import type { SaleSummary } from "./SaleSummary";

export type SaleDetail = { sale: SaleSummary, lines: Array<PricedLine>, refunded_quantities: Record<string, string>, capturable: number, refundable: number, can_void: boolean, checkout_url: string | null, expires_at: string | null, events: Array<SaleEvent>, };
