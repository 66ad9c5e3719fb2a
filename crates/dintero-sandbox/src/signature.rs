//! `Dintero-Signature` for callbacks, exactly as dintero-api.md §16.5 describes it.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use url::Url;

/// The signed payload: `t\naccount\nMETHOD\nhostname\npathname\nsorted-query`.
pub fn payload(timestamp: i64, account_id: &str, method: &str, url: &Url) -> String {
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    // Stable: duplicate names keep their relative order.
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!(
        "{timestamp}\n{account_id}\n{method}\n{}\n{}\n{query}",
        url.host_str().unwrap_or(""),
        url.path()
    )
}

/// The header value `t=<unix seconds>,v0-hmac-sha256=<hex>`.
pub fn header_value(
    secret: &str,
    timestamp: i64,
    account_id: &str,
    method: &str,
    url: &Url,
) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(payload(timestamp, account_id, method, url).as_bytes());
    let sig = hex::encode(mac.finalize().into_bytes());
    format!("t={timestamp},v0-hmac-sha256={sig}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dintero's published example, then the callback example of dintero-api.md: (secret,
    /// timestamp, account, URL of a GET, payload, header).
    const VECTORS: [(&str, i64, &str, &str, &str, &str); 2] = [
        (
            "123",
            1582236537,
            "P00000000",
            "https://example.com/callback?B=123&A=992",
            "1582236537\nP00000000\nGET\nexample.com\n/callback\nA=992&B=123",
            "t=1582236537,v0-hmac-sha256=6bed2ab1b919d460ef7465a20dc6c97260dca73fab6647106ca525f0908df64a",
        ),
        (
            "demo-signature-secret",
            1778581005,
            "T11223344",
            "https://pos-backend.example.no/dintero/callback?method=GET&report_error=true&report_event=CAPTURE&report_event=REFUND&report_event=VOID&transaction_id=T11223344.5Hn8TfQw3ZpYbKc6vRm2Ga&session_id=T11223344.4Xk9mPq2RtVbN7cYhJ3sWd&merchant_reference=POS1-20260512-0042&time=2026-05-12T10%3A16%3A40.512Z",
            "1778581005\nT11223344\nGET\npos-backend.example.no\n/dintero/callback\nmerchant_reference=POS1-20260512-0042&method=GET&report_error=true&report_event=CAPTURE&report_event=REFUND&report_event=VOID&session_id=T11223344.4Xk9mPq2RtVbN7cYhJ3sWd&time=2026-05-12T10%3A16%3A40.512Z&transaction_id=T11223344.5Hn8TfQw3ZpYbKc6vRm2Ga",
            "t=1778581005,v0-hmac-sha256=73c098040ea4acdcb6435982e2546338574683f64a3474d656a427306e11adcc",
        ),
    ];

    #[test]
    fn published_vectors() {
        for (secret, t, account, url, expected_payload, expected_header) in VECTORS {
            let url = Url::parse(url).unwrap();
            assert_eq!(
                payload(t, account, "GET", &url),
                expected_payload,
                "{account}"
            );
            let header = header_value(secret, t, account, "GET", &url);
            assert_eq!(header, expected_header, "{account}");
        }
    }

    #[test]
    fn port_is_not_part_of_the_hostname_and_spaces_become_plus() {
        let url = Url::parse("http://127.0.0.1:9999/cb?b=a%20b&a=%2A").unwrap();
        assert_eq!(
            payload(1, "T12345678", "POST", &url),
            "1\nT12345678\nPOST\n127.0.0.1\n/cb\na=*&b=a+b"
        );
        let empty = Url::parse("https://x.example/cb").unwrap();
        assert!(payload(1, "T1", "GET", &empty).ends_with("\n/cb\n"));
    }
}
