// The commands the UI may call. Included by `build.rs` (one permission each) and by the crate
// (`commands::COMMANDS`, `commands::PAY_COMMANDS`); `tests/it/capabilities.rs` checks each
// window's capability grants exactly its list.

#[allow(dead_code)]
pub const COMMANDS: &[&str] = &[
    "app_info",
    "about",
    "price_order",
    "charge",
    "send_link",
    "cancel_charge",
    "pay_here",
    "leave_charge",
    "parked",
    "uncaptured",
    "list_sales",
    "sale_detail",
    "capture",
    "void_sale",
    "refund",
    "refund_preview",
    "receipt",
    "receipt_print",
    "receipt_pdf",
    "printer_test",
    "sync",
    "day_report",
    "export_csv",
    "export_folder",
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
    "display_view",
    "display_window",
    "cart_emptied",
    "display_lan",
    "display_lan_set",
    "display_lan_renew",
];

/// The commands the pay window's page may call (`capabilities/pay.json`): nothing but telling
/// the engine what the embedded checkout said.
#[allow(dead_code)]
pub const PAY_COMMANDS: &[&str] = &["checkout_event"];
