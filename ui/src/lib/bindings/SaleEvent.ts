// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

export type SaleEvent = { seq: number, at: string, kind: string, summary: string, };
