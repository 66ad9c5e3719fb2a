// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

import type { QuickItem } from "./QuickItem";

export type Settings = { account_id: string, client_id: string, has_secret: boolean, profile_id: string, currency: string, counter: string, vat_presets: Array<string>, quick_items: Array<QuickItem>, poll_waiting_ms: number, poll_paying_ms: number, refund_pin_set: boolean, language: string, };
