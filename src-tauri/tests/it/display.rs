//! The customer display's commands through Tauri's mock runtime: the view follows the cart the
//! counter prices and empties; the network display is off by default and turning it on is a
//! setting, refused without the manager's PIN once one is set.

use serde_json::json;

use crate::harness::{assert_typed_error, open_state, MockApp};

#[test]
fn the_view_follows_the_priced_cart_and_the_network_display_is_a_guarded_setting() {
    let dir = tempfile::tempdir().unwrap();
    let app = MockApp::new(open_state(dir.path(), true));
    assert_eq!(
        app.invoke("display_view", json!({})).unwrap()["phase"],
        "idle"
    );

    let order = json!({"currency": "NOK", "lines": [{"description": "Kaffe", "quantity": "2", "unit_price": 3900, "vat": "25", "product_id": null}]});
    app.invoke("price_order", json!({ "order": order }))
        .unwrap();
    let view = app.invoke("display_view", json!({})).unwrap();
    assert_eq!(view["phase"], "cart");
    assert_eq!(view["lines"][0]["description"], "Kaffe");
    assert_eq!(view["totals"]["amount"], 7800);
    app.invoke("cart_emptied", json!({})).unwrap();
    assert_eq!(
        app.invoke("display_view", json!({})).unwrap()["phase"],
        "idle"
    );

    let off = app.invoke("display_lan", json!({})).unwrap();
    assert_eq!(off, json!({"on": false, "url": null, "code": null}));
    let input = json!({"name": "Mona", "role": "manager", "new_pin": "4711", "pin": null});
    app.invoke("staff_set_pin", json!({ "input": input }))
        .unwrap();
    for (cmd, args) in [
        ("display_lan_set", json!({"on": true, "pin": null})),
        ("display_lan_renew", json!({"pin": null})),
    ] {
        let e = app.invoke(cmd, args).unwrap_err();
        assert_eq!(e["code"], "pin_required", "{cmd}: {e}");
        assert_typed_error("pin_required", &e);
    }
    assert_eq!(app.invoke("display_lan", json!({})).unwrap()["on"], false);
}
