// The commands the UI may call. Included by `build.rs` (one permission each) and by the crate
// (`commands::COMMANDS`); `tests/it/capabilities.rs` checks the capability grants exactly these.

#[allow(dead_code)]
pub const COMMANDS: &[&str] = &[
    "app_info",
    "price_order",
    "charge",
    "cancel_charge",
    "pay_here",
    "parked",
    "list_sales",
    "sale_detail",
    "capture",
    "void_sale",
    "refund",
    "sync",
    "day_report",
    "export_csv",
    "settings_get",
    "settings_save",
    "test_connection",
    "staff_set_pin",
    "staff_remove",
    "catalog_search",
    "catalog_categories",
    "catalog_favourites",
    "catalog_scan",
    "catalog_import",
    "catalog_export",
    "catalog_add",
];
