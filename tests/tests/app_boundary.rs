//! The app's boundary, in the real app (`target/debug/kasse`, demo mode) driven
//! through WebKitWebDriver under Xvfb, from inside its main window:
//!
//! * commands the capability does not grant are refused by Tauri — core plugin commands
//!   (`plugin:window|close`, `plugin:event|emit`, `plugin:webview|create_webview_window`) and
//!   a command that does not exist — and the window is still there afterwards;
//! * the content security policy blocks an inline `<script>`, an inline event handler,
//!   `eval`, and a remote `<script src>` (served by this test on loopback: it never receives
//!   the request), each reported by a `securitypolicyviolation` event;
//! * IPC input is checked by the core's own rules: a bad quantity or VAT rate through
//!   `invoke('price_order')` comes back as `{code: "invalid_input"}` naming the field.
//!
//! Build the app first (`cargo build -p kasse`; `cargo xtask test` does it).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::Result;
use fantoccini::Client;
use kasse_e2e::within;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn launch() -> Result<kasse_e2e::KasseApp> {
    kasse_e2e::launch_kasse("boundary").await
}

/// `invoke(cmd, args)` from the page: `{ok: true, value}` or `{ok: false, error}` (a string
/// from Tauri, or the command's `{code, message}`).
async fn try_invoke(c: &Client, cmd: &str, args: Value) -> Result<Value> {
    within(
        &format!("invoking {cmd}"),
        c.execute_async(
            r#"const done = arguments[arguments.length - 1];
               window.__TAURI__.core.invoke(arguments[0], arguments[1]).then(
                 (value) => done({ ok: true, value: value === undefined ? null : value }),
                 (e) => done({ ok: false, error: (e && typeof e === 'object' && !(e instanceof Error)) ? e : String(e) }));"#,
            vec![json!(cmd), args],
        ),
    )
    .await
}

