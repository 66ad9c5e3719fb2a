// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

export type RefundInput = { amount: number | null, lines: Array<{ line_id: string, quantity: string, }>, reason: string | null, pin: string | null, };
