//! The checkout page inside Dintero's Web SDK: the URL the SDK's `embed()` loads for a custom
//! endpoint (`/?sid=…&sdk=…`), the messages the page posts to the SDK for each state (read from
//! the JSON it carries), the form posts that answer the page instead of redirecting, and the
//! `embedResult/` page the SDK points the iframe at afterwards.

use crate::common::*;
use serde_json::Value;

/// The page at `path` (status, HTML).
async fn html(env: &Env, path: &str) -> (u16, String) {
    let resp = env.http.get(env.url(path)).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn post(env: &Env, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let resp = env
        .http
        .post(env.url(path))
        .form(form)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// The messages the page would post to the SDK (`None`: the page has no SDK script).
fn messages(html: &str) -> Option<Vec<Value>> {
    let start = html.find("id=\"dintero-sdk-messages\">")? + "id=\"dintero-sdk-messages\">".len();
    let end = start + html[start..].find("</script>")?;
    Some(serde_json::from_str(&html[start..end]).unwrap())
}

fn param(href: &Value, name: &str) -> Option<String> {
    let u = url::Url::parse(href.as_str().unwrap()).unwrap();
    u.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The SDK's iframe URL for a custom endpoint, as `embed()` builds it.
fn sdk_url(sid: &str, language: &str) -> String {
    format!("/?sdk=0.8.30&ui=inline&language={language}&sid={sid}&sdk_hostname=localhost")
}

#[tokio::test]
async fn the_sdks_iframe_shows_the_session_and_says_it_loaded() {
    let env = env().await;
    let sid = env.session_id(session_body("E-1")).await;
    let (status, page) = html(&env, &sdk_url(&sid, "no")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"no\""), "in the language asked");
    assert!(page.contains("248,00 NOK"));
    let m = messages(&page).expect("the SDK's messages");
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0]["type"], "SessionLoaded");
    assert_eq!(m[0]["sid"], sid.as_str());
    assert_eq!(m[0]["session"]["id"], sid.as_str());
    // Its forms stay embedded and in the language.
    assert!(page.contains(&format!(
        "action=\"/v1/view/{sid}/pay?language=no&embed=1\""
    )));
    assert!(page.contains(&format!(
        "action=\"/v1/view/{sid}/cancel?language=no&embed=1\""
    )));
    // Opening it counts as a visit, as the hosted page does.
    let (_, s) = env.get(&format!("/v1/sessions/{sid}")).await;
    assert!(events_of(&s).iter().any(|e| e["name"] == "VISITED"));
    // The script posts to its parent's origin only, never to any.
    assert!(page.contains("parentWindow.postMessage(m,origin)"));
    assert!(!page.contains("'*'"));
    // The hosted page, not embedded, has no script at all.
    let (_, hosted) = html(&env, &format!("/v1/view/{sid}")).await;
    assert!(messages(&hosted).is_none() && !hosted.contains("<script"));
}

#[tokio::test]
async fn paying_in_the_iframe_posts_authorized_with_the_transaction_and_the_return_url() {
    let env = env().await;
    let sid = env.session_id(session_body("E-2")).await;
    let (status, page) = post(
        &env,
        &format!("/v1/view/{sid}/pay?embed=1"),
        &[("card", "4000 0000 0000 0002")],
    )
    .await;
    assert_eq!(status, 200, "embedded: the page answers, no redirect");
    let m = messages(&page).unwrap();
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0]["type"], "SessionPaymentAuthorized");
    assert_eq!(m[0]["sid"], sid.as_str());
    assert_eq!(m[0]["merchant_reference"], "E-2");
    let tid = m[0]["transaction_id"].as_str().unwrap();
    assert_eq!(env.transaction(tid).await["status"], "AUTHORIZED");
    // `href` is the return URL as a redirect would give it, which the SDK follows without a
    // handler; the page's own link leaves the iframe for the window.
    assert_eq!(param(&m[0]["href"], "transaction_id").as_deref(), Some(tid));
    assert_eq!(
        param(&m[0]["href"], "merchant_reference").as_deref(),
        Some("E-2")
    );
    assert!(page.contains("target=\"_top\""));
    // The SDK then points the iframe at embedResult/: the same final word.
    let (status, result) = html(
        &env,
        &format!("/embedResult/?sid={sid}&merchant_reference=E-2&transaction_id={tid}&sdk=0.8.30"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(messages(&result).unwrap(), m);
}

#[tokio::test]
async fn a_failed_payment_and_a_cancel_in_the_iframe_post_their_events() {
    let env = env().await;
    for (card, error) in FAILING_CARDS {
        let sid = env.session_id(session_body("E-3")).await;
        let (status, page) = post(
            &env,
            &format!("/v1/view/{sid}/pay?embed=1"),
            &[("card", card)],
        )
        .await;
        assert_eq!(status, 200, "{card}");
        let m = messages(&page).unwrap();
        assert_eq!(m[0]["type"], "SessionPaymentError", "{card}");
        assert_eq!(m[0]["error"], error, "{card}");
        assert_eq!(param(&m[0]["href"], "error").as_deref(), Some(error));
    }
    let sid = env.session_id(session_body("E-4")).await;
    let (status, page) = post(&env, &format!("/v1/view/{sid}/cancel?embed=1"), &[]).await;
    assert_eq!(status, 200);
    let m = messages(&page).unwrap();
    assert_eq!(m[0]["type"], "SessionCancel");
    assert_eq!(param(&m[0]["href"], "error").as_deref(), Some("cancelled"));
    assert_eq!(
        param(&m[0]["href"], "merchant_reference").as_deref(),
        Some("E-4")
    );
    let (_, s) = env.get(&format!("/v1/sessions/{sid}")).await;
    assert!(s["cancelled_at"].is_string(), "{s}");
}

#[tokio::test]
async fn an_unknown_session_in_the_iframe_is_not_found() {
    let env = env().await;
    let (status, page) = html(&env, &sdk_url("T00000000.nope", "en")).await;
    assert_eq!(status, 404);
    let m = messages(&page).unwrap();
    assert_eq!(
        m,
        [serde_json::json!({"type": "SessionNotFound", "sid": "T00000000.nope"})]
    );
    // Without a session the root is no page at all (the API's 404).
    let (status, body) = html(&env, "/?sdk=0.8.30").await;
    assert_eq!(status, 404);
    assert!(messages(&body).is_none(), "{body}");
}