/// A loopback HTTP server that answers every request with a script that would mark the page,
/// counting the requests it gets.
async fn script_server() -> Result<(String, Arc<AtomicUsize>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/evil.js", listener.local_addr()?);
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let _ = socket.read(&mut buf).await;
                let body = "window.__remoteRan = true;";
                let _ = socket
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/javascript\r\naccess-control-allow-origin: *\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .await;
            });
        }
    });
    Ok((url, hits))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_not_granted_are_refused_csp_blocks_scripts_and_input_is_checked_by_the_core(
) -> Result<()> {
    let app = launch().await?;
    let c = &app.client;

    // A granted command works (the baseline).
    let info = try_invoke(c, "app_info", json!({})).await?;
    assert_eq!(info["ok"], true, "{info}");
    assert_eq!(info["value"]["mode"], "demo");

    // (a) Not granted: refused, and nothing happened.
    for (cmd, args) in [
        ("plugin:window|close", json!({"label": "main"})),
        (
            "plugin:webview|create_webview_window",
            json!({"options": {"label": "evil", "url": "https://example.com"}}),
        ),
        (
            "plugin:event|emit",
            json!({"event": "sale-changed", "payload": {}}),
        ),
        ("not_a_command", json!({})),
    ] {
        let r = try_invoke(c, cmd, args).await?;
        assert_eq!(r["ok"], false, "{cmd} should be refused: {r}");
        let error = r["error"].to_string();
        assert!(
            error.contains("not allowed") || error.contains("not found"),
            "{cmd}: {error}"
        );
        println!("refused {cmd}: {error}");
    }
    let handles = within("windows", c.windows()).await?;
    assert_eq!(
        handles.len(),
        1,
        "the window is still there, and no new one"
    );
    let still = try_invoke(c, "app_info", json!({})).await?;
    assert_eq!(still["ok"], true);

    // (b) The CSP.
    let (url, hits) = script_server().await?;
    let csp = within(
        "injecting scripts",
        c.execute_async(
            r#"const [url, done] = [arguments[0], arguments[arguments.length - 1]];
               const violations = [];
               document.addEventListener('securitypolicyviolation', (e) =>
                 violations.push({ directive: e.violatedDirective, blocked: e.blockedURI }));
               window.__inlineRan = false; window.__attrRan = false; window.__remoteRan = false;
               let evalRan = false, evalError = null;
               const inline = document.createElement('script');
               inline.textContent = 'window.__inlineRan = true;';
               document.body.appendChild(inline);
               const img = document.createElement('img');
               img.setAttribute('onerror', 'window.__attrRan = true');
               img.src = 'data:,not-an-image';
               document.body.appendChild(img);
               try { eval('evalRan = true'); } catch (e) { evalError = String(e); }
               let remote = 'pending';
               const s = document.createElement('script');
               s.src = url;
               s.onload = () => { remote = 'loaded'; };
               s.onerror = () => { remote = 'error'; };
               document.body.appendChild(s);
               setTimeout(() => done({
                 inline: window.__inlineRan, attr: window.__attrRan, remoteRan: window.__remoteRan,
                 remote, evalRan, evalError, violations,
                 csp: (document.querySelector('meta[http-equiv="Content-Security-Policy"]') || {}).content || null,
               }), 1500);"#,
            vec![json!(url)],
        ),
    )
    .await?;
    println!("CSP: {csp}");
    assert_eq!(csp["inline"], false, "an inline script ran: {csp}");
    assert_eq!(csp["attr"], false, "an inline event handler ran: {csp}");
    assert_eq!(csp["evalRan"], false, "eval ran: {csp}");
    assert!(csp["evalError"].is_string(), "{csp}");
    assert_eq!(csp["remoteRan"], false, "a remote script ran: {csp}");
    assert_eq!(csp["remote"], "error", "{csp}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the remote script was not even fetched"
    );
    let violations = csp["violations"].as_array().cloned().unwrap_or_default();
    let blocked: Vec<String> = violations
        .iter()
        .map(|v| v["blocked"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(blocked.iter().any(|b| b == "inline"), "{csp}");
    assert!(blocked.iter().any(|b| b == "eval"), "{csp}");
    assert!(
        blocked
            .iter()
            .any(|b| b.starts_with(&url[..url.len() - "/evil.js".len()])),
        "{csp}"
    );
    assert!(
        violations.iter().all(|v| v["directive"]
            .as_str()
            .unwrap_or_default()
            .starts_with("script-src")),
        "{csp}"
    );

    // (c) Input through IPC meets the core's rules.
    let line = |quantity: &str, vat: &str| {
        json!({"order": {"currency": null, "lines": [
            {"description": "Coffee", "quantity": "1", "unit_price": 3900, "vat": "25", "product_id": null},
            {"description": "Apples", "quantity": quantity, "unit_price": 12990, "vat": vat, "product_id": null}]}})
    };
    for (q, vat, field) in [
        ("0", "25", "lines[2].quantity"),
        ("-1", "25", "lines[2].quantity"),
        ("0.0001", "25", "lines[2].quantity"),
        ("lots", "25", "lines[2].quantity"),
        ("1", "101", "lines[2].vat"),
        ("1", "12.345", "lines[2].vat"),
    ] {
        let r = try_invoke(c, "price_order", line(q, vat)).await?;
        assert_eq!(r["ok"], false, "quantity {q}, vat {vat}: {r}");
        assert_eq!(r["error"]["code"], "invalid_input", "{r}");
        let message = r["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(field),
            "quantity {q}, vat {vat}: {message}"
        );
    }
    let ok = try_invoke(c, "price_order", line("0.375", "15")).await?;
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(ok["value"]["amount"], 3900 + 4871);
    // And a charge with a bad line is refused before anything reaches Dintero.
    let r = try_invoke(c, "charge", line("0", "25")).await?;
    assert_eq!(r["error"]["code"], "invalid_input", "{r}");
    let parked = try_invoke(c, "parked", json!({})).await?;
    assert_eq!(parked["value"], json!([]), "nothing was charged: {parked}");
    let _ = app.client.close().await;
    Ok(())
}
