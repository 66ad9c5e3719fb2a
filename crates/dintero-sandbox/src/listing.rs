//! The query of `GET /v1/transactions` (dintero-api.md §11): parsing and matching.

use serde_json::Value;

use crate::clock::{parse_time, Millis};
use crate::error::ApiError;
use crate::machine::Status;
use crate::model::Transaction;

/// A parsed list query. Repeated parameters (`?status=A&status=B`) and comma lists are both
/// accepted for the array parameters.
#[derive(Debug, Default)]
pub(crate) struct TransactionFilter {
    pub limit: usize,
    pub starting_after: Option<String>,
    pub only_successful_events: bool,
    pub include_session: bool,
    ids: Vec<String>,
    session_ids: Vec<String>,
    statuses: Vec<Status>,
    payment_products: Vec<String>,
    payment_product_types: Vec<String>,
    card_brands: Vec<String>,
    store_ids: Vec<String>,
    terminal_ids: Vec<String>,
    currencies: Vec<String>,
    channels: Vec<String>,
    merchant_reference: Option<String>,
    merchant_reference_2: Option<String>,
    customer_id: Option<String>,
    amount: Option<i64>,
    amount_gte: Option<i64>,
    amount_lte: Option<i64>,
    created_gte: Option<Millis>,
    created_lte: Option<Millis>,
    captured_gte: Option<Millis>,
    captured_lte: Option<Millis>,
    refunded_gte: Option<Millis>,
    refunded_lte: Option<Millis>,
    search: Option<String>,
}

fn int(name: &str, v: &str) -> Result<i64, ApiError> {
    v.trim()
        .parse::<i64>()
        .or_else(|_| {
            // `number` in the spec: accept 100.0, refuse 100.5.
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
                .ok_or(())
        })
        .map_err(|_| ApiError::field(name, "must be an integer"))
}

fn time(name: &str, v: &str) -> Result<Millis, ApiError> {
    parse_time(v).ok_or_else(|| ApiError::field(name, "must be an ISO 8601 date-time"))
}

fn push_list(into: &mut Vec<String>, v: &str) {
    into.extend(v.split(',').filter(|s| !s.is_empty()).map(str::to_owned));
}

