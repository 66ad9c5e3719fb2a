// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

import type { PricedLine } from "./PricedLine";

export type PricedOrder = { currency: string, lines: Array<PricedLine>, amount: number, vat_amount: number, };
