//! `kasse-cli catalog import|export` and orders that name catalogue products (DESIGN.md §4.3):
//! the import's report, its guard, the round trip, and a charge by SKU and GTIN whose session
//! at Dintero (the sandbox, over HTTP) carries the catalogue's lines.

use std::collections::BTreeSet;

use crate::common::*;

const SHOP: &str = "\u{feff}sku;name;gtin;price;vat;unit;category\r\n\
                    KAFFE;Kaffe;7038010009457;39,90;25;;Drikke\r\n\
                    BROD;Grovbrød;7038010009458;45,00;15;;Bakst\r\n\
                    EPLER;Epler;;34,90;15;kg;Frukt\r\n\
                    TE;Te;;tjue;25;;Drikke\r\n";

fn file(w: &World, name: &str, text: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(w.data_dir()).unwrap();
    let path = w.data_dir().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn import(w: &World, csv: &str) -> serde_json::Value {
    let path = file(w, "shop.csv", csv);
    w.run(&["--json", "catalog", "import", path_str(&path)])
        .one()
}

#[test]
fn import_reports_each_refused_row_and_export_gives_the_catalogue_back() {
    let w = World::new();
    let r = import(&w, SHOP);
    assert_eq!(
        (r["added"].as_i64(), r["updated"].as_i64()),
        (Some(2), Some(0)),
        "{r}"
    );
    let lines: Vec<i64> = each(&r["rejected"], |x| x["line"].as_i64().unwrap());
    assert_eq!(lines, [3, 5], "{r}");
    let reasons: Vec<&str> = each(&r["rejected"], |x| x["reason"].as_str().unwrap());
    assert!(reasons[0].contains("check digit"), "{r}");
    assert!(reasons[1].contains("tjue"), "{r}");

    let out = w.run(&["catalog", "export"]);
    assert!(out.ok(), "{out:#?}");
    assert_eq!(
        out.stdout,
        "sku,name,gtin,price,vat,unit,category,favourite,active\r\n\
         EPLER,Epler,,34.90,15,kg,Frukt,no,yes\r\n\
         KAFFE,Kaffe,7038010009457,39.90,25,piece,Drikke,no,yes\r\n"
    );
    // Exported and imported again: nothing changes.
    let again = import(&w, &out.stdout);
    assert_eq!(
        (
            again["added"].as_i64(),
            again["updated"].as_i64(),
            again["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(2)),
        "{again}"
    );
    assert_eq!(again["rejected"], serde_json::json!([]));
    // A file that is not a catalogue is refused whole.
    let path = file(&w, "bad.csv", "sku,name,price\nA,B,1\n");
    w.run(&["--json", "catalog", "import", path_str(&path)])
        .refused_naming("invalid_input", "vat");
}

#[test]
fn a_manager_pin_guards_the_import() {
    let w = World::new();
    let set = w.run_with_stdin(&["pin", "set", "--role", "manager"], "4711\n");
    assert!(set.ok(), "{set:#?}");
    let path = file(&w, "shop.csv", SHOP);
    w.run(&["--json", "catalog", "import", path_str(&path)])
        .refused("pin_required");
    let done = w.run_with_stdin(
        &[
            "--json",
            "catalog",
            "import",
            path_str(&path),
            "--pin-stdin",
        ],
        "4711\n",
    );
    assert_eq!(done.one()["added"].as_i64(), Some(2));
}

#[test]
fn a_charge_by_sku_and_gtin_sends_the_catalogue_s_lines() {
    let w = World::new();
    import(&w, SHOP);
    let order = w.order_file(
        r#"{"lines":[{"sku":"KAFFE","quantity":"2"},{"gtin":"7038010009457","quantity":1},{"sku":"EPLER","quantity":"0.5"}]}"#,
    );
    let before: BTreeSet<String> = BTreeSet::new();
    let c = w
        .run(&["--json", "charge", "--order", path_str(&order)])
        .one();
    assert_eq!(c["amount"].as_i64(), Some(3 * 3990 + 1745), "{c}");
    let session = w.new_session(&before).expect("a session at the sandbox");
    let items = &session["order"]["items"];
    let got: Vec<(String, String, i64)> = each(items, |i| {
        (
            i["id"].as_str().unwrap_or_default().to_owned(),
            i["description"].as_str().unwrap_or_default().to_owned(),
            i["amount"].as_i64().unwrap_or_default(),
        )
    });
    assert_eq!(
        got,
        vec![
            ("KAFFE".into(), "Kaffe".into(), 7980),
            ("KAFFE".into(), "Kaffe".into(), 3990),
            ("EPLER".into(), "Epler".into(), 1745),
        ],
        "{session}"
    );
    let unknown = w.order_file(r#"{"lines":[{"sku":"NOPE","quantity":"1"}]}"#);
    w.run(&["--json", "charge", "--order", path_str(&unknown)])
        .refused_naming("invalid_input", "NOPE");
}
