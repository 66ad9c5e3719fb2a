//! Where the "Pay here" window may go: the checkout's own origin, and the return URL (which
//! ends the payment in the window). Anything else (a link in the page, a script sending the
//! counter elsewhere) is refused, so the counter's window cannot be turned into a browser.

use url::Url;

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
