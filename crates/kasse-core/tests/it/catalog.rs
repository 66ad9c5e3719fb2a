//! The catalogue in the log's database: an import upserted by SKU in one transaction and
//! journaled, search-as-you-type, orders that name products, and scans.

use kasse_core::catalog::csv::parse;
use kasse_core::catalog::RejectCode;
use kasse_core::money::Currency;
use kasse_core::products::{resolve_order, scan_line, ScanLine};
use kasse_core::sale::{LogEvent, SettingChange};
use kasse_core::staff::Actor;
use kasse_core::store::Store;
use serde_json::json;
use time::macros::datetime;

const NOW: time::OffsetDateTime = datetime!(2026-12-07 10:00 UTC);

const SHOP: &str = "sku,name,gtin,price,vat,unit,category,favourite\n\
                    KAFFE,Kaffe,7038010009457,39.90,25,piece,Drikke,yes\n\
                    BROD,Grovbrød,96385074,45.00,15,piece,Bakst,yes\n\
                    EPLER,Epler røde,,34.90,15,kg,Frukt,no\n\
                    VEKT,Reker,2312345000002,299.00,15,kg,Fisk,no\n\
                    KAKE,Kake,2105555000005,0,15,piece,Bakst,no\n";

fn shop() -> Store {
    let store = Store::open_in_memory().unwrap();
    let parsed = parse(SHOP.as_bytes(), Currency::Nok).unwrap();
    assert_eq!(parsed.rejected, vec![]);
    let r = store
        .import_products(parsed, &Actor::Unguarded, NOW)
        .unwrap();
    assert_eq!((r.added, r.updated), (5, 0));
    store
}

#[test]
fn an_import_upserts_by_sku_refuses_a_taken_gtin_and_is_journaled() {
    let store = shop();
    let again = "sku;name;gtin;price;vat;unit;category;favourite\n\
                 KAFFE;Kaffe mørk;7038010009457;42,00;25\n\
                 TE;Te;96385074;29,00;25\n\
                 SUKKER;Sukker;;19,90;15\n\
                 KAKE;Kake;2105555000005;0;15;piece;Bakst;no\n";
    let parsed = parse(again.as_bytes(), Currency::Nok).unwrap();
    let r = store.import_products(parsed, &Actor::Anyone, NOW).unwrap();
    assert_eq!((r.added, r.updated, r.unchanged), (1, 1, 1));
    let refused: Vec<(u64, RejectCode)> = r.rejected.iter().map(|x| (x.line, x.code)).collect();
    assert_eq!(refused, vec![(3, RejectCode::DuplicateGtin)]);
    assert!(
        r.rejected[0].reason.contains("BROD"),
        "{}",
        r.rejected[0].reason
    );
    let kaffe = store.product_by_sku("KAFFE").unwrap().unwrap();
    assert_eq!((kaffe.name.as_str(), kaffe.price), ("Kaffe mørk", 4200));
    assert!(store.product_by_sku("TE").unwrap().is_none());
    assert_eq!(store.products().unwrap().len(), 6);

    // Both imports are in the counter's journal, with who did them.
    let changes: Vec<(Actor, serde_json::Value)> = store
        .counter_events()
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.event {
            LogEvent::SettingsChanged { actor, changes } => match &changes[..] {
                [SettingChange::Value { setting, new, .. }] if setting == "catalog" => {
                    Some((actor, new.clone()))
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[1].0, Actor::Anyone);
    assert_eq!(
        changes[1].1,
        json!({"products": 6, "added": 1, "updated": 1})
    );
}

#[test]
fn search_matches_every_word_in_any_case_and_puts_an_exact_code_first() {
    let store = shop();
    let names = |q: &str, cat: Option<&str>| -> Vec<String> {
        store
            .search_products(q, cat, 20)
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect()
    };
    assert_eq!(names("grovbrØd", None), ["Grovbrød"]);
    assert_eq!(names("røde EPL", None), ["Epler røde"]);
    assert_eq!(names("7038010009457", None), ["Kaffe"]);
    assert_eq!(names("kake", None), ["Kake"]);
    assert_eq!(names("", Some("Bakst")), ["Grovbrød", "Kake"]);
    assert_eq!(names("e", Some("Frukt")), ["Epler røde"]);
    assert_eq!(
        store.product_categories().unwrap(),
        ["Bakst", "Drikke", "Fisk", "Frukt"]
    );
    let favourites: Vec<String> = store
        .favourite_products()
        .unwrap()
        .into_iter()
        .map(|p| p.sku)
        .collect();
    assert_eq!(favourites, ["BROD", "KAFFE"]);
}

#[test]
fn an_order_names_products_by_sku_or_gtin() {
    let store = shop();
    let order = json!({"lines": [
        {"sku": "KAFFE", "quantity": "2"},
        {"gtin": "96385074", "quantity": 1},
        {"sku": "EPLER", "quantity": "0.375"},
        {"description": "Pose", "quantity": "1", "unit_price": 200, "vat": "25"}
    ]});
    let priced = resolve_order(&store, &order)
        .unwrap()
        .price(Currency::Nok)
        .unwrap();
    let lines: Vec<(String, i64, Option<String>)> = priced
        .lines
        .iter()
        .map(|l| (l.description.clone(), l.amount, l.product_id.clone()))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("Kaffe".into(), 7980, Some("KAFFE".into())),
            ("Grovbrød".into(), 4500, Some("BROD".into())),
            ("Epler røde".into(), 1309, Some("EPLER".into())),
            ("Pose".into(), 200, None),
        ]
    );
    let unknown = resolve_order(
        &store,
        &json!({"lines": [{"sku": "NOPE", "quantity": "1"}]}),
    );
    let e = unknown.unwrap_err();
    assert_eq!(
        (e.code(), e.field().as_deref()),
        ("invalid_input", Some("lines[1].sku"))
    );
    let both = json!({"lines": [{"sku": "KAFFE", "quantity": "1", "unit_price": 1}]});
    assert_eq!(
        resolve_order(&store, &both).unwrap_err().field().as_deref(),
        Some("lines[1].unit_price")
    );
}

