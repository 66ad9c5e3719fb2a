// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

export type PricedLine = { line_id: string, description: string, product_id: string | null, quantity: string, unit_price: number, vat: string, amount: number, vat_amount: number, };
