//! The query parameters Dintero appends to `return_url` (and to `callback_url`).

use url::Url;

dintero_enum! {
    /// Why a checkout ended without a payment (`error` on return/callback URLs).
    pub enum CheckoutError {
        /// The customer cancelled.
        Cancelled => "cancelled",
        /// The customer failed to authorize.
        Authorization => "authorization",
        /// Rejected by Dintero or a processing error.
        Failed => "failed",
        /// Capture failed (spec, with `transaction_id`).
        Capture => "capture",
        /// Auto-capture failed (seen in Dintero's WooCommerce plugin).
        Captured => "captured",
    }
}

/// Parameters Dintero appends when it sends the browser to `return_url`, or calls
/// `callback_url`. Never book a sale on them alone: re-read the transaction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RedirectParams {
    /// `merchant_reference`.
    pub merchant_reference: Option<String>,
    /// `transaction_id`, when a transaction was completed.
    pub transaction_id: Option<String>,
    /// `session_id` (or `sid`).
    pub session_id: Option<String>,
    /// `error`: why no payment happened. Unknown values are failures too.
    pub error: Option<CheckoutError>,
    /// `event` (callbacks with `report_event`), e.g. `CAPTURE`.
    pub event: Option<String>,
    /// `event_id` (callbacks with `report_event`).
    pub event_id: Option<String>,
    /// `time` (callbacks): when the transaction was created, as sent.
    pub time: Option<String>,
}

impl RedirectParams {
    /// Reads the parameters of a full URL. Returns `None` if `url` is not a URL.
    pub fn from_url(url: &str) -> Option<Self> {
        let url = Url::parse(url).ok()?;
        Some(Self::from_pairs(url.query_pairs()))
    }

    /// Reads the parameters of a query string (without `?`).
    pub fn from_query(query: &str) -> Self {
        Self::from_pairs(url::form_urlencoded::parse(
            query.trim_start_matches('?').as_bytes(),
        ))
    }

    fn from_pairs<'a>(
        pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
    ) -> Self {
        let mut params = Self::default();
        for (name, value) in pairs {
            let value = value.into_owned();
            match name.as_ref() {
                "merchant_reference" => params.merchant_reference = Some(value),
                "transaction_id" => params.transaction_id = Some(value),
                "session_id" | "sid" => params.session_id = Some(value),
                "error" => params.error = Some(CheckoutError::from(value)),
                "event" => params.event = Some(value),
                "event_id" => params.event_id = Some(value),
                "time" => params.time = Some(value),
                _ => {}
            }
        }
        params
    }

    /// Whether the checkout reported a failure (`error` present).
    pub fn is_error(&self) -> bool {
        self.error.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dintero_return_urls() {
        let ok = RedirectParams::from_url(
            "https://kasse.example.no/takk?gateway=dintero&merchant_reference=POS1-20260512-0042&transaction_id=T11223344.5Hn8TfQw3ZpYbKc6vRm2Ga",
        )
        .unwrap();
        assert_eq!(ok.merchant_reference.as_deref(), Some("POS1-20260512-0042"));
        assert_eq!(
            ok.transaction_id.as_deref(),
            Some("T11223344.5Hn8TfQw3ZpYbKc6vRm2Ga")
        );
        assert!(!ok.is_error());

        let cancelled = RedirectParams::from_url(
            "https://kasse.example.no/takk?merchant_reference=POS1-20260512-0043&error=cancelled",
        )
        .unwrap();
        assert_eq!(cancelled.error, Some(CheckoutError::Cancelled));
        assert!(cancelled.transaction_id.is_none());

        let callback = RedirectParams::from_query(
            "?method=GET&transaction_id=T1.x&sid=T1.s&merchant_reference=R&time=2026-05-12T10%3A16%3A40.512Z&event=CAPTURE&event_id=e1&error=brand_new",
        );
        assert_eq!(callback.session_id.as_deref(), Some("T1.s"));
        assert_eq!(callback.time.as_deref(), Some("2026-05-12T10:16:40.512Z"));
        assert_eq!(callback.event.as_deref(), Some("CAPTURE"));
        assert_eq!(
            callback.error,
            Some(CheckoutError::Other("brand_new".into()))
        );
        assert!(RedirectParams::from_url("not a url").is_none());
    }
}
