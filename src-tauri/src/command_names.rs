// The commands the UI may call. Included by `build.rs` (one permission each) and by the crate
// (`commands::COMMANDS`); `tests/it/capabilities.rs` checks the capability grants exactly these.

#[allow(dead_code)]
pub const COMMANDS: &[&str] = &[
    "app_info",
    "about",
    "price_order",
    "charge",
    "cancel_charge",
    "pay_here",
    "leave_charge",
    "parked",
    "list_sales",
    "sale_detail",
    "capture",
    "void_sale",
    "refund",
    "refund_preview",
    "receipt",
    "sync",
    "day_report",
    "export_csv",
    "export_folder",
    "settings_get",
    "settings_save",
    "test_connection",
    "staff_set_pin",
    "staff_remove",
];
