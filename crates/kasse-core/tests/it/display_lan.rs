//! The customer display on the shop's network, over HTTP as a tablet reads it: nothing without
//! the pairing code, wrong codes refused and then locked out, the view and its live updates
//! after pairing, and a new code unpairing the tablet.

use std::sync::Arc;
use std::time::Duration;

use kasse_core::clock::ManualClock;
use kasse_core::display::lan::{serve, Asset, Assets, LanDisplay, COOKIE, ENTRY};
use kasse_core::display::{Basket, Hub};
use kasse_core::money::{Currency, Quantity, VatRate};
use kasse_core::order::{LineInput, OrderInput};
use reqwest::StatusCode;
use serde_json::{json, Value};

const PAGE: &str = "<!doctype html><title>display</title>";
const SCRIPT: &str = "console.log('display')";

/// The page as the shell hands it: its entry and one script under `assets/`.
fn assets() -> Assets {
    Arc::new(|path: &str| {
        let (body, mime) = match path {
            ENTRY => (PAGE, "text/html"),
            "assets/tablet.js" => (SCRIPT, "text/javascript"),
            _ => return None,
        };
        Some(Asset {
            bytes: body.as_bytes().to_vec(),
            mime: mime.into(),
        })
    })
}

async fn server() -> (Hub, Arc<ManualClock>, LanDisplay, String) {
    let hub = Hub::new();
    let clock = Arc::new(ManualClock::at_unix_ms(1_800_000_000_000));
    let lan = serve(
        hub.clone(),
        clock.clone(),
        "127.0.0.1:0".parse().unwrap(),
        assets(),
    )
    .await
    .unwrap();
    let base = format!("http://{}", lan.local_addr());
    (hub, clock, lan, base)
}

async fn pair(http: &reqwest::Client, base: &str, code: &str) -> reqwest::Response {
    http.post(format!("{base}/pair"))
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap()
}

/// `GET base + path` with the tablet's cookie.
async fn get(http: &reqwest::Client, url: String, cookie: &str) -> reqwest::Response {
    http.get(url).header("cookie", cookie).send().await.unwrap()
}

fn coffee() -> Basket {
    let order = OrderInput {
        currency: None,
        lines: vec![LineInput::new(
            "Coffee",
            Quantity::whole(2).unwrap(),
            3900,
            VatRate::from_percent(25).unwrap(),
        )],
        discount: None,
    }
    .price(Currency::Nok)
    .unwrap();
    Basket::of(&order, |_| None)
}

/// The next server-sent event's data, as JSON.
async fn next_event(events: &mut reqwest::Response, buffer: &mut String) -> Value {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) {
                return serde_json::from_str(data.trim()).unwrap();
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(15), events.chunk())
            .await
            .expect("an event within 15 s")
            .unwrap()
            .expect("the stream goes on");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn a_tablet_sees_nothing_but_the_page_until_it_pairs_then_follows_the_view_live() {
    let (hub, _clock, lan, base) = server().await;
    let http = reqwest::Client::new();

    // Without the code: the page (to type it), nothing else.
    let page = http.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    assert_eq!(page.text().await.unwrap(), PAGE);
    let script = http
        .get(format!("{base}/assets/tablet.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert_eq!(script.headers()["content-type"], "text/javascript");
    assert_eq!(script.text().await.unwrap(), SCRIPT);
    for path in [
        "/assets/other.js",
        "/assets/../tablet.html",
        "/assets/.hidden",
        "/tablet.html",
    ] {
        let r = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    for path in ["/view", "/events"] {
        let r = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        let forged = get(&http, format!("{base}{path}"), &format!("{COOKIE}=00")).await;
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let other = http.get(format!("{base}/_sim/reset")).send().await.unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);

    // A wrong code is refused; the right one gives a session cookie.
    let wrong = if lan.code() == "000000" {
        "111111"
    } else {
        "000000"
    };
    assert_eq!(
        pair(&http, &base, wrong).await.status(),
        StatusCode::FORBIDDEN
    );
    let paired = pair(&http, &base, &lan.code()).await;
    assert_eq!(paired.status(), StatusCode::NO_CONTENT);
    let set = paired.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();

    let view: Value = get(&http, format!("{base}/view"), &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["phase"], "idle");

    // Live: the view now, then the cart as the counter adds it.
    let mut events = get(&http, format!("{base}/events"), &cookie).await;
    assert_eq!(events.status(), StatusCode::OK);
    let mut buffer = String::new();
    assert_eq!(next_event(&mut events, &mut buffer).await["phase"], "idle");
    hub.cart(Some(coffee()));
    let cart = next_event(&mut events, &mut buffer).await;
    assert_eq!(cart["phase"], "cart");
    assert_eq!(cart["lines"][0]["description"], "Coffee");
    assert_eq!(cart["totals"]["amount"], 7800);

    // A new code unpairs the tablet.
    lan.renew();
    let after = get(&http, format!("{base}/view"), &cookie).await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn guessing_the_code_is_locked_after_five_wrong_tries() {
    let (_hub, clock, lan, base) = server().await;
    let http = reqwest::Client::new();
    let right = lan.code();
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..kasse_core::display::pairing::MAX_WRONG {
        assert_eq!(
            pair(&http, &base, wrong).await.status(),
            StatusCode::FORBIDDEN
        );
    }
    let locked = pair(&http, &base, &right).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.headers()["retry-after"], "60");
    clock.advance(time::Duration::try_from(kasse_core::display::pairing::LOCKOUT).unwrap());
    assert_eq!(
        pair(&http, &base, &right).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn turning_the_server_off_ends_a_tablets_stream() {
    let (_hub, _clock, lan, base) = server().await;
    let http = reqwest::Client::new();
    let paired = pair(&http, &base, &lan.code()).await;
    let set = paired.headers()["set-cookie"].to_str().unwrap().to_owned();
    let cookie = set.split(';').next().unwrap().to_owned();
    let mut events = get(&http, format!("{base}/events"), &cookie).await;
    let mut buffer = String::new();
    assert_eq!(next_event(&mut events, &mut buffer).await["phase"], "idle");
    drop(lan);
    let end = tokio::time::timeout(Duration::from_secs(15), events.chunk())
        .await
        .expect("the stream ends within 15 s");
    assert!(matches!(end, Ok(None) | Err(_)), "{end:?}");
}
