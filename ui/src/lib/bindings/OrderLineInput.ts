// IPC type of the Kasse shell. Hand-written in ts-rs style until src-tauri generates this file.

export type OrderLineInput = { description: string, quantity: string, unit_price: number, vat: string, product_id: string | null, };
