//! The catalogue in the real app (demo mode, WebKitWebDriver under Xvfb): a spreadsheet's CSV
//! imported from Settings (the result view with the refused row), search-as-you-type and its
//! keyboard, category tabs, favourites as tiles, weighed products, and a barcode scanner's burst
//! typed through WebDriver: a product's code, a weighed variable-measure code, a wrong check
//! digit, and an unknown code offered to the catalogue. Screenshots under
//! `target/e2e-screenshots/catalog-*`.

use anyhow::Result;
use fantoccini::{Client, Locator};
use kasse_e2e::{
    attr, click, launch_kasse as launch, screenshot, type_into, wait_equal, wait_for, within,
};
use serde_json::json;

/// WebDriver's Enter key.
const ENTER: &str = "\u{E007}";

const SHOP: &str = "sku,name,gtin,price,vat,unit,category,favourite\n\
                    KAFFE,Kaffe,7038010009457,39.90,25,piece,Drikke,yes\n\
                    BROD,Grovbrød,96385074,45.00,15,piece,Bakst,yes\n\
                    REKER,Reker,2312345000002,299.00,15,kg,Fisk,no\n\
                    EPLER,Epler røde,,34.90,15,kg,Frukt,no\n\
                    FEIL,Feil kode,7038010009458,10.00,25,piece,,no\n";

async fn count(c: &Client, css: &str) -> Result<usize> {
    Ok(
        within(&format!("counting {css}"), c.find_all(Locator::Css(css)))
            .await?
            .len(),
    )
}

/// Waits until `css` matches exactly `n` elements.
async fn wait_count(c: &Client, css: &str, n: usize) -> Result<()> {
    let what = format!("elements matching {css}");
    wait_equal(c, &what, n, async || count(c, css).await).await
}

/// The text of the cart line of product `sku` (its quantity and price).
async fn cart_line(c: &Client, sku: &str) -> Result<String> {
    let e = wait_for(
        c,
        &format!("[data-testid=cart-line][data-product-id='{sku}']"),
    )
    .await?;
    within("reading the cart line", e.text()).await
}

/// A scanner's burst: the code and Enter typed at once into `css` (or the page).
async fn scan(c: &Client, css: &str, code: &str) -> Result<()> {
    let e = wait_for(c, css).await?;
    within(
        &format!("scanning {code}"),
        e.send_keys(&format!("{code}{ENTER}")),
    )
    .await
}

