// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

import type { SaleStatus } from "./SaleStatus";

export type SaleSummary = { sale_id: number, merchant_reference: string, session_id: string | null, transaction_id: string | null, status: SaleStatus, amount: number, captured: number, refunded: number, currency: string, created_at: string, payment_product: string | null, };
