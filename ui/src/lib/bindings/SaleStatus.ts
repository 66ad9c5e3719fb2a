// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

export type SaleStatus = "creating" | "charge_failed" | "waiting" | "paying" | "on_hold" | "authorized" | "partially_captured" | "captured" | "partially_refunded" | "refunded" | "voided" | "declined" | "failed" | "cancelled" | "expired" | "unknown";
