// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

import type { OrderLineInput } from "./OrderLineInput";

export type OrderInput = { currency: string | null, lines: Array<OrderLineInput>, };
