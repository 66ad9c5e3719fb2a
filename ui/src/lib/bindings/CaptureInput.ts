// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

export type CaptureInput = { amount: number | null, };
