//! A person's view of the sandbox's hosted test checkout (`/v1/view/{id}`) in headless
//! Chromium: the order is shown with the test banner, the test card is typed, Pay leads back to
//! the shop's `return_url` with Dintero's parameters, and the transaction reads as the page
//! said. Declined card and Cancel too.
//!
//! The shop side is written only from `shared/dintero-api.md` (raw HTTP with reqwest: token,
//! `POST /v1/sessions-profile`, `GET /v1/transactions/{id}`), not with `dintero-client`.
//! Screenshots go to `target/e2e-screenshots/sandbox-*.png`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use dintero_sandbox::{Sandbox, SandboxConfig};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use kasse_e2e::{screenshot, within, Driver};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;

const ACCOUNT: &str = "T12345678";
const CLIENT_ID: &str = "kasse-demo";
const SECRET: &str = "kasse-demo-secret";

// ---------------------------------------------------------------- the shop's return page

/// A tiny HTTP server standing in for the shop's `return_url`: answers 200 "thanks" to
/// anything and records each request line.
struct Receiver {
    return_url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    async fn start() -> Result<Receiver> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&head);
                    if let Some(line) = text.lines().next() {
                        log.lock().unwrap().push(line.to_owned());
                    }
                    let body = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Kasse</title></head>\
                        <body><h1>thanks</h1></body></html>";
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Ok(Receiver {
            return_url: format!("http://{addr}/takk"),
            requests,
        })
    }

    /// Request lines that reached `/takk`.
    fn returns(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with("GET /takk"))
            .cloned()
            .collect()
    }
}

// ---------------------------------------------------------------- the shop's API calls

/// Dintero's API over raw HTTP, as dintero-api.md §3, §5, §6 and §10 describe it.
struct Shop {
    base: String,
    http: reqwest::Client,
    token: String,
}

impl Shop {
    /// A sandbox of its own, and the shop signed in to it.
    async fn on_a_new_sandbox() -> Result<(Sandbox, Shop)> {
        let sandbox = Sandbox::start(SandboxConfig::default()).await?;
        let shop = Shop::connect(&sandbox.base_url()).await?;
        Ok((sandbox, shop))
    }

    async fn connect(base: &str) -> Result<Shop> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        let response = http
            .post(format!("{base}/v1/accounts/{ACCOUNT}/auth/token"))
            .basic_auth(CLIENT_ID, Some(SECRET))
            .header("accept", "application/json")
            .json(&json!({
                "grant_type": "client_credentials",
                "audience": format!("https://api.dintero.com/v1/accounts/{ACCOUNT}"),
            }))
            .send()
            .await?;
        ensure!(response.status() == 200, "token: {}", response.status());
        let body: Value = response.json().await?;
        ensure!(body["token_type"] == "Bearer", "token_type: {body}");
        let token = body["access_token"]
            .as_str()
            .context("access_token")?
            .to_owned();
        Ok(Shop {
            base: base.to_owned(),
            http,
            token,
        })
    }

    /// The order of dintero-api.md §5.4: `(session id, checkout url)`.
    async fn create_session(
        &self,
        merchant_reference: &str,
        return_url: &str,
    ) -> Result<(String, String)> {
        let body = json!({
            "profile_id": "T12345678.3Vq7dWc9XkzPhT2mYbRn8e",
            "url": { "return_url": return_url },
            "order": {
                "amount": 24800,
                "vat_amount": 4960,
                "currency": "NOK",
                "merchant_reference": merchant_reference,
                "store": { "id": "oslo-sentrum", "name": "Papirbutikken Oslo Sentrum" },
                "items": [
                    { "line_id": "1", "id": "SKU-10442", "description": "Notatbok A5 linjert", "quantity": 2,
                      "amount": 17800, "vat_amount": 3560, "vat": 25, "type": "physical" },
                    { "line_id": "2", "id": "SKU-20017", "description": "Kulepenn blå", "quantity": 3,
                      "amount": 4500, "vat_amount": 900, "vat": 25, "type": "physical" },
                    { "line_id": "3", "id": "SKU-90001", "description": "Gavepose", "quantity": 1,
                      "amount": 2500, "vat_amount": 500, "vat": 25, "type": "physical" }
                ]
            },
            "configuration": { "channel": "in_store", "auto_capture": false }
        });
        let response = self
            .http
            .post(format!("{}/v1/sessions-profile", self.base))
            .bearer_auth(&self.token)
            .header("accept", "application/json")
            .header("dintero-system-name", "kasse-e2e")
            .header("dintero-feature-toggles", "strict-session-amounts")
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        let created: Value = response.json().await?;
        ensure!(status == 200, "session create: {status} {created}");
        let id = created["id"].as_str().context("id")?.to_owned();
        let url = created["url"].as_str().context("url")?.to_owned();
        Ok((id, url))
    }

    async fn get(&self, path: &str) -> Result<Value> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("accept", "application/json")
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await?;
        ensure!(status == 200, "GET {path}: {status} {body}");
        Ok(body)
    }
}

