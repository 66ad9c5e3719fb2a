//! An answer longer than the client reads: a GET cannot be read (and says why); a POST's
//! success answer that is too long leaves its outcome unknown, never a refusal.

use super::*;
use dintero_client::MAX_BODY;

fn too_long(_: &crate::common::Recorded, _: usize) -> Reply {
    Reply::raw(200, &" ".repeat(MAX_BODY + 1))
}

#[tokio::test]
async fn an_answer_longer_than_the_limit_is_not_read() {
    let mock = Mock::start(too_long).await;
    let client = mock.client();
    let err = client.get_transaction("T12345678.abc").await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { message, .. } if message.contains("longer than")),
        "{err:?}"
    );
    let err = client
        .capture("T12345678.abc", &CaptureRequest::new(100, "cap-1"))
        .await
        .unwrap_err();
    let reason = unknown_outcome(&err, "/v1/transactions/T12345678.abc/capture");
    assert!(reason.contains("longer than"), "{reason}");
}