/// Imports `csv` through Settings' file chooser, as a person choosing the file would.
async fn import_in_settings(c: &Client, csv: &str) -> Result<()> {
    click(c, "#nav-settings").await?;
    wait_for(c, "#catalog-file").await?;
    within(
        "choosing the catalogue file",
        c.execute(
            "const dt = new DataTransfer();
             dt.items.add(new File([arguments[0]], 'shop.csv', { type: 'text/csv' }));
             const input = document.querySelector('#catalog-file');
             input.files = dt.files;
             input.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![json!(csv)],
        ),
    )
    .await?;
    wait_for(c, "#catalog-import-result").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalogue_imported_in_settings_is_searched_tapped_and_scanned_in_sell() -> Result<()> {
    let app = launch("catalog").await?;
    let c = &app.client;

    // Settings: the import says what it did, with the refused row's line and why.
    import_in_settings(c, SHOP).await?;
    let result = "#catalog-import-result";
    assert_eq!(attr(c, result, "data-added").await?.as_deref(), Some("4"));
    assert_eq!(
        attr(c, result, "data-rejected").await?.as_deref(),
        Some("1")
    );
    let refused = "[data-testid=refused-row]";
    assert_eq!(attr(c, refused, "data-line").await?.as_deref(), Some("6"));
    assert_eq!(
        attr(c, refused, "data-code").await?.as_deref(),
        Some("bad_gtin")
    );
    let why = within(
        "reading the refused row",
        wait_for(c, refused).await?.text(),
    )
    .await?;
    assert!(
        why.contains("Line 6") && why.contains("check digit"),
        "{why:?}"
    );
    screenshot(c, "catalog-settings-import").await?;

    // Sell: the favourites are the tiles, the categories are tabs.
    click(c, "#nav-sell").await?;
    wait_count(c, "[data-testid=quick-item]", 2).await?;
    wait_for(c, "[data-testid=quick-item][data-id='KAFFE']").await?;
    wait_count(c, "[data-testid=category-tab]", 5).await?;

    // Search as you type; Enter adds the first result, with its SKU as the line's id.
    type_into(c, "#catalog-search", "kaf").await?;
    wait_for(c, "[data-testid=catalog-result][data-sku='KAFFE']").await?;
    wait_count(c, "[data-testid=catalog-result]", 1).await?;
    let search = wait_for(c, "#catalog-search").await?;
    within("pressing Enter", search.send_keys(ENTER)).await?;
    assert!(cart_line(c, "KAFFE").await?.contains("Kaffe"));
    wait_count(c, "[data-testid=catalog-result]", 0).await?;

    // ↓ walks the results; a weighed product asks for its kilograms.
    type_into(c, "#catalog-search", "e").await?;
    wait_for(c, "[data-testid=catalog-result][data-sku='REKER']").await?;
    let first = attr(
        c,
        "[data-testid=catalog-result][aria-selected='true']",
        "data-sku",
    )
    .await?;
    let search = wait_for(c, "#catalog-search").await?;
    within("pressing ↓", search.send_keys("\u{E015}")).await?;
    let second = attr(
        c,
        "[data-testid=catalog-result][aria-selected='true']",
        "data-sku",
    )
    .await?;
    assert_ne!(first, second, "↓ moves to the next result");
    type_into(c, "#catalog-search", "epler").await?;
    wait_for(c, "[data-testid=catalog-result][data-sku='EPLER']").await?;
    within("pressing Enter", search.send_keys(ENTER)).await?;
    type_into(c, "#weight-input", "0.5").await?;
    click(c, "#weigh-add-btn").await?;
    let epler = cart_line(c, "EPLER").await?.replace('\u{a0}', " ");
    assert!(epler.contains("0.5 kg"), "{epler:?}");

    // A category tab shows its products only.
    click(c, "[data-testid=category-tab][data-category='Bakst']").await?;
    wait_for(c, "[data-testid=catalog-result][data-sku='BROD']").await?;
    wait_count(c, "[data-testid=catalog-result]", 1).await?;
    screenshot(c, "catalog-sell-tab").await?;
    click(c, "[data-testid=category-tab]:first-child").await?;

    // A scan while the search field has the focus: the product is added, none of the digits
    // land in the field.
    scan(c, "#catalog-search", "7038010009457").await?;
    let two = "[data-testid=cart-line][data-product-id='KAFFE'][data-quantity='2']";
    wait_count(c, two, 1).await?;
    let typed = wait_for(c, "#catalog-search").await?.prop("value").await?;
    assert_eq!(
        typed.as_deref(),
        Some(""),
        "the scan's digits stay out of the field"
    );

    // A weighed variable-measure code on the page: Reker, 0.412 kg.
    c.execute(
        "document.activeElement && document.activeElement.blur();",
        vec![],
    )
    .await?;
    scan(c, "body", "2312345004123").await?;
    let reker = cart_line(c, "REKER").await?.replace('\u{a0}', " ");
    assert!(reker.contains("0.412 kg"), "{reker:?}");
    // None of its digits went to the keypad: it still asks for an amount.
    wait_for(c, "#amount-display .placeholder").await?;

    // A wrong check digit is said so.
    scan(c, "body", "4006381333932").await?;
    wait_for(c, "#scan-bad").await?;

    // An unknown code offers to add it; saved, it is sold at once.
    scan(c, "body", "4006381333931").await?;
    wait_for(c, "#new-product").await?;
    screenshot(c, "catalog-sell-unknown").await?;
    type_into(c, "#np-name", "Saft").await?;
    type_into(c, "#np-price", "24.50").await?;
    click(c, "#np-save-btn").await?;
    assert!(cart_line(c, "4006381333931").await?.contains("Saft"));
    wait_count(c, "#new-product", 0).await?;

    type_into(c, "#catalog-search", "grov").await?;
    wait_for(c, "[data-testid=catalog-result][data-sku='BROD']").await?;
    screenshot(c, "catalog-sell-search").await?;
    let _ = app.client.close().await;
    Ok(())
}
