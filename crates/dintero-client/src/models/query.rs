//! Filters and paging of `GET /v1/transactions`.

use time::OffsetDateTime;

use super::enums::{
    Channel, PaymentProduct, PaymentProductType, TransactionInclude, TransactionStatus,
};
use crate::error::Error;

/// One page request of `GET /v1/transactions`. Empty lists and `None` are not sent; list
/// filters repeat the parameter (`status=A&status=B`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TransactionQuery {
    /// Only these transaction ids (`id`).
    pub ids: Vec<String>,
    /// Any of these statuses (`status`).
    pub statuses: Vec<TransactionStatus>,
    /// Transactions of these sessions (`session_id`).
    pub session_ids: Vec<String>,
    /// Exact merchant reference.
    pub merchant_reference: Option<String>,
    /// Exact second merchant reference.
    pub merchant_reference_2: Option<String>,
    /// Stores (`store_id`).
    pub store_ids: Vec<String>,
    /// Currencies (`currency`).
    pub currencies: Vec<String>,
    /// Exact authorized amount.
    pub amount: Option<i64>,
    /// Authorized amount ≥ (`amount.gte`).
    pub amount_gte: Option<i64>,
    /// Authorized amount ≤ (`amount.lte`).
    pub amount_lte: Option<i64>,
    /// Created at or after (`created_at.gte`).
    pub created_at_gte: Option<OffsetDateTime>,
    /// Created at or before (`created_at.lte`).
    pub created_at_lte: Option<OffsetDateTime>,
    /// Free-text search (ids, references, phone, e-mail, name).
    pub search: Option<String>,
    /// Payment products (`payment_product`).
    pub payment_products: Vec<PaymentProduct>,
    /// Payment product types (`payment_product_type`).
    pub payment_product_types: Vec<PaymentProductType>,
    /// Terminal (`terminal_id`; newer than the vendored spec, semantics unconfirmed).
    pub terminal_id: Option<String>,
    /// Channel (`channel`; newer than the vendored spec, semantics unconfirmed).
    pub channel: Option<Channel>,
    /// Extra data (`includes`), e.g. only successful events.
    pub includes: Vec<TransactionInclude>,
    /// Page size, 1–100 (Dintero's default is 10).
    pub limit: Option<u32>,
    /// Cursor: id of the last transaction of the previous page.
    pub starting_after: Option<String>,
}

impl TransactionQuery {
    /// The query parameters, in a stable order. Checks `limit`.
    pub fn to_pairs(&self) -> Result<Vec<(&'static str, String)>, Error> {
        if let Some(limit) = self.limit {
            if !(1..=100).contains(&limit) {
                return Err(Error::InvalidArgument {
                    field: "limit",
                    message: format!("must be between 1 and 100, got {limit}"),
                });
            }
        }
        let mut pairs = Vec::new();
        let mut one = |name: &'static str, value: Option<String>| {
            if let Some(value) = value {
                pairs.push((name, value));
            }
        };
        let time =
            |name: &'static str, t: &Option<OffsetDateTime>| -> Result<Option<String>, Error> {
                t.map(|t| {
                    super::serde_helpers::timestamp::format(&t.to_offset(time::UtcOffset::UTC))
                        .map_err(|e| Error::InvalidArgument {
                            field: name,
                            message: e.to_string(),
                        })
                })
                .transpose()
            };
        let created_gte = time("created_at_gte", &self.created_at_gte)?;
        let created_lte = time("created_at_lte", &self.created_at_lte)?;
        for id in &self.ids {
            one("id", Some(id.clone()));
        }
        for status in &self.statuses {
            one("status", Some(status.to_string()));
        }
        for id in &self.session_ids {
            one("session_id", Some(id.clone()));
        }
        one("merchant_reference", self.merchant_reference.clone());
        one("merchant_reference_2", self.merchant_reference_2.clone());
        for id in &self.store_ids {
            one("store_id", Some(id.clone()));
        }
        for currency in &self.currencies {
            one("currency", Some(currency.clone()));
        }
        one("amount", self.amount.map(|a| a.to_string()));
        one("amount.gte", self.amount_gte.map(|a| a.to_string()));
        one("amount.lte", self.amount_lte.map(|a| a.to_string()));
        one("created_at.gte", created_gte);
        one("created_at.lte", created_lte);
        one("search", self.search.clone());
        for product in &self.payment_products {
            one("payment_product", Some(product.to_string()));
        }
        for product_type in &self.payment_product_types {
            one("payment_product_type", Some(product_type.to_string()));
        }
        one("terminal_id", self.terminal_id.clone());
        one("channel", self.channel.as_ref().map(|c| c.to_string()));
        for include in &self.includes {
            one("includes", Some(include.to_string()));
        }
        one("limit", self.limit.map(|l| l.to_string()));
        one("starting_after", self.starting_after.clone());
        Ok(pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_repeat_lists_and_skip_empty() {
        let query = TransactionQuery {
            statuses: vec![TransactionStatus::Authorized, TransactionStatus::Captured],
            merchant_reference: Some("POS1-1".into()),
            amount_gte: Some(100),
            created_at_gte: Some(time::macros::datetime!(2026-05-12 02:00 +02:00)),
            limit: Some(50),
            starting_after: Some("T1.abc".into()),
            ..TransactionQuery::default()
        };
        let pairs = query.to_pairs().unwrap();
        assert_eq!(
            pairs,
            vec![
                ("status", "AUTHORIZED".to_string()),
                ("status", "CAPTURED".to_string()),
                ("merchant_reference", "POS1-1".to_string()),
                ("amount.gte", "100".to_string()),
                ("created_at.gte", "2026-05-12T00:00:00Z".to_string()),
                ("limit", "50".to_string()),
                ("starting_after", "T1.abc".to_string()),
            ]
        );
        assert!(TransactionQuery::default().to_pairs().unwrap().is_empty());
        for bad in [0, 101] {
            let err = TransactionQuery {
                limit: Some(bad),
                ..Default::default()
            }
            .to_pairs()
            .unwrap_err();
            assert!(matches!(err, Error::InvalidArgument { field: "limit", .. }));
        }
    }
}
