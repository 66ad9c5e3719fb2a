//! Access tokens: JWT-shaped, HMAC-signed with a key derived from the client secret,
//! expiring on the simulated clock. Verification needs no lock and no lookup.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::Millis;
use crate::error::ApiError;

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT","kid":"dintero-sandbox"}"#;

/// What a token says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// Audience the token was requested for.
    pub aud: String,
    /// The API client id.
    pub sub: String,
    /// The account the token is for.
    pub aid: String,
    /// Issued at (Unix seconds, simulated clock).
    pub iat: i64,
    /// Expires at (Unix seconds, simulated clock).
    pub exp: i64,
    /// Token id.
    pub jti: String,
}

/// Issues and verifies tokens.
#[derive(Debug, Clone)]
pub struct TokenKeys {
    key: [u8; 32],
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length")
}

impl TokenKeys {
    /// Tokens of sandboxes sharing a client secret verify at each other (and then fail on the
    /// account check with 403), which is how "foreign" tokens are tested.
    pub fn new(client_secret: &str) -> Self {
        let mut h = Sha256::new();
        h.update(b"dintero-sandbox access token key\n");
        h.update(client_secret.as_bytes());
        TokenKeys {
            key: h.finalize().into(),
        }
    }

    /// A signed token.
    pub fn issue(&self, claims: &Claims) -> String {
        let header = URL_SAFE_NO_PAD.encode(HEADER);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signing_input = format!("{header}.{payload}");
        let mut m = mac(&self.key);
        m.update(signing_input.as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
        format!("{signing_input}.{sig}")
    }

    /// Check signature, expiry (against `now`) and account.
    pub fn verify(&self, token: &str, now: Millis, account_id: &str) -> Result<Claims, ApiError> {
        let invalid = || ApiError::unauthorized("Access forbidden, invalid JWT token was used");
        let (signing_input, sig) = token.rsplit_once('.').ok_or_else(invalid)?;
        let (_, payload) = signing_input.split_once('.').ok_or_else(invalid)?;
        let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| invalid())?;
        let mut m = mac(&self.key);
        m.update(signing_input.as_bytes());
        m.verify_slice(&sig).map_err(|_| invalid())?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| invalid())?;
        if now.div_euclid(1000) >= claims.exp {
            return Err(ApiError::unauthorized(
                "Access forbidden, the JWT token has expired",
            ));
        }
        if claims.aid != account_id {
            return Err(ApiError::forbidden(format!(
                "The token is for account {} and cannot access account {account_id}",
                claims.aid
            )));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(aid: &str, exp: i64) -> Claims {
        Claims {
            aud: format!("https://api.dintero.com/v1/accounts/{aid}"),
            sub: "kasse-demo".into(),
            aid: aid.into(),
            iat: 0,
            exp,
            jti: "1".into(),
        }
    }

    #[test]
    fn issue_and_verify() {
        let k = TokenKeys::new("s");
        let t = k.issue(&claims("T12345678", 100));
        assert_eq!(t.split('.').count(), 3);
        assert_eq!(k.verify(&t, 99_999, "T12345678").unwrap().sub, "kasse-demo");
        assert_eq!(k.verify(&t, 100_000, "T12345678").unwrap_err().status, 401);
        assert_eq!(k.verify(&t, 0, "T87654321").unwrap_err().status, 403);
        assert_eq!(
            TokenKeys::new("other")
                .verify(&t, 0, "T12345678")
                .unwrap_err()
                .status,
            401
        );
        assert_eq!(k.verify("garbage", 0, "T12345678").unwrap_err().status, 401);
        let mut tampered = t.clone();
        tampered.insert(40, 'x');
        assert_eq!(k.verify(&tampered, 0, "T12345678").unwrap_err().status, 401);
    }
}