#[test]
fn a_scan_adds_the_product_its_weight_or_its_printed_price() {
    let store = shop();
    match scan_line(&store, "7038010009457").unwrap() {
        ScanLine::Line(l) => assert_eq!((l.description.as_str(), l.unit_price), ("Kaffe", 3990)),
        other => panic!("{other:?}"),
    }
    // Reker 0.412 kg: 23 12345 00412 and its check digit.
    match scan_line(&store, "2312345004123").unwrap() {
        ScanLine::Line(l) => {
            assert_eq!(
                (l.quantity.to_string().as_str(), l.unit_price),
                ("0.412", 29_900)
            )
        }
        other => panic!("{other:?}"),
    }
    // Kake priced in store at 59.00: 21 05555 05900 and its check digit.
    match scan_line(&store, "2105555059003").unwrap() {
        ScanLine::Line(l) => assert_eq!((l.description.as_str(), l.unit_price), ("Kake", 5900)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        scan_line(&store, "4006381333931").unwrap(),
        ScanLine::Unknown(g) if g.as_str() == "4006381333931"
    ));
    assert_eq!(
        scan_line(&store, "4006381333932").unwrap_err().code(),
        "invalid_input"
    );
}

#[test]
fn a_product_added_from_a_form_is_read_like_a_row_and_journaled() {
    use kasse_core::catalog::ProductForm;
    use kasse_core::products::add_product;
    use kasse_core::staff::Guarded;
    let store = shop();
    let allowed = kasse_core::access::guard(&store, Guarded::Settings, None, NOW).unwrap();
    let form = ProductForm {
        name: "Saft".into(),
        gtin: "4006381333931".into(),
        price: "24,50".into(),
        vat: "15".into(),
        unit: "piece".into(),
        category: "Drikke".into(),
        ..ProductForm::default()
    };
    let journaled = store.counter_events().unwrap().len();
    let r = add_product(&store, &allowed, &form, Currency::Nok, NOW).unwrap();
    assert_eq!((r.added, r.rejected.len()), (1, 0));
    assert_eq!(store.counter_events().unwrap().len(), journaled + 1);
    // No SKU: the GTIN is its SKU, and a scan of it now finds it.
    let saft = store.product_by_sku("4006381333931").unwrap().unwrap();
    assert_eq!((saft.name.as_str(), saft.price), ("Saft", 2450));
    assert!(
        matches!(scan_line(&store, "4006381333931").unwrap(), ScanLine::Line(l) if l.unit_price == 2450)
    );

    // The import's rules: a VAT the country has not, a GTIN another product has.
    let bad_vat = ProductForm {
        vat: "13".into(),
        sku: "X".into(),
        ..form.clone()
    };
    let r = add_product(&store, &allowed, &bad_vat, Currency::Nok, NOW).unwrap();
    assert_eq!(
        r.rejected.iter().map(|x| x.code).collect::<Vec<_>>(),
        vec![RejectCode::VatNotAllowed]
    );
    let taken = ProductForm {
        sku: "Y".into(),
        gtin: "7038010009457".into(),
        ..form
    };
    let r = add_product(&store, &allowed, &taken, Currency::Nok, NOW).unwrap();
    assert_eq!(
        r.rejected.iter().map(|x| x.code).collect::<Vec<_>>(),
        vec![RejectCode::DuplicateGtin]
    );
    assert!(
        store.product_by_sku("X").unwrap().is_none()
            && store.product_by_sku("Y").unwrap().is_none()
    );
    assert_eq!(
        store.counter_events().unwrap().len(),
        journaled + 1,
        "a refused form journals nothing"
    );

    // Without the settings right it is refused.
    let sale = kasse_core::access::guard(&store, Guarded::Void, None, NOW).unwrap();
    assert!(add_product(&store, &sale, &ProductForm::default(), Currency::Nok, NOW).is_err());
}