impl TransactionFilter {
    /// Parse the raw query string.
    pub fn parse(query: Option<&str>) -> Result<Self, ApiError> {
        let mut f = TransactionFilter {
            limit: 10,
            ..Default::default()
        };
        for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let v = v.as_ref();
            match k.as_ref() {
                "limit" => {
                    let n = int("limit", v)?;
                    if !(1..=100).contains(&n) {
                        return Err(ApiError::field("limit", "must be between 1 and 100"));
                    }
                    f.limit = n as usize;
                }
                "starting_after" => f.starting_after = Some(v.to_owned()),
                "includes" => match v {
                    "events.success.true" => f.only_successful_events = true,
                    "session" => f.include_session = true,
                    _ => {}
                },
                "id" => push_list(&mut f.ids, v),
                "session_id" => push_list(&mut f.session_ids, v),
                "status" => {
                    for s in v.split(',').filter(|s| !s.is_empty()) {
                        f.statuses.push(Status::parse(s).ok_or_else(|| {
                            ApiError::field("status", &format!("{s:?} is not a transaction status"))
                        })?);
                    }
                }
                "payment_product" => push_list(&mut f.payment_products, v),
                "payment_product_type" => push_list(&mut f.payment_product_types, v),
                "card_brand" => push_list(&mut f.card_brands, v),
                "store_id" => push_list(&mut f.store_ids, v),
                "terminal_id" => push_list(&mut f.terminal_ids, v),
                "currency" => push_list(&mut f.currencies, v),
                "channel" => push_list(&mut f.channels, v),
                "merchant_reference" => f.merchant_reference = Some(v.to_owned()),
                "merchant_reference_2" => f.merchant_reference_2 = Some(v.to_owned()),
                "customer_id" => f.customer_id = Some(v.to_owned()),
                "amount" => f.amount = Some(int("amount", v)?),
                "amount.gte" => f.amount_gte = Some(int("amount.gte", v)?),
                "amount.lte" => f.amount_lte = Some(int("amount.lte", v)?),
                "created_at.gte" => f.created_gte = Some(time("created_at.gte", v)?),
                "created_at.lte" => f.created_lte = Some(time("created_at.lte", v)?),
                "captured_at.gte" => f.captured_gte = Some(time("captured_at.gte", v)?),
                "captured_at.lte" => f.captured_lte = Some(time("captured_at.lte", v)?),
                "refunded_at.gte" => f.refunded_gte = Some(time("refunded_at.gte", v)?),
                "refunded_at.lte" => f.refunded_lte = Some(time("refunded_at.lte", v)?),
                "search" if !v.is_empty() => f.search = Some(v.to_lowercase()),
                _ => {}
            }
        }
        Ok(f)
    }

    /// Does `t` pass every filter?
    pub fn matches(&self, t: &Transaction) -> bool {
        fn any_of(list: &[String], v: Option<&str>) -> bool {
            list.is_empty() || v.is_some_and(|v| list.iter().any(|x| x == v))
        }
        fn in_range(v: i64, gte: Option<i64>, lte: Option<i64>) -> bool {
            gte.is_none_or(|g| v >= g) && lte.is_none_or(|l| v <= l)
        }
        let store_str = |key: &str| {
            t.store
                .as_ref()
                .and_then(|s| s.get(key))
                .and_then(Value::as_str)
        };
        let event_in_range = |name: &str, gte: Option<Millis>, lte: Option<Millis>| {
            (gte.is_none() && lte.is_none())
                || t.events
                    .iter()
                    .any(|e| e.event == name && e.success && in_range(e.created_at, gte, lte))
        };
        any_of(&self.ids, Some(&t.id))
            && any_of(&self.session_ids, Some(&t.session_id))
            && (self.statuses.is_empty() || self.statuses.contains(&t.status))
            && any_of(&self.payment_products, Some(t.payment_product))
            && any_of(&self.payment_product_types, Some(t.payment_product_type))
            && any_of(&self.card_brands, t.card.as_ref().map(|c| c.brand))
            && any_of(&self.store_ids, store_str("id"))
            && any_of(&self.terminal_ids, store_str("terminal_id"))
            && any_of(&self.currencies, Some(&t.currency))
            && any_of(&self.channels, Some(&t.channel))
            && self
                .merchant_reference
                .as_ref()
                .is_none_or(|r| *r == t.merchant_reference)
            && self
                .merchant_reference_2
                .as_ref()
                .is_none_or(|r| Some(r) == t.merchant_reference_2.as_ref())
            && self.customer_id.as_ref().is_none_or(|c| {
                t.customer
                    .as_ref()
                    .and_then(|cu| cu.get("customer_id"))
                    .and_then(Value::as_str)
                    == Some(c)
            })
            && self.amount.is_none_or(|a| a == t.amount)
            && in_range(t.amount, self.amount_gte, self.amount_lte)
            && in_range(t.created_at, self.created_gte, self.created_lte)
            && event_in_range("CAPTURE", self.captured_gte, self.captured_lte)
            && event_in_range("REFUND", self.refunded_gte, self.refunded_lte)
            && self
                .search
                .as_ref()
                .is_none_or(|q| self.search_matches(t, q))
    }

    fn search_matches(&self, t: &Transaction, q: &str) -> bool {
        let has = |s: &str| s.to_lowercase().contains(q);
        let customer = |key: &str| {
            t.customer
                .as_ref()
                .and_then(|c| c.get(key))
                .and_then(Value::as_str)
                .is_some_and(has)
        };
        has(&t.id)
            || has(&t.session_id)
            || has(&t.merchant_reference)
            || t.merchant_reference_2.as_deref().is_some_and(has)
            || customer("email")
            || customer("phone_number")
            || customer("customer_id")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_bad_values_are_refused_by_name() {
        assert_eq!(TransactionFilter::parse(None).unwrap().limit, 10);
        assert_eq!(
            TransactionFilter::parse(Some("limit=100")).unwrap().limit,
            100
        );
        for bad in ["limit=0", "limit=101", "limit=x"] {
            let e = TransactionFilter::parse(Some(bad)).unwrap_err();
            assert!(e.message.starts_with("limit:"), "{bad}: {}", e.message);
        }
        let e = TransactionFilter::parse(Some("status=PAID")).unwrap_err();
        assert!(e.message.starts_with("status:"));
        let e = TransactionFilter::parse(Some("created_at.gte=soon")).unwrap_err();
        assert!(e.message.starts_with("created_at.gte:"));
        let e = TransactionFilter::parse(Some("amount.gte=1.5")).unwrap_err();
        assert!(e.message.starts_with("amount.gte:"));
    }

    #[test]
    fn repeated_and_comma_statuses() {
        let f =
            TransactionFilter::parse(Some("status=CAPTURED&status=AUTHORIZED,REFUNDED")).unwrap();
        assert_eq!(
            f.statuses,
            vec![Status::Captured, Status::Authorized, Status::Refunded]
        );
    }
}
