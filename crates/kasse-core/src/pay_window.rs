//! The "Pay here" window: Kasse's own page embedding the sale's checkout with Dintero's Web SDK
//! ([`Embed`]: the session, the SDK's endpoint and language, from the sale's checkout URL); where
//! it may go (Kasse's page, the checkout's origin for the SDK's iframe, and the return URL,
//! which ends the payment in the window; anything else is refused, so the counter's window
//! cannot be turned into a browser); what the SDK's events do (they wake the sale's watcher,
//! whose read decides: an event is not proof); and how long it lives (it belongs to one sale and
//! closes as soon as the customer can no longer pay that sale in it, or the counter leaves it).

use url::Url;

use crate::error::CoreError;
use crate::sale::{Sale, SaleStatus};

/// Whether the customer can still pay a sale in its checkout: it is waiting for them, or they
/// are paying. On hold, settled, unknown or not yet created: nothing to pay there.
pub fn payable(status: SaleStatus) -> bool {
    matches!(status, SaleStatus::Waiting | SaleStatus::Paying)
}

/// What the counter learnt or did that may end a pay window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment<'a> {
    /// A sale is now logged with this status.
    SaleChanged {
        sale_id: &'a str,
        status: SaleStatus,
    },
    /// The counter stopped showing a sale's charge: parked, or moved on to another screen.
    CounterLeft { sale_id: &'a str },
    /// The customer finished in a sale's pay window (it reached the return URL).
    Returned { sale_id: &'a str },
}

/// Whether the pay window opened for `window_sale` must close at `moment`: its own sale can no
/// longer be paid there (cancelled, settled, on hold…) or the counter left it. What happens to
/// other sales never touches it.
pub fn must_close(window_sale: &str, moment: Moment<'_>) -> bool {
    match moment {
        Moment::SaleChanged { sale_id, status } => sale_id == window_sale && !payable(status),
        Moment::CounterLeft { sale_id } | Moment::Returned { sale_id } => sale_id == window_sale,
    }
}

/// What the pay window's page needs to embed a sale's checkout with the Web SDK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    /// Kasse's sale id (what the page's events name).
    pub sale_id: String,
    /// Dintero's session id (the SDK's `sid`).
    pub session_id: String,
    /// The SDK's `endpoint`: the origin of the sale's checkout URL (`https://checkout.dintero.com`
    /// for Dintero, the simulator's base in demo mode), so the iframe comes from where the
    /// session's own `url` points and nowhere else.
    pub endpoint: String,
    /// The checkout's language as the sale's checkout URL asks for it (`no`, `sv`, `en`).
    pub language: Option<String>,
}

impl Embed {
    /// The embed of `sale`'s checkout, when the customer can still pay it here.
    pub fn of(sale: &Sale) -> Result<Embed, CoreError> {
        Embed::checkout(
            &sale.id,
            sale.status,
            sale.session_id.as_deref(),
            sale.checkout_url.as_deref(),
        )
    }

    /// The embed of sale `sale_id`'s checkout (session `session_id` at `checkout_url`).
    fn checkout(
        sale_id: &str,
        status: SaleStatus,
        session_id: Option<&str>,
        checkout_url: Option<&str>,
    ) -> Result<Embed, CoreError> {
        if !payable(status) {
            return Err(CoreError::InvalidState(format!(
                "the sale is already {status}"
            )));
        }
        let (Some(session_id), Some(url)) = (session_id, checkout_url) else {
            return Err(CoreError::InvalidState(
                "this sale has no checkout to open".into(),
            ));
        };
        let url = Url::parse(url)
            .map_err(|e| CoreError::InvalidState(format!("the checkout URL is not valid: {e}")))?;
        Ok(Embed {
            sale_id: sale_id.to_owned(),
            session_id: session_id.to_owned(),
            endpoint: endpoint(&url).ok_or_else(|| {
                CoreError::InvalidState("the checkout URL is not a web address".into())
            })?,
            language: url
                .query_pairs()
                .find(|(k, _)| k == "language")
                .map(|(_, v)| v.into_owned()),
        })
    }

    /// The query of the pay window's page (`sale`, `sid`, `endpoint`, `language`), encoded.
    pub fn page_query(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("sale", &self.sale_id)
            .append_pair("sid", &self.session_id)
            .append_pair("endpoint", &self.endpoint);
        if let Some(l) = &self.language {
            q.append_pair("language", l);
        }
        q.finish()
    }
}

/// The Web SDK's `endpoint` for a checkout at `checkout_url`: its origin, for http(s) only.
pub fn endpoint(checkout_url: &Url) -> Option<String> {
    matches!(checkout_url.scheme(), "https" | "http")
        .then(|| checkout_url.origin().ascii_serialization())
}

