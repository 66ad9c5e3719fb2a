//! The public client and its Dintero calls.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use tokio::time::Instant;

use crate::auth::AccessToken;
use crate::config::{AccountId, Config, Environment};
use crate::error::Error;
use crate::http::{Call, Collection, Inner, RawResponse};
use crate::models::{
    CaptureRequest, RefundRequest, Session, SessionCreateRequest, SessionCreated, SessionInclude,
    Transaction, TransactionInclude, TransactionQuery, UpdateTransactionRequest,
};

/// A Dintero Checkout API client. Cheap to clone: clones share one connection pool and one
/// token cache.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.inner.config;
        f.debug_struct("Client")
            .field("account_id", &config.account_id)
            .field("environment", &config.environment())
            .field("client_id", &config.client_id)
            .field("auth_base_url", &config.auth_base_url)
            .field("checkout_base_url", &config.checkout_base_url)
            .finish_non_exhaustive()
    }
}

/// Options of [`Client::create_session_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CreateSessionOptions {
    /// Ask Dintero to return the whole session too (`include_session=true`).
    pub include_session: bool,
}

/// Answer of capture, refund and void: the transaction, and whether Dintero finished the
/// operation (`200`) or only accepted it for processing (`202`).
#[derive(Debug, Clone, PartialEq)]
pub struct OperationResponse {
    /// The transaction as Dintero returned it.
    pub transaction: Transaction,
    /// `true` for `202 Accepted`: the operation completes later with an event whose
    /// `correlation_request_id` equals `event_request_id`.
    pub accepted: bool,
    /// The `event-request-id` header of a `202` answer.
    pub event_request_id: Option<String>,
}

impl OperationResponse {
    /// Whether the operation is still being processed (`202`).
    pub fn is_pending(&self) -> bool {
        self.accepted
    }
}

/// Result of [`Client::test_connection`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionCheck {
    /// The account.
    pub account_id: AccountId,
    /// Test or production.
    pub environment: Environment,
    /// Lifetime of the token just issued.
    pub token_expires_in: Duration,
    /// Time the whole check took.
    pub latency: Duration,
}

