// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

export type ConnectionReport = { ok: boolean, environment: "test" | "production" | null, message: string, };