// ---------------------------------------------------------------- the browser

struct Browser {
    client: Client,
    _driver: Driver,
}

impl Browser {
    async fn start() -> Result<Browser> {
        let (driver, client) = Driver::chromium().await?;
        Ok(Browser {
            client,
            _driver: driver,
        })
    }

    async fn find(&self, css: &str) -> Result<Element> {
        within(
            &format!("finding {css}"),
            self.client.find(Locator::Css(css)),
        )
        .await
    }

    async fn text(&self, css: &str) -> Result<String> {
        let element = self.find(css).await?;
        within(&format!("reading the text of {css}"), element.text()).await
    }

    async fn click(&self, css: &str) -> Result<()> {
        let element = self.find(css).await?;
        within(&format!("clicking {css}"), element.click()).await
    }

    async fn type_card(&self, number: &str) -> Result<()> {
        let field = self.find("#card").await?;
        within("clearing the card field", field.clear()).await?;
        within("typing the card number", field.send_keys(number)).await?;
        let typed = within("reading the card field", field.prop("value")).await?;
        ensure!(
            typed.as_deref() == Some(number),
            "card field holds {typed:?}"
        );
        Ok(())
    }

    async fn current_url(&self) -> Result<Url> {
        let url = within("reading the current URL", self.client.current_url()).await?;
        Ok(Url::parse(url.as_str())?)
    }