/// An event of the embedded checkout that wakes the sale's watcher: the Web SDK's names
/// (dintero-api.md §17). Their delivery is not guaranteed and they prove nothing: the
/// transaction the watcher reads decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckoutEvent {
    /// `SessionPaymentAuthorized`.
    Authorized,
    /// `SessionPaymentOnHold`.
    OnHold,
    /// `SessionPaymentError`.
    Error,
    /// `SessionCancel`.
    Cancelled,
    /// `SessionNotFound` (e.g. expired).
    NotFound,
}

impl CheckoutEvent {
    /// The event named `sdk_type` (the SDK's `event.type`); `None` for the SDK's other events,
    /// which say nothing about the payment.
    pub fn from_sdk(sdk_type: &str) -> Option<CheckoutEvent> {
        Some(match sdk_type {
            "SessionPaymentAuthorized" => CheckoutEvent::Authorized,
            "SessionPaymentOnHold" => CheckoutEvent::OnHold,
            "SessionPaymentError" => CheckoutEvent::Error,
            "SessionCancel" => CheckoutEvent::Cancelled,
            "SessionNotFound" => CheckoutEvent::NotFound,
            _ => return None,
        })
    }
}

/// What the pay window does with a navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Navigation {
    /// Within the checkout: go on.
    Allow,
    /// The return URL: the customer is done; confirm the payment and close the window.
    Returned,
    /// Anywhere else: stay where it is.
    Refuse,
}

/// Decides a navigation of the pay window showing Kasse's page `page` with the SDK's iframe
/// from `endpoint` ([`Embed::endpoint`]). The shell's navigation hook sees the iframe's loads as
/// well as the window's and cannot tell them apart, so both rules are one: Kasse's own page
/// (same origin and path, any query) or the checkout's origin (http(s) only) go on; the return
/// URL (where the SDK sends the window when no handler runs, and the page's fallback) ends
/// the payment; anything else is refused.
pub fn decide(page: &Url, endpoint: &str, return_url: &str, to: &Url) -> Navigation {
    let own_page = same_origin(to, page) && to.path() == page.path();
    let checkout = Url::parse(endpoint)
        .is_ok_and(|c| to.origin() == c.origin() && matches!(to.scheme(), "https" | "http"));
    if is_return(return_url, to) {
        Navigation::Returned
    } else if own_page || checkout {
        Navigation::Allow
    } else {
        Navigation::Refuse
    }
}

