//! The catalogue's commands through Tauri's mock runtime: a CSV's bytes imported (behind the
//! manager's PIN once one is set), search, tabs, favourites, scans of each kind, an unknown code
//! added from a form, and the export, each answer as the UI receives it.

use serde_json::{json, Value};

use crate::harness::{assert_typed_error, open_state, MockApp};

const SHOP: &str = "sku;name;gtin;price;vat;unit;category;favourite\n\
                    KAFFE;Kaffe;7038010009457;39,90;25;piece;Drikke;yes\n\
                    REKER;Reker;2312345000002;299,00;15;kg;Fisk;no\n\
                    EPLER;Epler;5000112637922;34,90;15;kg;Frukt;no\n\
                    FEIL;Feil;7038010009458;10,00;25;piece;;no\n";

#[test]
fn a_catalogue_is_imported_searched_scanned_added_to_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let app = MockApp::new(open_state(dir.path(), true));
    let bytes: Vec<u8> = SHOP.bytes().collect();

    // A manager PIN set: the import is refused without it, done with it.
    let input = json!({"name": "Mona", "role": "manager", "new_pin": "4711", "pin": null});
    app.invoke("staff_set_pin", json!({ "input": input }))
        .unwrap();
    let e = app
        .invoke("catalog_import", json!({"file": bytes, "pin": null}))
        .unwrap_err();
    assert_eq!(e["code"], "pin_required", "{e}");
    assert_typed_error("pin_required", &e);
    let r = app
        .invoke("catalog_import", json!({"file": bytes, "pin": "4711"}))
        .unwrap();
    assert_eq!(
        (r["added"].as_u64(), r["unchanged"].as_u64()),
        (Some(3), Some(0))
    );
    assert_eq!(r["rejected"][0]["line"], 5);
    assert_eq!(r["rejected"][0]["code"], "bad_gtin");

    let found = app
        .invoke(
            "catalog_search",
            json!({"text": "kaf", "category": null, "limit": 10}),
        )
        .unwrap();
    assert_eq!(found[0]["sku"], "KAFFE");
    assert_eq!(found[0]["gtin"], "7038010009457");
    assert_eq!(found[0]["price"], 3990);
    let fish = app
        .invoke(
            "catalog_search",
            json!({"text": "", "category": "Fisk", "limit": 10}),
        )
        .unwrap();
    assert_eq!(fish.as_array().map(Vec::len), Some(1));
    assert_eq!(
        app.invoke("catalog_categories", json!({})).unwrap(),
        json!(["Drikke", "Fisk", "Frukt"])
    );
    let fav = app.invoke("catalog_favourites", json!({})).unwrap();
    assert_eq!(fav.as_array().map(|f| f.len()), Some(1));

    let scan = |code: &str| app.invoke("catalog_scan", json!({ "code": code }));
    let s = scan("7038010009457").unwrap();
    assert_eq!(s["kind"], "line");
    assert_eq!(s["weighed"], false);
    assert_eq!(
        s["line"],
        json!({"description": "Kaffe", "quantity": "1", "unit_price": 3990, "vat": "25", "product_id": "KAFFE"})
    );
    let s = scan("2312345004123").unwrap();
    assert_eq!(
        (s["kind"].as_str(), s["weighed"].as_bool()),
        (Some("line"), Some(true))
    );
    assert_eq!(s["line"]["quantity"], "0.412");
    let s = scan("5000112637922").unwrap();
    assert_eq!(
        (s["kind"].as_str(), s["product"]["sku"].as_str()),
        (Some("needs_weight"), Some("EPLER"))
    );
    let e = scan("4006381333932").unwrap_err();
    assert_eq!(e["code"], "invalid_input", "{e}");
    let s = scan("4006381333931").unwrap();
    assert_eq!(s, json!({"kind": "unknown", "gtin": "4006381333931"}));

    // The unknown code added from the form (with the PIN), then scanned as a product.
    let form = json!({"sku": "", "name": "Saft", "gtin": "4006381333931", "price": "24.50",
                      "vat": "15", "unit": "piece", "category": "Drikke"});
    let e = app
        .invoke("catalog_add", json!({"form": form, "pin": null}))
        .unwrap_err();
    assert_eq!(e["code"], "pin_required", "{e}");
    let r = app
        .invoke("catalog_add", json!({"form": form, "pin": "4711"}))
        .unwrap();
    assert_eq!(
        (r["added"].as_u64(), r["rejected"].as_array().map(Vec::len)),
        (Some(1), Some(0))
    );
    assert_eq!(
        scan("4006381333931").unwrap()["line"]["product_id"],
        "4006381333931"
    );
    let bad: Value = json!({"sku": "X", "name": "X", "gtin": "", "price": "1", "vat": "13",
                            "unit": "piece", "category": ""});
    let r = app
        .invoke("catalog_add", json!({"form": bad, "pin": "4711"}))
        .unwrap();
    assert_eq!(r["rejected"][0]["code"], "vat_not_allowed");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalogue.csv");
    let written = app
        .invoke("catalog_export", json!({"path": file.to_string_lossy()}))
        .unwrap();
    assert_eq!(written.as_str(), Some(&*file.to_string_lossy()));
    let csv = std::fs::read_to_string(&file).unwrap();
    let relative = app.invoke("catalog_export", json!({"path": "catalogue.csv"}));
    assert!(
        relative.is_err(),
        "a relative path is refused: {relative:?}"
    );
    assert!(
        csv.starts_with("sku,name,gtin,price,vat,unit,category"),
        "{csv}"
    );
    assert!(
        csv.contains("KAFFE,Kaffe,7038010009457,39.90") && csv.contains("Saft"),
        "{csv}"
    );
}
