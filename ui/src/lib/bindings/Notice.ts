// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

export type Notice = { level: "info" | "warning" | "error", message: string, };
