// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

export type Charge = { sale_id: number, session_id: string, url: string, qr_svg: string, merchant_reference: string, amount: number, vat_amount: number, currency: string, expires_at: string, };
