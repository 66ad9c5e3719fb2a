// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

export type UiError = { code: "invalid_input" | "not_found" | "invalid_state" | "amount_exceeds" | "pin_required" | "pin_wrong" | "unauthorized" | "network" | "outcome_unknown" | "dintero" | "storage" | "internal", message: string, };
