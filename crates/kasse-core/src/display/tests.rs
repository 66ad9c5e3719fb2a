//! The display's rules: what a cart, a charge and each sale status show, and what the hub
//! tells its followers.

use super::view::{Basket, Phase, Screen};
use super::Hub;
use crate::catalog::Unit;
use crate::money::{Currency, Quantity, VatRate};
use crate::order::{Discount, LineInput, OrderInput, PricedOrder};
use crate::sale::SaleStatus;

fn line(description: &str, thousandths: i64, price: i64, sku: Option<&str>) -> LineInput {
    let mut l = LineInput::new(
        description,
        Quantity::from_thousandths(thousandths).unwrap(),
        price,
        VatRate::from_percent(15).unwrap(),
    );
    l.product_id = sku.map(str::to_owned);
    l
}

fn priced(lines: Vec<LineInput>) -> PricedOrder {
    OrderInput {
        currency: None,
        lines,
        discount: None,
    }
    .price(Currency::Nok)
    .unwrap()
}

fn basket(order: &PricedOrder) -> Basket {
    Basket::of(order, |sku| (sku == "APPLES").then_some(Unit::Kg))
}

fn coffee() -> Basket {
    basket(&priced(vec![line("Coffee", 2000, 3900, None)]))
}

fn charged() -> Screen {
    Screen::charged("sale-1", coffee(), "https://pay/1", "<svg/>")
}

#[test]
fn a_cart_shows_its_lines_units_discounts_and_totals_with_vat() {
    let mut apples = line("Apples", 1000, 4990, Some("APPLES"));
    apples.discount = Some(Discount::Amount(100));
    let order = priced(vec![
        line("Coffee", 2000, 3900, Some("COF")),
        apples,
        line("Pears", 250, 3000, None),
    ]);
    let view = Screen::Idle.cart(Some(basket(&order))).view("en");
    assert_eq!(view.phase, Phase::Cart);
    assert_eq!(view.lines.len(), 3);
    assert_eq!(
        (
            view.lines[0].quantity.as_str(),
            view.lines[0].unit,
            view.lines[0].amount
        ),
        ("2", Unit::Piece, 7800)
    );
    assert_eq!(view.lines[0].before_discount, None);
    // Weighed by its product, though a whole kilogram.
    assert_eq!(
        (view.lines[1].quantity.as_str(), view.lines[1].unit),
        ("1", Unit::Kg)
    );
    assert_eq!(view.lines[1].before_discount, Some(4990));
    assert_eq!(view.lines[1].amount, 4890);
    // No product: a quantity with decimals came from the scale.
    assert_eq!(
        (view.lines[2].quantity.as_str(), view.lines[2].unit),
        ("0.25", Unit::Kg)
    );
    let totals = view.totals.unwrap();
    assert_eq!(totals.currency, "NOK");
    assert_eq!(totals.amount, 7800 + 4890 + 750);
    assert_eq!(totals.amount, order.amount);
    assert_eq!(totals.vat_amount, order.vat_amount);
    assert_eq!(totals.discount, 100);
}

#[test]
fn an_emptied_cart_is_idle_but_a_sale_on_show_stays_when_the_counter_clears_its_cart() {
    let cart = Screen::Idle.cart(Some(coffee()));
    let idle = cart.cart(None).view("en");
    assert_eq!(idle.phase, Phase::Idle);
    assert!(idle.lines.is_empty() && idle.totals.is_none());
    let waiting = charged().cart(None).view("en");
    assert_eq!(
        waiting.phase,
        Phase::Waiting {
            url: "https://pay/1".into(),
            qr_svg: "<svg/>".into()
        }
    );
    assert_eq!(waiting.lines, coffee().lines);
}

#[test]
fn the_sale_on_show_moves_with_its_status_and_other_sales_do_not_move_it() {
    let other = charged().sale_changed("sale-2", SaleStatus::Authorized);
    assert!(matches!(other.view("en").phase, Phase::Waiting { .. }));
    for (status, phase) in [
        (SaleStatus::Paying, "waiting"),
        (SaleStatus::OnHold, "waiting"),
        (SaleStatus::Authorized, "paid"),
        (SaleStatus::Captured, "paid"),
        (SaleStatus::Declined, "declined"),
        (SaleStatus::Failed, "declined"),
        (SaleStatus::Cancelled, "cancelled"),
        (SaleStatus::Expired, "cancelled"),
    ] {
        let view = charged().sale_changed("sale-1", status).view("en");
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(json["phase"], phase, "{status:?}");
        assert_eq!(view.lines, coffee().lines, "the lines stay on show");
    }
    // A declined card tried again on the same checkout, and paid.
    let again = charged()
        .sale_changed("sale-1", SaleStatus::Declined)
        .sale_changed("sale-1", SaleStatus::Authorized);
    assert_eq!(again.view("en").phase, Phase::Paid);
}

#[test]
fn the_next_cart_ends_a_finished_sale_but_the_same_cart_priced_again_does_not() {
    let declined = charged().sale_changed("sale-1", SaleStatus::Declined);
    let kept = declined.clone().cart(Some(coffee()));
    assert_eq!(
        kept.view("en").phase,
        Phase::Declined,
        "the counter re-prices the cart it kept"
    );
    let next = basket(&priced(vec![line("Tea", 1000, 2900, None)]));
    let paid = charged().sale_changed("sale-1", SaleStatus::Captured);
    let view = paid.cart(Some(next.clone())).view("en");
    assert_eq!(view.phase, Phase::Cart);
    assert_eq!(view.lines, next.lines);
}

#[test]
fn a_view_carries_nothing_internal() {
    let json = serde_json::to_string(&charged().view("en")).unwrap();
    assert!(!json.contains("sale-1"), "{json}");
    assert!(json.contains(r#""phase":"waiting""#), "{json}");
    assert!(json.contains(r#""qr_svg":"<svg/>""#), "{json}");
}

#[test]
fn the_display_speaks_the_counters_language() {
    assert_eq!(super::view::language("nb"), "nb");
    assert_eq!(super::view::language("nn"), "nb");
    assert_eq!(super::view::language("sv"), "sv");
    assert_eq!(super::view::language("de"), "en");
    let hub = Hub::new();
    assert_eq!(hub.view().language, "en");
    hub.set_language("sv");
    assert_eq!(hub.view().language, "sv");
    hub.cart(Some(coffee()));
    assert_eq!(hub.view().language, "sv", "kept as the view moves");
}

#[tokio::test]
async fn the_hub_tells_every_follower_each_new_view_and_nothing_when_it_did_not_change() {
    let hub = Hub::new();
    let mut first = hub.follow();
    let mut second = hub.clone().follow();
    assert_eq!(first.borrow_and_update().phase, Phase::Idle);
    second.borrow_and_update();
    hub.cart(Some(coffee()));
    first.changed().await.unwrap();
    assert_eq!(first.borrow_and_update().lines, coffee().lines);
    hub.cart(Some(coffee()));
    assert!(!first.has_changed().unwrap(), "the same view is not news");
    hub.charged("sale-1", coffee(), "https://pay/1", "<svg/>");
    hub.sale_changed("sale-1", SaleStatus::Authorized);
    second.changed().await.unwrap();
    assert_eq!(second.borrow_and_update().phase, Phase::Paid);
    assert_eq!(hub.view().phase, Phase::Paid);
}
