// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

import type { SaleSummary } from "./SaleSummary";

export type SalePage = { items: Array<SaleSummary>, next_cursor: string | null, };
