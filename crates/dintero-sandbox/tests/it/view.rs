//! The hosted test checkout page: content, VISITED, pay and cancel form posts with their
//! 303 redirects to return_url, and the states it refuses payment in.

use crate::common::*;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::json;

async fn page(env: &Env, sid: &str, query: &str) -> (u16, String) {
    let resp = env
        .http
        .get(env.url(&format!("/v1/view/{sid}{query}")))
        .header("user-agent", "TestBrowser/1.0")
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    assert!(resp.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    (status, resp.text().await.unwrap())
}

async fn form_post(env: &Env, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    env.http
        .post(env.url(path))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The customer presses Pay on the page of session `sid` with `form`.
async fn pay_on_page(env: &Env, sid: &str, form: &[(&str, &str)]) -> reqwest::Response {
    form_post(env, &format!("/v1/view/{sid}/pay"), form).await
}

fn location(resp: &reqwest::Response) -> url::Url {
    url::Url::parse(resp.headers()[LOCATION].to_str().unwrap()).unwrap()
}

fn param(u: &url::Url, name: &str) -> Option<String> {
    u.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn new_session(env: &Env, reference: &str) -> String {
    env.session_id(session_body(reference)).await
}

#[tokio::test]
async fn page_shows_the_order_the_cards_and_the_buttons() {
    let env = env().await;
    let sid = new_session(&env, "V-1").await;
    let (s, html) = page(&env, &sid, "").await;
    assert_eq!(s, 200);
    assert!(html.contains("TEST / sandbox"));
    for text in [
        "Notatbok",
        "Kulepenn",
        "Gavepose",
        "178.00 NOK",
        "248.00 NOK",
        "V-1",
        "4000 0000 0000 0002",
        "4100 0000 0000 0076",
        "5200 0000 0000 0031",
    ] {
        assert!(html.contains(text), "page lacks {text}");
    }
    assert!(html.contains(&format!("action=\"/v1/view/{sid}/pay\"")));
    assert!(html.contains(&format!("action=\"/v1/view/{sid}/cancel\"")));
    assert!(html.contains("name=\"card\""));
    assert!(!html.contains("<script"), "no scripts");
    assert!(!html.contains("src=\"http"), "no external resources");
    let (_, no_banner) = page(&env, &sid, "?hide_test_message=true").await;
    assert!(!no_banner.contains("TEST / sandbox"));
    // two visits recorded, with the browser's user agent
    let (_, s) = env.get(&format!("/v1/sessions/{sid}")).await;
    let visits = events_of(&s)
        .iter()
        .filter(|e| e["name"] == "VISITED")
        .count();
    assert_eq!(visits, 2);
    assert_eq!(s["user_agent"], "TestBrowser/1.0");
    assert_eq!(s["customer_ip"], "127.0.0.1");
}

#[tokio::test]
async fn paying_redirects_to_return_url_with_dintero_parameters() {
    let env = env().await;
    let sid = new_session(&env, "V-2").await;
    let resp = pay_on_page(&env, &sid, &[("card", "4000 0000 0000 0002")]).await;
    assert_eq!(resp.status(), 303);
    let loc = location(&resp);
    assert_eq!(loc.host_str(), Some("kasse.example"));
    assert_eq!(loc.path(), "/return");
    assert_eq!(
        param(&loc, "till").as_deref(),
        Some("1"),
        "merchant's own parameter kept"
    );
    assert_eq!(param(&loc, "merchant_reference").as_deref(), Some("V-2"));
    let tid = param(&loc, "transaction_id").unwrap();
    assert!(param(&loc, "error").is_none());
    let tx = env.transaction(&tid).await;
    assert_eq!(tx["status"], "AUTHORIZED");
    assert_eq!(tx["session_id"], sid.as_str());
    // the page now says it is paid and offers no Pay button
    let (_, html) = page(&env, &sid, "").await;
    assert_closed_page(&html, "is paid");
    // paying again is refused on the page, with a message
    let resp = pay_on_page(&env, &sid, &[("card", "4000000000000002")]).await;
    assert_eq!(resp.status(), 400);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("already has transaction"));
}

#[tokio::test]
async fn failed_payments_redirect_with_error() {
    let env = env().await;
    for (card, error) in FAILING_CARDS {
        let sid = new_session(&env, "V-3").await;
        let resp = pay_on_page(&env, &sid, &[("card", card)]).await;
        assert_eq!(resp.status(), 303, "{card}");
        let loc = location(&resp);
        assert_eq!(param(&loc, "error").as_deref(), Some(error), "{card}");
        assert_eq!(param(&loc, "merchant_reference").as_deref(), Some("V-3"));
        assert!(param(&loc, "transaction_id").is_none());
    }
    // auto-capture that times out: error=capture with the transaction id
    let mut b = session_body("V-3b");
    b["configuration"]["auto_capture"] = json!(true);
    let sid = env.session_id(b).await;
    let resp = pay_on_page(&env, &sid, &[("card", "4100000000000035")]).await;
    let loc = location(&resp);
    assert_eq!(param(&loc, "error").as_deref(), Some("capture"));
    assert!(param(&loc, "transaction_id").is_some());
}

#[tokio::test]
async fn quick_card_buttons_and_unknown_cards() {
    let env = env().await;
    let sid = new_session(&env, "V-4").await;
    // the list's buttons post card=… too; an empty text field next to it is ignored
    let resp = pay_on_page(&env, &sid, &[("card", "5200000000000007"), ("card", "")]).await;
    assert_eq!(resp.status(), 303);
    let sid = new_session(&env, "V-5").await;
    let resp = pay_on_page(&env, &sid, &[("card", "1234")]).await;
    assert_eq!(resp.status(), 400);
    let html = resp.text().await.unwrap();
    assert!(html.contains("not a sandbox test card"));
    assert!(html.contains("/pay\""), "still payable");
    let resp = pay_on_page(&env, &sid, &[]).await;
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn cancel_redirects_with_error_cancelled() {
    let env = env().await;
    let sid = new_session(&env, "V-6").await;
    let resp = form_post(&env, &format!("/v1/view/{sid}/cancel"), &[]).await;
    assert_eq!(resp.status(), 303);
    let loc = location(&resp);
    assert_eq!(param(&loc, "error").as_deref(), Some("cancelled"));
    assert_eq!(param(&loc, "merchant_reference").as_deref(), Some("V-6"));
    assert_eq!(param(&loc, "till").as_deref(), Some("1"));
    // As Dintero's page does, the customer's cancel cancels the session: a read proves it and
    // the page takes no payment any more.
    let (s, session) = env.get(&format!("/v1/sessions/{sid}")).await;
    assert_eq!(s, 200);
    assert!(session["cancelled_at"].is_string(), "{session}");
    assert!(
        session.get("cancelled_by").is_none_or(|v| v.is_null()),
        "{session}"
    );
    let names: Vec<_> = events_of(&session)
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(names.last(), Some(&"CANCELLED"), "{session}");
    let resp = pay_on_page(&env, &sid, &[("card", "4000000000000002")]).await;
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn the_customers_cancel_voids_a_payment_they_had_started() {
    let env = env().await;
    let sid = new_session(&env, "V-6b").await;
    let (s, t) = env.pay(&sid, json!({"initiate_only": true})).await;
    assert_status(s, &t, 200, "INITIATED");
    let resp = form_post(&env, &format!("/v1/view/{sid}/cancel"), &[]).await;
    assert_eq!(resp.status(), 303);
    let tx = env.transaction(t["id"].as_str().unwrap()).await;
    assert_eq!(tx["status"], "AUTHORIZATION_VOIDED", "{tx}");
}

#[tokio::test]
async fn cancelled_expired_and_unknown_sessions() {
    let env = env().await;
    let sid = new_session(&env, "V-7").await;
    env.cancel_session(&sid).await;
    let (s, html) = page(&env, &sid, "").await;
    assert_eq!(s, 200);
    assert_closed_page(&html, "cancelled by the shop");
    let resp = pay_on_page(&env, &sid, &[("card", "4000000000000002")]).await;
    assert_eq!(resp.status(), 400);
    let resp = form_post(&env, &format!("/v1/view/{sid}/cancel"), &[]).await;
    assert_eq!(resp.status(), 400);

    let (s, html) = page(&env, "T12345678.nope", "").await;
    assert_eq!(s, 404);
    assert!(html.contains("not found"));
    let resp = form_post(
        &env,
        "/v1/view/T12345678.nope/pay",
        &[("card", "4000000000000002")],
    )
    .await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn merchant_text_is_escaped() {
    let env = env().await;
    let mut b = session_body("<script>alert(1)</script>");
    b["order"]["items"][0]["description"] = json!("<b>bold</b> & \"quoted\"");
    let sid = env.session_id(b).await;
    let (_, html) = page(&env, &sid, "").await;
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;"));
}

#[tokio::test]
async fn return_landing_page_and_on_hold_page() {
    let env = env().await;
    let mut b = session_body("V-8");
    b["url"]["return_url"] = json!(format!("{}/_sim/return", env.base));
    let sid = env.session_id(b).await;
    let resp = pay_on_page(&env, &sid, &[("card", "4000000000000002")]).await;
    let loc = resp.headers()[LOCATION].to_str().unwrap().to_owned();
    let landing = env.http.get(&loc).send().await.unwrap();
    assert_eq!(landing.status(), 200);
    let html = landing.text().await.unwrap();
    assert!(html.contains("Payment completed"));
    assert!(html.contains("transaction_id"));
    let html = env
        .get_text("/_sim/return?merchant_reference=V-9&error=cancelled")
        .await;
    assert!(html.contains("Payment not completed (error=cancelled)"));

    let sid = new_session(&env, "V-10").await;
    env.pay(&sid, json!({"card": "4000000000000002", "on_hold": true}))
        .await;
    let (_, html) = page(&env, &sid, "").await;
    assert_closed_page(&html, "on hold");
}

/// Issue 16, defect 9: the page speaks the view URL's `language` (Norwegian for `no`/`nb`,
/// Swedish for `sv`, English otherwise), and its forms carry it on, so a refused payment
/// answers in the same language; amounts take the language's decimal separator (issue 14).
#[tokio::test]
async fn the_page_follows_the_sessions_language() {
    let env = env().await;
    let sid = env.session_id(session_body("R-LANG")).await;
    for (query, lang, words) in [
        (
            "?language=no",
            "no",
            [
                "Totalt",
                "Betal 248,00 NOK",
                "Avbryt betalingen",
                "Testkortnummer",
            ],
        ),
        (
            "?language=nb",
            "no",
            [
                "Totalt",
                "Betal 248,00 NOK",
                "Avbryt betalingen",
                "testkortene",
            ],
        ),
        (
            "?language=sv",
            "sv",
            [
                "Totalt",
                "Betala 248,00 NOK",
                "Avbryt betalningen",
                "testkorten",
            ],
        ),
        (
            "",
            "en",
            [
                "Total",
                "Pay 248.00 NOK",
                "Cancel payment",
                "Test card number",
            ],
        ),
        (
            "?language=xx",
            "en",
            ["Total", "Pay 248.00 NOK", "Cancel payment", "test cards"],
        ),
    ] {
        let (status, html) = page(&env, &sid, query).await;
        assert_eq!(status, 200);
        assert!(
            html.contains(&format!("<html lang=\"{lang}\">")),
            "{query}: {html}"
        );
        for w in words {
            assert!(html.contains(w), "{query}: {w:?} missing");
        }
        if lang == "en" {
            assert!(!html.contains("?language="), "{query}");
        } else {
            assert!(html.contains(&format!("/pay?language={lang}\"")), "{query}");
            assert!(
                html.contains(&format!("/cancel?language={lang}\"")),
                "{query}"
            );
        }
    }
    // An unknown card refused on the Norwegian page: the page comes back in Norwegian.
    let resp = form_post(
        &env,
        &format!("/v1/view/{sid}/pay?language=no"),
        &[("card", "1234")],
    )
    .await;
    assert!(resp.status().is_client_error());
    let html = resp.text().await.unwrap();
    assert!(html.contains("<html lang=\"no\">") && html.contains("Avbryt betalingen"));
}