/// Whether two URLs share scheme, host and port: also for Kasse's own `tauri://` pages, whose
/// origin the URL standard leaves opaque (never equal to anything).
fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Whether `to` is the return URL: the same origin and path, with any query (Dintero adds the
/// transaction id and the outcome).
fn is_return(return_url: &str, to: &Url) -> bool {
    let Ok(ret) = Url::parse(return_url) else {
        return false;
    };
    ret.origin() == to.origin() && ret.path() == to.path()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn the_embed_page_goes_to_itself_and_the_checkout_origin_and_ends_at_the_return_url() {
        let page = url("tauri://localhost/pay.html?sale=S1&sid=T123");
        let ret = "https://kasse.local/return";
        let go = |to: &str| decide(&page, "https://checkout.dintero.com", ret, &url(to));
        for allowed in [
            "tauri://localhost/pay.html?sale=S1&sid=T123",
            "tauri://localhost/pay.html",
            "https://checkout.dintero.com/v1/view/T123?sdk=0.8.30&ui=inline",
            "https://checkout.dintero.com/embedResult/?sid=T123&transaction_id=T1",
        ] {
            assert_eq!(go(allowed), Navigation::Allow, "{allowed}");
        }
        assert_eq!(
            go("https://kasse.local/return?merchant_reference=K1&error=cancelled"),
            Navigation::Returned
        );
        for elsewhere in [
            "tauri://localhost/index.html",
            "tauri://localhost/",
            "tauri://evil/pay.html",
            "http://checkout.dintero.com/v1/view/T123",
            "https://checkout.dintero.com.evil.example/",
            "https://evil.example/pay.html",
            "https://kasse.local/other",
            "about:blank",
            "javascript:alert(1)",
            "file:///etc/passwd",
        ] {
            assert_eq!(go(elsewhere), Navigation::Refuse, "{elsewhere}");
        }
        // A demo's simulator on the loopback, its port part of the origin.
        let sim = |to: &str| decide(&page, "http://127.0.0.1:4010", ret, &url(to));
        assert_eq!(
            sim("http://127.0.0.1:4010/?sid=T1&sdk=0.8.30"),
            Navigation::Allow
        );
        assert_eq!(sim("http://127.0.0.1:4011/?sid=T1"), Navigation::Refuse);
        // An endpoint that is not a URL allows nothing but Kasse's page.
        let bad = |to: &str| decide(&page, "not a url", ret, &url(to));
        assert_eq!(bad("https://checkout.dintero.com/"), Navigation::Refuse);
        assert_eq!(bad("tauri://localhost/pay.html"), Navigation::Allow);
    }

    fn sale(status: SaleStatus, checkout: Option<&str>) -> Result<Embed, CoreError> {
        Embed::checkout("S1", status, Some("T1.abc"), checkout)
    }

    #[test]
    fn the_embed_comes_from_the_sales_checkout_url() {
        let e = sale(
            SaleStatus::Waiting,
            Some("https://checkout.dintero.com/v1/view/T1.abc?language=no"),
        )
        .unwrap();
        assert_eq!(e.endpoint, "https://checkout.dintero.com");
        assert_eq!(e.session_id, "T1.abc");
        assert_eq!(e.language.as_deref(), Some("no"));
        assert_eq!(
            e.page_query(),
            "sale=S1&sid=T1.abc&endpoint=https%3A%2F%2Fcheckout.dintero.com&language=no"
        );
        let sim = sale(
            SaleStatus::Paying,
            Some("http://127.0.0.1:4010/v1/view/T1.abc"),
        )
        .unwrap();
        assert_eq!(sim.endpoint, "http://127.0.0.1:4010");
        assert_eq!(sim.language, None);
        for (status, url) in [
            (
                SaleStatus::Authorized,
                Some("https://checkout.dintero.com/v1/view/T1"),
            ),
            (SaleStatus::Waiting, None),
            (SaleStatus::Waiting, Some("not a url")),
            (SaleStatus::Waiting, Some("file:///v1/view/T1")),
        ] {
            let e = sale(status, url).unwrap_err();
            assert_eq!(e.code(), "invalid_state", "{status} {url:?}");
        }
    }

    #[test]
    fn only_the_payment_events_of_the_sdk_wake_the_watcher() {
        for (sdk, event) in [
            ("SessionPaymentAuthorized", CheckoutEvent::Authorized),
            ("SessionPaymentOnHold", CheckoutEvent::OnHold),
            ("SessionPaymentError", CheckoutEvent::Error),
            ("SessionCancel", CheckoutEvent::Cancelled),
            ("SessionNotFound", CheckoutEvent::NotFound),
        ] {
            assert_eq!(CheckoutEvent::from_sdk(sdk), Some(event), "{sdk}");
        }
        for other in [
            "SessionLoaded",
            "HeightChanged",
            "sessionpaymentauthorized",
            "",
        ] {
            assert_eq!(CheckoutEvent::from_sdk(other), None, "{other}");
        }
    }

    #[test]
    fn the_window_closes_with_its_own_sale_and_only_its_own() {
        let changed = |sale_id, status| Moment::SaleChanged { sale_id, status };
        for status in [SaleStatus::Waiting, SaleStatus::Paying] {
            assert!(!must_close("S1", changed("S1", status)), "{status}");
        }
        for status in [
            SaleStatus::Cancelled,
            SaleStatus::Authorized,
            SaleStatus::Captured,
            SaleStatus::Declined,
            SaleStatus::Failed,
            SaleStatus::Expired,
            SaleStatus::OnHold,
            SaleStatus::Voided,
            SaleStatus::Unknown,
        ] {
            assert!(must_close("S1", changed("S1", status)), "{status}");
            assert!(
                !must_close("S1", changed("S2", status)),
                "another sale {status}"
            );
        }
        assert!(must_close("S1", Moment::CounterLeft { sale_id: "S1" }));
        assert!(!must_close("S1", Moment::CounterLeft { sale_id: "S2" }));
        assert!(must_close("S1", Moment::Returned { sale_id: "S1" }));
        assert!(!must_close("S1", Moment::Returned { sale_id: "S2" }));
    }

    #[test]
    fn only_a_waiting_or_paying_checkout_can_be_paid_here() {
        assert!(payable(SaleStatus::Waiting) && payable(SaleStatus::Paying));
        for status in [
            SaleStatus::Creating,
            SaleStatus::OnHold,
            SaleStatus::Unknown,
            SaleStatus::Cancelled,
            SaleStatus::Authorized,
        ] {
            assert!(!payable(status), "{status}");
        }
    }

    #[test]
    fn a_return_url_that_is_not_a_url_returns_nothing() {
        let page = url("tauri://localhost/pay.html");
        let endpoint = "http://127.0.0.1:8080";
        assert_eq!(
            decide(
                &page,
                endpoint,
                "not a url",
                &url("http://127.0.0.1:8080/?sid=T1")
            ),
            Navigation::Allow
        );
        assert_eq!(
            decide(&page, endpoint, "", &url("https://example.com/")),
            Navigation::Refuse
        );
    }
}
