//! The checkout page inside Dintero's Web SDK (`@dintero/checkout-web-sdk`): the SDK's `embed()`
//! loads `{endpoint}/?sid=…&sdk=…` in an iframe and listens for messages from it. This module
//! says which messages the page posts for the state it shows (dintero-api.md §17: the session
//! loaded, paid, on hold, failed, cancelled, not found; `href` the return URL the SDK follows
//! when the shop has no handler) and the small script that posts them, with the iframe's height.
//!
//! Origins: the page posts only to its parent's origin (`location.ancestorOrigins`, else the
//! referrer's), never to `*`, so no other page learns a transaction id. It asks for no
//! acknowledgement (no `mid`) and takes no message from its parent: nothing another page posts
//! into it changes anything. A page that cannot tell its parent's origin posts nothing: its
//! links still lead to the return URL.

use serde_json::{json, Value};

use crate::view::{escape, PageData, PageState};

/// The messages the page posts to the SDK for the state `d` shows, in order.
pub(crate) fn messages(d: &PageData) -> Vec<Value> {
    let sid = d.id.as_str();
    let loaded = json!({
        "type": "SessionLoaded",
        "sid": sid,
        "session": { "id": sid, "order": { "merchant_reference": d.merchant_reference } },
    });
    match &d.state {
        PageState::Open | PageState::Paying => vec![loaded],
        PageState::Paid {
            transaction_id,
            continue_url,
            ..
        } => vec![json!({
            "type": "SessionPaymentAuthorized",
            "sid": sid,
            "transaction_id": transaction_id,
            "merchant_reference": d.merchant_reference,
            "href": continue_url,
        })],
        PageState::OnHold {
            transaction_id,
            continue_url,
        } => vec![json!({
            "type": "SessionPaymentOnHold",
            "sid": sid,
            "transaction_id": transaction_id,
            "merchant_reference": d.merchant_reference,
            "href": continue_url,
        })],
        PageState::Failed {
            error,
            continue_url,
            ..
        } => vec![json!({
            "type": "SessionPaymentError",
            "sid": sid,
            "error": error,
            "href": continue_url,
        })],
        PageState::Cancelled => vec![json!({
            "type": "SessionCancel",
            "sid": sid,
            "href": d.cancel_url,
        })],
        PageState::Expired => not_found(sid),
    }
}

/// The messages for a session the page does not know (or no longer shows).
pub(crate) fn not_found(sid: &str) -> Vec<Value> {
    vec![json!({ "type": "SessionNotFound", "sid": sid })]
}

/// The element that carries the messages as JSON (read by the script, and by tests).
pub(crate) const MESSAGES_ID: &str = "dintero-sdk-messages";

/// Posts `messages` to the parent (after a height message), as described in the module comment.
pub(crate) fn script(messages: &[Value]) -> String {
    // JSON inside <script type="application/json"> is not HTML-escaped, but "</" must not
    // close the element early.
    let data = Value::Array(messages.to_vec())
        .to_string()
        .replace("</", "<\\/");
    format!(
        "<script type=\"application/json\" id=\"{id}\">{data}</script><script>{POST}</script>",
        id = escape(MESSAGES_ID),
    )
}

const POST: &str = "(function(){\
var parentWindow=window.parent;if(!parentWindow||parentWindow===window)return;\
var origin=null;try{if(location.ancestorOrigins&&location.ancestorOrigins.length){origin=location.ancestorOrigins[0];}\
else if(document.referrer){origin=new URL(document.referrer).origin;}}catch(e){origin=null;}\
if(!origin||origin==='null')return;\
var messages=JSON.parse(document.getElementById('dintero-sdk-messages').textContent);\
var sid=messages.length?messages[0].sid:null;\
function post(m){try{parentWindow.postMessage(m,origin);}catch(e){}}\
function height(){post({type:'HeightChanged',sid:sid,height:document.documentElement.scrollHeight});}\
height();window.addEventListener('resize',height);\
messages.forEach(post);\
})();";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_messages_cannot_close_their_element() {
        let html = script(&[json!({"type": "SessionNotFound", "sid": "</script><b>"})]);
        assert_eq!(html.matches("</script>").count(), 2, "{html}");
    }

    #[test]
    fn the_script_never_posts_to_any_origin() {
        assert!(!POST.contains("'*'") && !POST.contains("\"*\""));
        assert!(POST.contains("parentWindow.postMessage(m,origin)"));
        assert!(!POST.contains("addEventListener('message'"));
        assert!(POST.contains(MESSAGES_ID));
    }
}
