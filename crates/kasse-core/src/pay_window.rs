//! The "Pay here" window: where it may go (the checkout's own origin, and the return URL, which
//! ends the payment in the window; anything else is refused, so the counter's window cannot be
//! turned into a browser), and how long it lives (it belongs to one sale and closes as soon as
//! the customer can no longer pay that sale in it, or the counter leaves that sale).

use url::Url;

use crate::sale::SaleStatus;

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

/// Decides a navigation of the pay window opened at `checkout` to `to`, with the shop's
/// `return_url`.
pub fn decide(checkout: &Url, return_url: &str, to: &Url) -> Navigation {
    if is_return(return_url, to) {
        Navigation::Returned
    } else if to.origin() == checkout.origin() && matches!(to.scheme(), "https" | "http") {
        Navigation::Allow
    } else {
        Navigation::Refuse
    }
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
    fn the_window_stays_within_the_checkout_and_ends_at_the_return_url() {
        let checkout = url("https://checkout.dintero.com/v1/view/T123?language=nb");
        let ret = "https://kasse.local/return";
        let decide = |to: &str| decide(&checkout, ret, &url(to));
        assert_eq!(
            decide("https://checkout.dintero.com/v1/view/T123/pay"),
            Navigation::Allow
        );
        assert_eq!(
            decide("https://kasse.local/return?transaction_id=T1&merchant_reference=K1"),
            Navigation::Returned
        );
        for elsewhere in [
            "https://evil.example/checkout.dintero.com",
            "http://checkout.dintero.com/v1/view/T123",
            "https://checkout.dintero.com:8443/v1/view/T123",
            "https://checkout.dintero.com.evil.example/",
            "https://kasse.local/other",
            "https://kasse.local.evil.example/return",
            "file:///etc/passwd",
            "javascript:alert(1)",
        ] {
            assert_eq!(decide(elsewhere), Navigation::Refuse, "{elsewhere}");
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
        let checkout = url("http://127.0.0.1:8080/v1/view/T1");
        assert_eq!(
            decide(
                &checkout,
                "not a url",
                &url("http://127.0.0.1:8080/v1/view/T1")
            ),
            Navigation::Allow
        );
        assert_eq!(
            decide(&checkout, "", &url("https://example.com/")),
            Navigation::Refuse
        );
    }
}