impl Client {
    /// Validates `config` and sets up the connection pool. Makes no request.
    pub fn new(config: Config) -> Result<Self, Error> {
        Ok(Self {
            inner: Arc::new(Inner::new(config)?),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The account.
    pub fn account_id(&self) -> &AccountId {
        &self.inner.config.account_id
    }

    /// Test (`T…`) or production (`P…`).
    pub fn environment(&self) -> Environment {
        self.inner.config.environment()
    }

    /// The token endpoint URL.
    pub fn token_url(&self) -> &url::Url {
        self.inner.token_url()
    }

    /// The token audience: `https://api.dintero.com/v1/accounts/{aid}`, whatever the hosts.
    pub fn audience(&self) -> &str {
        self.inner.audience()
    }

    /// Makes sure a token is cached that the next calls will use as it is (not due for an early
    /// refresh), fetching one only when needed. Called right before an operation's intent is
    /// logged, so the POST leaves at once after it instead of waiting for a token.
    pub async fn ready_token(&self) -> Result<(), Error> {
        self.inner.ready_token().await
    }

    /// The longest a `POST` can take from the call to its last attempt's end, by this
    /// configuration: a token fetch with its retries, the request, and, after a `401`, a second
    /// token fetch and the one repeat. (Capture, refund and void are never sent again after a
    /// `401`: after [`Client::ready_token`] their request leaves at once and is over within
    /// [`Client::longest_operation`].)
    pub fn longest_post(&self) -> Duration {
        let c = &self.inner.config;
        let attempts = c.retry.max_attempts.max(1);
        let token = c.timeouts.request.saturating_mul(attempts)
            + c.retry.max_delay.saturating_mul(attempts - 1);
        (token + c.timeouts.request).saturating_mul(2)
    }

    /// The longest a capture, refund or void request lives once it has left with a ready
    /// token: the request timeout (it is never sent twice).
    pub fn longest_operation(&self) -> Duration {
        self.inner.config.timeouts.request
    }

    /// Fetches a new access token now (whatever is cached) and caches it.
    pub async fn fetch_token(&self) -> Result<AccessToken, Error> {
        self.inner.force_token().await
    }

    /// For a "Test connection" button: fetches a fresh token, then reads one transaction page
    /// (`limit=1`) to prove the token grants Checkout access.
    pub async fn test_connection(&self) -> Result<ConnectionCheck, Error> {
        let started = Instant::now();
        let token = self.fetch_token().await?;
        self.list_transactions(&TransactionQuery {
            limit: Some(1),
            ..TransactionQuery::default()
        })
        .await?;
        Ok(ConnectionCheck {
            account_id: self.account_id().clone(),
            environment: self.environment(),
            token_expires_in: token.expires_in,
            latency: started.elapsed(),
        })
    }

    /// `POST /v1/sessions-profile` with `Dintero-Feature-Toggles: strict-session-amounts`.
    /// Not retried: a retry would create a second session.
    pub async fn create_session(
        &self,
        request: &SessionCreateRequest,
    ) -> Result<SessionCreated, Error> {
        self.create_session_with(request, CreateSessionOptions::default())
            .await
    }

    /// [`Client::create_session`] with options (e.g. `include_session`).
    pub async fn create_session_with(
        &self,
        request: &SessionCreateRequest,
        options: CreateSessionOptions,
    ) -> Result<SessionCreated, Error> {
        let mut url = self.inner.checkout_url(Collection::SessionsProfile, &[]);
        if options.include_session {
            url.query_pairs_mut().append_pair("include_session", "true");
        }
        let path = url.path().to_owned();
        let call = Call::new(Method::POST, url)
            .json_body(request)?
            .header("dintero-feature-toggles", "strict-session-amounts");
        self.inner
            .call(call)
            .await?
            .json_after_post("SessionCreated", &path)
    }

    /// `GET /v1/sessions/{id}`.
    pub async fn get_session(&self, session_id: &str) -> Result<Session, Error> {
        self.get_session_with(session_id, &[]).await
    }

    /// `GET /v1/sessions/{id}` with `includes`.
    pub async fn get_session_with(
        &self,
        session_id: &str,
        includes: &[SessionInclude],
    ) -> Result<Session, Error> {
        let includes = includes.iter().map(|i| i.as_str());
        self.get_one(
            Collection::Sessions,
            ("session_id", session_id),
            includes,
            "Session",
        )
        .await
    }

    /// `POST /v1/sessions/{id}/cancel` (no body). Voids an initiated or authorized transaction
    /// of the session. Not retried.
    pub async fn cancel_session(&self, session_id: &str) -> Result<Session, Error> {
        let id = non_empty("session_id", session_id)?;
        let url = self
            .inner
            .checkout_url(Collection::Sessions, &[id, "cancel"]);
        let path = url.path().to_owned();
        self.inner
            .call(Call::new(Method::POST, url))
            .await?
            .json_after_post("Session", &path)
    }

    /// `GET /v1/transactions/{id}`.
    pub async fn get_transaction(&self, transaction_id: &str) -> Result<Transaction, Error> {
        self.get_transaction_with(transaction_id, &[]).await
    }

    /// `GET /v1/transactions/{id}` with `includes` (e.g. the session).
    pub async fn get_transaction_with(
        &self,
        transaction_id: &str,
        includes: &[TransactionInclude],
    ) -> Result<Transaction, Error> {
        let includes = includes.iter().map(|i| i.as_str());
        let id = ("transaction_id", transaction_id);
        self.get_one(Collection::Transactions, id, includes, "Transaction")
            .await
    }

    /// `GET` of one session or transaction by id (`field` names it in an error), with
    /// `includes`, read as `what`.
    async fn get_one<'a, T: serde::de::DeserializeOwned>(
        &self,
        collection: Collection,
        (field, id): (&'static str, &str),
        includes: impl Iterator<Item = &'a str>,
        what: &str,
    ) -> Result<T, Error> {
        let id = non_empty(field, id)?;
        let mut url = self.inner.checkout_url(collection, &[id]);
        append_includes(&mut url, includes);
        self.inner
            .call(Call::new(Method::GET, url))
            .await?
            .json(what)
    }

    /// `GET /v1/transactions`: one page (a bare JSON array).
    pub async fn list_transactions(
        &self,
        query: &TransactionQuery,
    ) -> Result<Vec<Transaction>, Error> {
        self.inner
            .call(Call::new(Method::GET, self.list_url(query)?))
            .await?
            .json("list of transactions")
    }

    /// `GET /v1/transactions?…` for `query`.
    fn list_url(&self, query: &TransactionQuery) -> Result<url::Url, Error> {
        let pairs = query.to_pairs()?;
        let mut url = self.inner.checkout_url(Collection::Transactions, &[]);
        if !pairs.is_empty() {
            let mut query_pairs = url.query_pairs_mut();
            for (name, value) in &pairs {
                query_pairs.append_pair(name, value);
            }
        }
        Ok(url)
    }

    /// `GET /v1/transactions`: one page, each element read on its own, so one transaction
    /// Kasse cannot read (a new shape, a provider's oddity) is reported in
    /// [`TransactionPage::unreadable`] instead of failing the page with every good one on it.
    pub async fn list_transactions_page(
        &self,
        query: &TransactionQuery,
    ) -> Result<TransactionPage, Error> {
        let raw: Vec<serde_json::Value> = self
            .inner
            .call(Call::new(Method::GET, self.list_url(query)?))
            .await?
            .json("list of transactions")?;
        let mut page = TransactionPage {
            len: raw.len(),
            last_id: raw
                .last()
                .and_then(|v| v.get("id"))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
            ..TransactionPage::default()
        };
        for value in raw {
            let id = value
                .get("id")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned);
            match serde_json::from_value::<Transaction>(value) {
                Ok(tx) => page.transactions.push(tx),
                Err(e) => page.unreadable.push(UnreadableTransaction {
                    id,
                    message: e.to_string(),
                }),
            }
        }
        Ok(page)
    }

    /// Every page of `GET /v1/transactions` from `query.starting_after` on, as
    /// [`Client::list_transactions_page`] reads them (unreadable elements reported, not fatal),
    /// following the cursor like [`Client::list_all_transactions`].
    pub async fn scan_transactions(
        &self,
        query: &TransactionQuery,
    ) -> Result<TransactionPage, Error> {
        let mut cursor = Cursor::new(query);
        let mut all = TransactionPage::default();
        loop {
            let page = self.list_transactions_page(&cursor.query).await?;
            all.len += page.len;
            all.transactions.extend(page.transactions);
            all.unreadable.extend(page.unreadable);
            if page.last_id.is_some() {
                all.last_id = page.last_id.clone();
            }
            if !cursor.advance(page.len, page.last_id) {
                return Ok(all);
            }
        }
    }

    /// Every page of `GET /v1/transactions` from `query.starting_after` on, following the
    /// `starting_after` cursor until a page has fewer than `limit` items (default limit 100).
    /// Stops, too, if the cursor does not advance.
    pub async fn list_all_transactions(
        &self,
        query: &TransactionQuery,
    ) -> Result<Vec<Transaction>, Error> {
        let mut cursor = Cursor::new(query);
        let mut all = Vec::new();
        loop {
            let page = self.list_transactions(&cursor.query).await?;
            let (count, last) = (page.len(), page.last().map(|t| t.id.clone()));
            all.extend(page);
            if !cursor.advance(count, last) {
                return Ok(all);
            }
        }
    }

    /// `POST /v1/transactions/{id}/capture`. Not retried; on [`Error::OutcomeUnknown`] (or a
    /// 5xx) re-read the transaction and look for the `capture_reference`.
    pub async fn capture(
        &self,
        transaction_id: &str,
        request: &CaptureRequest,
    ) -> Result<OperationResponse, Error> {
        self.operation(transaction_id, "capture", Some(request))
            .await
    }

    /// `POST /v1/transactions/{id}/refund`. Not retried; on [`Error::OutcomeUnknown`] (or a
    /// 5xx) re-read the transaction and look for the `refund_reference`.
    pub async fn refund(
        &self,
        transaction_id: &str,
        request: &RefundRequest,
    ) -> Result<OperationResponse, Error> {
        self.operation(transaction_id, "refund", Some(request))
            .await
    }

    /// `POST /v1/transactions/{id}/void` with body `{}`. Not retried; on an unknown outcome
    /// re-read the transaction (still `AUTHORIZED`?) before trying again.
    pub async fn void(&self, transaction_id: &str) -> Result<OperationResponse, Error> {
        self.operation(transaction_id, "void", Some(&serde_json::json!({})))
            .await
    }

    /// `PUT /v1/transactions/{id}` setting `merchant_reference_2` (idempotent, retried).
    pub async fn update_transaction(
        &self,
        transaction_id: &str,
        merchant_reference_2: &str,
    ) -> Result<Transaction, Error> {
        let id = non_empty("transaction_id", transaction_id)?;
        let url = self.inner.checkout_url(Collection::Transactions, &[id]);
        let body = UpdateTransactionRequest {
            merchant_reference_2: merchant_reference_2.to_owned(),
        };
        self.inner
            .call(Call::new(Method::PUT, url).json_body(&body)?)
            .await?
            .json("Transaction")
    }

    async fn operation<B: serde::Serialize>(
        &self,
        transaction_id: &str,
        operation: &str,
        body: Option<&B>,
    ) -> Result<OperationResponse, Error> {
        let id = non_empty("transaction_id", transaction_id)?;
        let url = self
            .inner
            .checkout_url(Collection::Transactions, &[id, operation]);
        let path = url.path().to_owned();
        let mut call = Call::new(Method::POST, url).no_resend_after_401();
        if let Some(body) = body {
            call = call.json_body(body)?;
        }
        let response = self.inner.call(call).await?;
        operation_response(&response, &path)
    }
}

fn operation_response(response: &RawResponse, path: &str) -> Result<OperationResponse, Error> {
    let transaction: Transaction = response.json_after_post("Transaction", path)?;
    let accepted = response.status == StatusCode::ACCEPTED;
    Ok(OperationResponse {
        transaction,
        accepted,
        event_request_id: if accepted {
            response.event_request_id.clone()
        } else {
            None
        },
    })
}

/// The `starting_after` walk of [`Client::scan_transactions`] and
/// [`Client::list_all_transactions`]: the query of the next page (limit 100 unless set).
struct Cursor {
    query: TransactionQuery,
    limit: usize,
}

impl Cursor {
    fn new(query: &TransactionQuery) -> Cursor {
        let mut query = query.clone();
        let limit = *query.limit.get_or_insert(100) as usize;
        Cursor { query, limit }
    }

    /// After a page of `len` elements ending with `last`: whether there is a next page (the
    /// page was full and the cursor moves), with the query set to it.
    fn advance(&mut self, len: usize, last: Option<String>) -> bool {
        let Some(last) = last else { return false };
        if len < self.limit || self.query.starting_after.as_deref() == Some(last.as_str()) {
            return false;
        }
        self.query.starting_after = Some(last);
        true
    }
}

/// What [`Client::list_transactions_page`] and [`Client::scan_transactions`] read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransactionPage {
    /// The transactions that could be read, in the answer's order.
    pub transactions: Vec<Transaction>,
    /// The elements that could not be read as a transaction.
    pub unreadable: Vec<UnreadableTransaction>,
    /// How many elements the answer(s) had, readable or not.
    pub len: usize,
    /// The `id` of the last element (the next page's cursor), readable or not.
    pub last_id: Option<String>,
}

/// An element of a transaction list that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableTransaction {
    /// Its `id`, when it had a string one.
    pub id: Option<String>,
    /// Why it could not be read.
    pub message: String,
}

/// An id that goes into the URL as one path segment. `.` and `..` are refused: URL rules drop
/// them as segments, so `capture("..")` would otherwise reach `/v1/transactions/capture` and
/// `get_transaction("..")` the transaction list. (Other characters are percent-encoded.)
fn non_empty<'a>(field: &'static str, value: &'a str) -> Result<&'a str, Error> {
    let message = if value.trim().is_empty() {
        "must not be empty"
    } else if value == "." || value == ".." {
        "must be an id, not `.` or `..`"
    } else {
        return Ok(value);
    };
    Err(Error::InvalidArgument {
        field,
        message: message.to_owned(),
    })
}

fn append_includes<'a>(url: &mut url::Url, includes: impl Iterator<Item = &'a str>) {
    let mut includes = includes.peekable();
    if includes.peek().is_some() {
        let mut pairs = url.query_pairs_mut();
        for include in includes {
            pairs.append_pair("includes", include);
        }
    }
}