    /// Waits until the browser is at a URL starting with `prefix`.
    async fn wait_for_url(&self, prefix: &str) -> Result<Url> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let url = self.current_url().await?;
            if url.as_str().starts_with(prefix) {
                return Ok(url);
            }
            if Instant::now() > deadline {
                let shot = screenshot(&self.client, "sandbox-checkout-failure").await;
                bail!("still at {url} after 15 s, expected {prefix}… (screenshot: {shot:?})");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a screenshot under `name` and says where.
    async fn screenshot(&self, name: &str) -> Result<()> {
        let shot = screenshot(&self.client, name).await?;
        eprintln!("screenshot: {}", shot.display());
        Ok(())
    }

    /// Waits until the browser is back at the shop's `return_url` with the sale's reference;
    /// the URL it landed on and its query parameters.
    async fn returned_to(
        &self,
        return_url: &str,
        reference: &str,
    ) -> Result<(Url, Vec<(String, String)>)> {
        let landed = self.wait_for_url(return_url).await?;
        let params = query(&landed);
        ensure!(
            param(&params, "merchant_reference") == Some(reference),
            "{landed}"
        );
        Ok((landed, params))
    }

    /// Opens the checkout page again and reads the state it shows.
    async fn reopened_state(&self, checkout_url: &str) -> Result<String> {
        within("reopening the checkout", self.client.goto(checkout_url)).await?;
        self.text(".state").await
    }

    /// The last screenshot, under `name`, then the browser closes.
    async fn finish(self, name: &str) -> Result<()> {
        self.screenshot(name).await?;
        let _ = within("closing the WebDriver session", self.client.close()).await;
        Ok(())
    }
}

fn query(url: &Url) -> Vec<(String, String)> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// What the checkout page shows before anyone pays.
async fn check_order_page(
    browser: &Browser,
    session_id: &str,
    merchant_reference: &str,
) -> Result<()> {
    let body = browser.text("body").await?;
    for expected in [
        "TEST / sandbox",
        "2 × Notatbok A5 linjert",
        "178.00 NOK",
        "3 × Kulepenn blå",
        "45.00 NOK",
        "1 × Gavepose",
        "25.00 NOK",
        "49.60 NOK",
        merchant_reference,
        session_id,
    ] {
        ensure!(
            body.contains(expected),
            "{expected:?} is not on the page:\n{body}"
        );
    }
    ensure!(browser.text("#total").await? == "248.00 NOK");
    ensure!(browser.text("button.pay").await? == "Pay 248.00 NOK");
    ensure!(
        body.contains("4000 0000 0000 0002"),
        "the test cards are listed"
    );
    let title = within("reading the title", browser.client.title()).await?;
    ensure!(title == "Dintero sandbox checkout", "title {title:?}");
    Ok(())
}

/// Creates a session for `reference` returning to `return_url`, opens its checkout page in a
/// browser and checks what it shows before anyone pays: the session id, the page's URL and
/// the browser.
async fn open_checkout(
    shop: &Shop,
    reference: &str,
    return_url: &str,
) -> Result<(String, String, Browser)> {
    let (session_id, checkout_url) = shop.create_session(reference, return_url).await?;
    let browser = Browser::start().await?;
    within("opening the checkout", browser.client.goto(&checkout_url)).await?;
    check_order_page(&browser, &session_id, reference).await?;
    Ok((session_id, checkout_url, browser))
}

// ---------------------------------------------------------------- the tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_with_a_test_card_and_land_on_the_return_url() -> Result<()> {
    let (sandbox, shop) = Shop::on_a_new_sandbox().await?;
    let receiver = Receiver::start().await?;
    let reference = "POS1-20260512-0042";
    let (session_id, checkout_url, browser) =
        open_checkout(&shop, reference, &receiver.return_url).await?;
    ensure!(checkout_url == format!("{}/v1/view/{session_id}", sandbox.base_url()));
    browser.type_card("4000 0000 0000 0002").await?;
    browser.screenshot("sandbox-checkout").await?;
    // Customers often pay on a phone (a QR code of the url): the page fits a narrow screen.
    within(
        "narrowing the window",
        browser.client.set_window_size(390, 844),
    )
    .await?;
    let overflow = within(
        "measuring the page width",
        browser.client.execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        ),
    )
    .await?;
    ensure!(
        overflow == json!(false),
        "the page scrolls sideways on a phone"
    );
    browser.screenshot("sandbox-checkout-phone").await?;
    within(
        "restoring the window",
        browser.client.set_window_size(1024, 900),
    )
    .await?;
    browser.click("button.pay").await?;

    let (landed, params) = browser.returned_to(&receiver.return_url, reference).await?;
    ensure!(param(&params, "error").is_none(), "{landed}");
    let transaction_id = param(&params, "transaction_id")
        .context("transaction_id")?
        .to_owned();
    ensure!(transaction_id.starts_with("T12345678."), "{transaction_id}");
    ensure!(browser.text("h1").await? == "thanks");
    let returns = receiver.returns();
    ensure!(returns.len() == 1, "the shop saw {returns:?}");
    ensure!(
        returns[0].contains(&format!("transaction_id={transaction_id}")),
        "{returns:?}"
    );

    let tx = shop
        .get(&format!("/v1/transactions/{transaction_id}"))
        .await?;
    ensure!(tx["status"] == "AUTHORIZED", "{tx}");
    ensure!(tx["amount"] == 24800, "{tx}");
    ensure!(tx["merchant_reference"] == reference, "{tx}");
    ensure!(tx["session_id"] == session_id.as_str(), "{tx}");
    ensure!(tx["card"]["masked_pan"] == "400000******0002", "{tx}");
    let session = shop.get(&format!("/v1/sessions/{session_id}")).await?;
    ensure!(
        session["transaction_id"] == transaction_id.as_str(),
        "{session}"
    );
    let events: Vec<&str> = session["events"]
        .as_array()
        .context("session events")?
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    ensure!(
        events.contains(&"VISITED") && events.contains(&"AUTHORIZED"),
        "{events:?}"
    );

    // Back on the checkout page: it now says the order is paid, with a way back to the shop.
    let state = browser.reopened_state(&checkout_url).await?;
    ensure!(
        state == "This order is paid (status AUTHORIZED).",
        "{state:?}"
    );
    ensure!(
        browser
            .client
            .find(Locator::Css("button.pay"))
            .await
            .is_err(),
        "no Pay button any more"
    );
    browser.finish("sandbox-checkout-paid").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_returns_with_an_error() -> Result<()> {
    let (_sandbox, shop) = Shop::on_a_new_sandbox().await?;
    let receiver = Receiver::start().await?;
    let reference = "POS1-20260512-0043";
    let (session_id, checkout_url, browser) =
        open_checkout(&shop, reference, &receiver.return_url).await?;
    // 4100 0000 0000 0076: 3DS authentication required, declined (dintero-api.md §19).
    browser.type_card("4100000000000076").await?;
    browser.click("button.pay").await?;

    let (landed, params) = browser.returned_to(&receiver.return_url, reference).await?;
    ensure!(param(&params, "error") == Some("authorization"), "{landed}");
    ensure!(param(&params, "transaction_id").is_none(), "{landed}");
    ensure!(receiver.returns().len() == 1);

    // The shop finds the transaction through the session.
    let session = shop.get(&format!("/v1/sessions/{session_id}")).await?;
    let transaction_id = session["transaction_id"]
        .as_str()
        .context("transaction_id")?;
    let tx = shop
        .get(&format!("/v1/transactions/{transaction_id}"))
        .await?;
    ensure!(tx["status"] == "DECLINED", "{tx}");
    let authorize = tx["events"]
        .as_array()
        .context("events")?
        .iter()
        .find(|e| e["event"] == "AUTHORIZE")
        .context("AUTHORIZE event")?;
    ensure!(authorize["success"] == false, "{authorize}");

    let state = browser.reopened_state(&checkout_url).await?;
    ensure!(
        state == "The payment did not go through (status DECLINED).",
        "{state:?}"
    );
    browser.finish("sandbox-checkout-declined").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_returns_with_error_cancelled() -> Result<()> {
    let (sandbox, shop) = Shop::on_a_new_sandbox().await?;
    // This time the sandbox's own landing page stands in for the shop.
    let return_url = format!("{}/_sim/return", sandbox.base_url());
    let reference = "POS1-20260512-0044";
    let (session_id, _, browser) = open_checkout(&shop, reference, &return_url).await?;
    browser.click("button.cancel").await?;

    let (landed, params) = browser.returned_to(&return_url, reference).await?;
    ensure!(param(&params, "error") == Some("cancelled"), "{landed}");
    ensure!(param(&params, "transaction_id").is_none(), "{landed}");
    let headline = browser.text(".state").await?;
    ensure!(
        headline == "Payment not completed (error=cancelled)",
        "{headline:?}"
    );

    // No transaction; the session is cancelled, as Dintero's page does.
    let session = shop.get(&format!("/v1/sessions/{session_id}")).await?;
    ensure!(session["transaction_id"].is_null(), "{session}");
    ensure!(session["cancelled_at"].is_string(), "{session}");
    browser.finish("sandbox-return-cancelled").await
}
