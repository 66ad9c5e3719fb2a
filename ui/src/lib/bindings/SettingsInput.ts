// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

import type { QuickItem } from "./QuickItem";

export type SettingsInput = { account_id: string, client_id: string, client_secret: string | null, profile_id: string, currency: string, counter: string, vat_presets: Array<string>, quick_items: Array<QuickItem>, poll_waiting_ms: number, poll_paying_ms: number, refund_pin: string | null, language: string, };
