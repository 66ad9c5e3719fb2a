// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

export type QuickItem = { id: string, label: string, unit_price: number, vat: string, weighed: boolean, };
