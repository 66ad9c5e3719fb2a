//! Cancelling a sale's checkout: the cashier's cancel, and the logged session cancel that the
//! watcher's expiry and a failed payment use too. A payment that slipped through is shown.

use dintero_client::Session;

use super::*;

impl Kasse {
    /// Cancels a sale that is still waiting for the customer. If a payment slipped through,
    /// the sale shows it (authorised → void it; captured → refund it).
    pub async fn cancel(&self, id: &str) -> Result<Sale, CoreError> {
        let _turn = self.operating(&self.find(id)?.id).await;
        let sale = self.find(id)?;
        self.inner.store.check_sale(&sale.id)?;
        if !sale.is_open() {
            return Err(CoreError::InvalidState(format!(
                "the sale is already {}; {}",
                sale.status,
                match sale.status {
                    SaleStatus::Authorized => "void it to release the money",
                    s if s.is_paid() => "refund it to give the money back",
                    _ => "there is nothing to cancel",
                }
            )));
        }
        if sale.session_id.is_none() {
            return Err(CoreError::InvalidState(
                "the checkout was never created, so there is nothing to cancel at Dintero".into(),
            ));
        }
        let session = match self
            .cancel_session_logged(&sale, "cancelled at the counter")
            .await
        {
            Ok(session) => session,
            Err(e) => {
                // Dintero refuses to cancel a session whose payment went further than it can
                // undo (e.g. captured at once): show that payment rather than only the refusal.
                self.check_now(&sale.id);
                return match self.surface_payment(&sale.id, None).await {
                    Ok(Some(sale)) => Ok(sale),
                    _ => Err(e),
                };
            }
        };
        if let Some(sale) = self.surface_payment(&sale.id, session).await? {
            return Ok(sale);
        }
        self.check_now(&sale.id);
        self.find(&sale.id)
    }

    /// After a cancel: if the session has a transaction, logs it with its true status (and a
    /// note when it is paid, so the cashier refunds or voids it) and returns the sale. `session`
    /// is the session as the cancel returned it; `None` reads it.
    async fn surface_payment(
        &self,
        sale_id: &str,
        session: Option<dintero_client::Session>,
    ) -> Result<Option<Sale>, CoreError> {
        let sale = self.find(sale_id)?;
        let session = match session {
            Some(s) => s,
            None => match &sale.session_id {
                Some(sid) => self.inner.api.get_session(sid).await?,
                None => return Ok(None),
            },
        };
        let Some(tid) = session.transaction_id.or(sale.transaction_id.clone()) else {
            return Ok(None);
        };
        let tx = self.inner.api.get_transaction(&tid).await?;
        let after = self.observe_transaction(&sale, &tx, "operation")?;
        if after.status.is_paid() {
            let then = if after.status == SaleStatus::Authorized {
                OpKind::Void
            } else {
                OpKind::Refund
            };
            self.append(
                &sale.id,
                &LogEvent::Note {
                    text: crate::timeline::paid_before_cancel_note(then),
                },
            )?;
        }
        self.find(&sale.id).map(Some)
    }

    /// Cancels the sale's session as a logged operation (intent first). Returns the session
    /// as re-read, when Dintero answered.
    pub(crate) async fn cancel_session_logged(
        &self,
        sale: &Sale,
        why: &str,
    ) -> Result<Option<Session>, CoreError> {
        let Some(session_id) = sale.session_id.clone() else {
            return Ok(None);
        };
        let op_id = self.inner.ids.new_id();
        let n = sale
            .operations
            .iter()
            .filter(|o| o.kind == OpKind::Cancel)
            .count()
            + 1;
        let reference = format!("{}-X{n}", sale.merchant_reference);
        self.append(
            &sale.id,
            &LogEvent::OperationRequested {
                op_id: op_id.clone(),
                kind: OpKind::Cancel,
                amount: None,
                lines: Value::Null,
                reference,
                reason: Some(why.to_owned()),
                key: None,
                basis: None,
                actor: None,
            },
        )?;
        match self.inner.api.cancel_session(&session_id).await {
            Ok(session) => {
                self.append_outcome(
                    &sale.id,
                    &LogEvent::OperationSucceeded {
                        op_id,
                        snapshot: snapshot(&session),
                    },
                )?;
                Ok(Some(session))
            }
            Err(e) if e.is_outcome_uncertain() => {
                self.append_outcome(
                    &sale.id,
                    &LogEvent::OperationUnknown {
                        op_id: op_id.clone(),
                        message: e.to_string(),
                    },
                )?;
                // Cancel is safe to check at once: re-read the session. When that read fails
                // too, the cancel stays pending and is settled in the background (like any
                // operation whose answer was lost), not left pending until the next sync.
                let session = match self.inner.api.get_session(&session_id).await {
                    Ok(session) => session,
                    Err(read) => {
                        self.settle_later(&sale.id, &op_id);
                        return Err(read.into());
                    }
                };
                let applied = session.cancelled_at.is_some();
                self.append_outcome(
                    &sale.id,
                    &LogEvent::OperationReconciled {
                        op_id,
                        applied,
                        snapshot: snapshot(&session),
                    },
                )?;
                if !applied {
                    // The checkout is still open: the cancel did not happen. Say so (the
                    // cashier may try again; the watcher's expiry tries again) instead of
                    // reporting a cancel that Dintero does not show.
                    return Err(e.into());
                }
                Ok(Some(session))
            }
            Err(e) => {
                self.refused(&sale.id, op_id, &e)?;
                Err(e.into())
            }
        }
    }
}
