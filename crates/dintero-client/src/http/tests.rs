//! The JSON reader against `serde_json::from_slice`, and the URLs built once against the
//! whole path joined to the base.

use serde::de::DeserializeOwned;
use url::Url;

use super::call::{decode_json, Collection};
use super::inner::{join, Inner};
use crate::config::{parse_base_url, Config};

#[test]
fn decoding_from_checked_text_equals_from_slice() {
    use crate::models::{Session, SessionCreated, Transaction};

    fn same<T: DeserializeOwned + PartialEq + std::fmt::Debug>(body: &[u8]) {
        let now = decode_json::<T>(body).map_err(|e| e.to_string());
        let before = serde_json::from_slice::<T>(body).map_err(|e| e.to_string());
        assert_eq!(now, before, "{}", String::from_utf8_lossy(body));
    }
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    for entry in std::fs::read_dir(fixtures).unwrap() {
        let body = std::fs::read(entry.unwrap().path()).unwrap();
        // Each fixture, cut short, with trailing bytes, and with bytes that are no UTF-8
        // inside a string and outside one.
        bodies.push(body[..body.len() / 2].to_vec());
        let mut trailing = body.clone();
        trailing.extend_from_slice(b" x");
        bodies.push(trailing);
        if let Some(quote) = body.iter().position(|&b| b == b'"') {
            let mut invalid = body.clone();
            invalid.insert(quote + 1, 0xff);
            bodies.push(invalid);
            let mut split = body.clone();
            split.insert(quote + 1, 0xc3);
            bodies.push(split);
        }
        let mut outside = body.clone();
        outside.insert(0, 0xfe);
        bodies.push(outside);
        bodies.push(body);
    }
    for text in [
        &br#"{"id":"T1.a","status":"AUTHORIZED","amount":1,"currency":"NOK"}"#[..],
        br#"{"id":"T1.\u00e5\ud83d\ude00","status":"X","amount":1,"currency":"NOK"}"#,
        br#"{"id":"T1.\ud800","status":"X","amount":1,"currency":"NOK"}"#,
        b"{\"id\":\"T1.\xc3\xa5\",\"status\":\"X\",\"amount\":1,\"currency\":\"NOK\"}",
        b"{\"id\":\"T1.\xed\xa0\x80\",\"status\":\"X\",\"amount\":1,\"currency\":\"NOK\"}",
        b"\xef\xbb\xbf{}",
        b"",
        b"[]",
        b"null",
    ] {
        bodies.push(text.to_vec());
    }
    for body in &bodies {
        same::<Transaction>(body);
        same::<Vec<Transaction>>(body);
        same::<Session>(body);
        same::<SessionCreated>(body);
        same::<serde_json::Value>(body);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(512))]

    /// A fixture with a few bytes replaced by anything (invalid UTF-8, quotes, escapes,
    /// control characters): both readers agree on the value or on the error message.
    #[test]
    fn mangled_bodies_decode_as_from_slice(
        fixture in 0usize..64,
        changes in proptest::collection::vec((0usize..4096, proptest::num::u8::ANY), 1..4),
    ) {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut paths: Vec<_> = std::fs::read_dir(fixtures)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        let mut body = std::fs::read(&paths[fixture % paths.len()]).unwrap();
        for (at, byte) in changes {
            let at = at % body.len();
            body[at] = byte;
        }
        let now = decode_json::<crate::models::Transaction>(&body).map_err(|e| e.to_string());
        let before =
            serde_json::from_slice::<crate::models::Transaction>(&body).map_err(|e| e.to_string());
        proptest::prop_assert_eq!(now, before);
        let now = decode_json::<serde_json::Value>(&body).map_err(|e| e.to_string());
        let before = serde_json::from_slice::<serde_json::Value>(&body).map_err(|e| e.to_string());
        proptest::prop_assert_eq!(now, before);
    }
}

#[test]
fn collection_urls_equal_the_whole_path_joined_to_the_base() {
    for base in [
        "http://127.0.0.1:8787",
        "https://checkout.dintero.com/",
        "https://example.com/prefix/",
        "https://example.com/prefix",
    ] {
        let config =
            Config::new("T12345678".parse().unwrap(), "id", "secret").with_checkout_base_url(base);
        let inner = Inner::new(config).unwrap();
        let base = parse_base_url("checkout_base_url", base).unwrap();
        for collection in Collection::ALL {
            for rest in [
                &[][..],
                &["T12345678.3YkJXSdSnUBXcmQSzn7uJj"],
                &["T1.a/b", "cancel"],
                &["id with space", "capture"],
                &["ø%?#", "refund"],
                &["..", "void"],
                &[".", "x"],
                &["", "y"],
            ] {
                let whole: Vec<&str> = collection
                    .segments()
                    .into_iter()
                    .chain(rest.iter().copied())
                    .collect();
                assert_eq!(
                    inner.checkout_url(collection, rest),
                    join(&base, &whole),
                    "{collection:?} {rest:?}"
                );
            }
        }
    }
}

#[test]
fn join_keeps_prefix_and_encodes() {
    let base = Url::parse("http://127.0.0.1:8787").unwrap();
    assert_eq!(
        join(&base, &["v1", "transactions", "T1.a/b"]).as_str(),
        "http://127.0.0.1:8787/v1/transactions/T1.a%2Fb"
    );
    let base = Url::parse("https://example.com/prefix/").unwrap();
    assert_eq!(
        join(&base, &["v1", "sessions-profile"]).as_str(),
        "https://example.com/prefix/v1/sessions-profile"
    );
}

/// Serves `response` (raw HTTP/1.1) once and reads it back through `read_limited`.
async fn read_back(response: String, limit: usize) -> (Vec<u8>, bool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && socket.read(&mut byte).await.unwrap() == 1 {
            head.push(byte[0]);
        }
        socket.write_all(response.as_bytes()).await.unwrap();
    });
    let mut answer = reqwest::get(url).await.unwrap();
    let (body, oversize) = super::call::read_limited(&mut answer, limit).await.unwrap();
    (body.to_vec(), oversize)
}

fn chunked(pieces: &[&str]) -> String {
    let mut out = String::from("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
    for p in pieces {
        out.push_str(&format!("{:x}\r\n{p}\r\n", p.len()));
    }
    out + "0\r\n\r\n"
}

#[tokio::test]
async fn a_body_is_read_up_to_the_limit_whether_or_not_it_says_its_length() {
    let sized = |body: &str| {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    assert_eq!(
        read_back(sized("0123456789"), 10).await,
        (b"0123456789".to_vec(), false)
    );
    assert_eq!(
        read_back(sized("0123456789a"), 10).await,
        (Vec::new(), true)
    );
    let pieces = ["0123", "4567", "89"];
    assert_eq!(
        read_back(chunked(&pieces), 10).await,
        (b"0123456789".to_vec(), false)
    );
    assert_eq!(
        read_back(chunked(&pieces), 9).await,
        (b"012345678".to_vec(), true)
    );
    assert_eq!(
        read_back(chunked(&pieces), 5).await,
        (b"01234".to_vec(), true)
    );
    assert_eq!(
        read_back(chunked(&["0123456789"]), 4).await,
        (b"0123".to_vec(), true)
    );
    assert_eq!(read_back(chunked(&[]), 4).await, (Vec::new(), false));
}
