// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

import type { SaleStatus } from "./SaleStatus";

export type DayReport = { from: string, to: string, closing: boolean, currency: string, by_status: Array<{ status: SaleStatus, count: number, amount: number, }>, by_vat: Array<{ vat: string, gross: number, vat_amount: number, }>, by_product: Array<{ payment_product: string, count: number, amount: number, }>, sales: number, captured: number, refunded: number, net: number, };
