// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

export type AppInfo = { mode: "demo" | "test" | "live", account_id: string | null, counter: string, currency: string, version: string, secret_storage: "keyring" | "file" | "none", language: string, };
