//! Every enum Dintero defines, each with an `Other(String)` catch-all that keeps unknown values
//! verbatim, so new statuses, events or payment products never break parsing.

/// Defines a string enum with a catch-all `Other(String)` variant and its conversions.
macro_rules! dintero_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $value:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* #[doc = concat!("`", $value, "`")] $variant, )+
            /// A value this client does not know (yet), kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every value this client knows.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $value, )+
                    $name::Other(value) => value,
                }
            }

            /// Whether this is a value this client knows (not `Other`).
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $value => $name::$variant, )+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match $name::from(value.as_str()) {
                    $name::Other(_) => $name::Other(value),
                    known => known,
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok($name::from(value))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a string (", stringify!($name), ")"))
                    }
                    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<$name, E> {
                        Ok($name::from(value))
                    }
                    fn visit_string<E: serde::de::Error>(self, value: String) -> Result<$name, E> {
                        Ok($name::from(value))
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
}

dintero_enum! {
    /// Transaction status (`status`, event `transaction_status`, list filter): 12 values.
    pub enum TransactionStatus {
        Initiated => "INITIATED",
        Authorized => "AUTHORIZED",
        AuthorizationVoided => "AUTHORIZATION_VOIDED",
        Captured => "CAPTURED",
        PartiallyCaptured => "PARTIALLY_CAPTURED",
        PartiallyCapturedRefunded => "PARTIALLY_CAPTURED_REFUNDED",
        Refunded => "REFUNDED",
        PartiallyRefunded => "PARTIALLY_REFUNDED",
        Declined => "DECLINED",
        Failed => "FAILED",
        Unknown => "UNKNOWN",
        OnHold => "ON_HOLD",
    }
}

impl TransactionStatus {
    /// Money is reserved or taken: AUTHORIZED, CAPTURED, PARTIALLY_* or REFUNDED.
    pub fn is_paid(&self) -> bool {
        matches!(
            self,
            Self::Authorized
                | Self::Captured
                | Self::PartiallyCaptured
                | Self::PartiallyCapturedRefunded
                | Self::PartiallyRefunded
                | Self::Refunded
        )
    }

    /// The payment did not go through (FAILED, DECLINED, UNKNOWN, AUTHORIZATION_VOIDED).
    pub fn is_not_paid(&self) -> bool {
        matches!(
            self,
            Self::Failed | Self::Declined | Self::Unknown | Self::AuthorizationVoided
        )
    }

    /// Capture is allowed in this status (AUTHORIZED, PARTIALLY_CAPTURED,
    /// PARTIALLY_CAPTURED_REFUNDED).
    pub fn allows_capture(&self) -> bool {
        matches!(
            self,
            Self::Authorized | Self::PartiallyCaptured | Self::PartiallyCapturedRefunded
        )
    }

    /// Refund is allowed in this status (CAPTURED, PARTIALLY_CAPTURED, PARTIALLY_REFUNDED,
    /// PARTIALLY_CAPTURED_REFUNDED).
    pub fn allows_refund(&self) -> bool {
        matches!(
            self,
            Self::Captured
                | Self::PartiallyCaptured
                | Self::PartiallyRefunded
                | Self::PartiallyCapturedRefunded
        )
    }
}

dintero_enum! {
    /// Transaction event name (`events[].event`).
    pub enum TransactionEventName {
        Initialize => "INITIALIZE",
        Authorize => "AUTHORIZE",
        Capture => "CAPTURE",
        Refund => "REFUND",
        Void => "VOID",
        InitiateRefund => "INITIATE_REFUND",
        InitiateVoid => "INITIATE_VOID",
        InitiateCapture => "INITIATE_CAPTURE",
        Settlement => "SETTLEMENT",
    }
}

dintero_enum! {
    /// Session event name (`events[].name` on a session).
    pub enum SessionEventName {
        Initiated => "INITIATED",
        Visited => "VISITED",
        Completed => "COMPLETED",
        Authorized => "AUTHORIZED",
        Declined => "DECLINED",
        PayLockStart => "PAY_LOCK_START",
        PayLockMeta => "PAY_LOCK_META",
        PayLockEnd => "PAY_LOCK_END",
        PayFailed => "PAY_FAILED",
        OnHoldCallbackSent => "ON_HOLD_CALLBACK_SENT",
        AuthCallbackSent => "AUTH_CALLBACK_SENT",
        Failed => "FAILED",
        Unknown => "UNKNOWN",
        PaymentTokenFlowStart => "PAYMENT_TOKEN_FLOW_START",
        UpdateSession => "UPDATE_SESSION",
        Cancelled => "CANCELLED",
        SetBillingAddress => "SET_BILLING_ADDRESS",
        SetDiscountCodes => "SET_DISCOUNT_CODES",
        SetShippingAddress => "SET_SHIPPING_ADDRESS",
        SetShippingOption => "SET_SHIPPING_OPTION",
        SetGiftCard => "SET_GIFT_CARD",
        PushNotificationSent => "PUSH_NOTIFICATION_SENT",
        SecretConfirmationCodeSent => "SECRET_CONFIRMATION_CODE_SENT",
        SetMyDintero => "SET_MY_DINTERO",
        AddPaymentInformation => "ADD_PAYMENT_INFORMATION",
    }
}

dintero_enum! {
    /// Payment provider (`payment_product`).
    pub enum PaymentProduct {
        Bambora => "bambora",
        Collector => "collector",
        Dintero => "dintero",
        DinteroPsp => "dintero_psp",
        Instabank => "instabank",
        Klarna => "klarna",
        Netaxept => "netaxept",
        Payex => "payex",
        Santander => "santander",
        Swish => "swish",
        Vipps => "vipps",
        Kravia => "kravia",
        Two => "two",
        Seitatech => "seitatech",
    }
}

dintero_enum! {
    /// Payment product type (`payment_product_type`, also `configuration.default_payment_type`).
    pub enum PaymentProductType {
        BamboraApplepay => "bambora.applepay",
        BamboraCreditcard => "bambora.creditcard",
        BamboraGooglepay => "bambora.googlepay",
        BamboraMobilepay => "bambora.mobilepay",
        BamboraVipps => "bambora.vipps",
        CollectorInvoice => "collector.invoice",
        CollectorInvoiceB2b => "collector.invoice_b2b",
        CollectorInvoiceB2bPreapproved => "collector.invoice_b2b_preapproved",
        CollectorInstallment => "collector.installment",
        DinteroZero => "dintero.zero",
        DinteroWallets => "dintero.wallets",
        DinteroExternal => "dintero.external",
        DinteroPspCreditcard => "dintero_psp.creditcard",
        DinteroPspVipps => "dintero_psp.vipps",
        DinteroPspGooglepay => "dintero_psp.googlepay",
        DinteroPspApplepay => "dintero_psp.applepay",
        DinteroPspClicktopay => "dintero_psp.clicktopay",
        InstabankFinance => "instabank.finance",
        InstabankInvoice => "instabank.invoice",
        InstabankInstallment => "instabank.installment",
        InstabankPostponement => "instabank.postponement",
        KlarnaKlarna => "klarna.klarna",
        KlarnaBillie => "klarna.billie",
        KraviaInvoiceB2b => "kravia.invoice_b2b",
        KraviaInvoiceB2bGrouped => "kravia.invoice_b2b_grouped",
        KraviaInvoiceB2c => "kravia.invoice_b2c",
        TwoInvoiceB2b => "two.invoice_b2b",
        NetaxeptCreditcard => "netaxept.creditcard",
        PayexCreditcard => "payex.creditcard",
        PayexMobilepay => "payex.mobilepay",
        PayexSwish => "payex.swish",
        PayexVipps => "payex.vipps",
        PayexApplepay => "payex.applepay",
        PayexClicktopay => "payex.clicktopay",
        PayexGooglepay => "payex.googlepay",
        SantanderDebitAccount => "santander.debit_account",
        SeitatechInPerson => "seitatech.in_person",
        SwishSwish => "swish.swish",
        Vipps => "vipps",
    }
}

dintero_enum! {
    /// Sales channel (`channel`, `configuration.channel`).
    pub enum Channel {
        Ecommerce => "ecommerce",
        InApp => "in_app",
        InStore => "in_store",
    }
}

dintero_enum! {
    /// Settlement state of a transaction (`settlement_status`).
    pub enum SettlementStatus {
        NotSettled => "NOT_SETTLED",
        PendingSettlement => "PENDING_SETTLEMENT",
        PartiallySettled => "PARTIALLY_SETTLED",
        Settled => "SETTLED",
    }
}

dintero_enum! {
    /// Order line type (`items[].type`).
    pub enum ItemType {
        Physical => "physical",
        Digital => "digital",
        Service => "service",
        GiftCard => "gift_card",
        Shipping => "shipping",
        Surcharge => "surcharge",
    }
}

dintero_enum! {
    /// Failure class of a failed transaction event (`events[].error.type[]`).
    pub enum EventErrorType {
        Error => "ERROR",
        Declined => "DECLINED",
        IssuerError => "ISSUER_ERROR",
        PickUpCard => "PICK_UP_CARD",
        InvalidMerchant => "INVALID_MERCHANT",
        InvalidTransaction => "INVALID_TRANSACTION",
        InvalidAmount => "INVALID_AMOUNT",
        InsufficientFunds => "INSUFFICIENT_FUNDS",
        ClosedAccount => "CLOSED_ACCOUNT",
        ExpiredCard => "EXPIRED_CARD",
        ExceedsApprovalLimit => "EXCEEDS_APPROVAL_LIMIT",
        ExceedsWithdrawalFrequencyLimit => "EXCEEDS_WITHDRAWAL_FREQUENCY_LIMIT",
        RestrictedCard => "RESTRICTED_CARD",
        PinRequired => "PIN_REQUIRED",
        FailedVerification => "FAILED_VERIFICATION",
        AdditionalVerificationRequired => "ADDITIONAL_VERIFICATION_REQUIRED",
        Unknown => "UNKNOWN",
    }
}

dintero_enum! {
    /// Retry advice on a failed event (`events[].error.retry_policy.retry_codes[]`).
    pub enum RetryCode {
        DoNotRetry => "DO_NOT_RETRY",
        RetryImmediately => "RETRY_IMMEDIATELY",
        RetryAfterDelay => "RETRY_AFTER_DELAY",
    }
}

dintero_enum! {
    /// Kind of payment (`payment_operation`).
    pub enum PaymentOperation {
        UnscheduledPurchase => "unscheduled_purchase",
        RecurringPurchase => "recurring_purchase",
        GeneratePaymentToken => "generate_payment_token",
    }
}

dintero_enum! {
    /// How the checkout link is published (`configuration.publish[].channel`).
    pub enum PublishChannel {
        Sms => "sms",
        Push => "push",
    }
}

dintero_enum! {
    /// What is published (`configuration.publish[].type`).
    pub enum PublishType {
        CheckoutLink => "checkout-link",
        App => "app",
        Terminal => "terminal",
    }
}

dintero_enum! {
    /// Outcome of a publish (`publish[].status`).
    pub enum PublishStatus {
        Sent => "sent",
        Skipped => "skipped",
        Failed => "failed",
    }
}

dintero_enum! {
    /// Card type (`card.type`).
    pub enum CardType {
        Credit => "Credit",
        Debit => "Debit",
        CreditCard => "Credit Card",
        DebitCard => "Debit Card",
        Prepaid => "Prepaid",
    }
}

dintero_enum! {
    /// Card region (`card.region`).
    pub enum CardRegion {
        Domestic => "domestic",
        Eea => "eea",
        EeaUk => "eea-uk",
        Europe => "europe",
        Inter => "inter",
    }
}

dintero_enum! {
    /// Card product platform (`card.product_platform`).
    pub enum CardProductPlatform {
        Consumer => "consumer",
        Commercial => "commercial",
    }
}

dintero_enum! {
    /// Acquirer transaction type (`card.acquirer_transaction_type`).
    pub enum AcquirerTransactionType {
        ThreeDSecure => "3DSECURE",
        Ssl => "SSL",
    }
}

dintero_enum! {
    /// 3-D Secure authentication status (`card.authentication_status`).
    pub enum AuthenticationStatus {
        Y => "Y",
        A => "A",
        U => "U",
        N => "N",
    }
}

dintero_enum! {
    /// Card holder's consent to tokenization (`card.card_holder_tokenization_consent`).
    pub enum TokenizationConsent {
        OptIn => "opt_in",
        OptOut => "opt_out",
    }
}

dintero_enum! {
    /// How a card was read at a terminal (`card.entry_method`).
    pub enum EntryMethod {
        Chip => "chip",
        Contactless => "contactless",
        Magstripe => "magstripe",
    }
}

dintero_enum! {
    /// Extra data on a transaction read (`includes` of `GET /v1/transactions/{id}` and the list).
    pub enum TransactionInclude {
        CardPaymentToken => "card.payment_token",
        CardRecurrenceToken => "card.recurrence_token",
        Session => "session",
        SessionEventsLatest => "session.events.latest",
        EventsRequestHeaders => "events.request_headers",
        EventsSuccessTrue => "events.success.true",
        InitiatingSystemRequestHeaders => "initiating_system_request_headers",
    }
}

dintero_enum! {
    /// Extra data on a session read (`includes` of `GET /v1/sessions/{id}`).
    pub enum SessionInclude {
        EventsRequestHeaders => "events.request_headers",
        InitiatingSystemRequestHeaders => "initiating_system_request_headers",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_values_round_trip() {
        assert_eq!(TransactionStatus::KNOWN.len(), 12);
        for status in TransactionStatus::KNOWN {
            let json = serde_json::to_string(status).unwrap();
            let back: TransactionStatus = serde_json::from_str(&json).unwrap();
            assert_eq!(&back, status);
        }
        let other: TransactionStatus = serde_json::from_str("\"PENDING_MAGIC\"").unwrap();
        assert_eq!(other, TransactionStatus::Other("PENDING_MAGIC".into()));
        assert_eq!(serde_json::to_string(&other).unwrap(), "\"PENDING_MAGIC\"");
        assert!(!other.is_known());
        let via_value: PaymentProductType =
            serde_json::from_value(serde_json::json!("dintero_psp.creditcard")).unwrap();
        assert_eq!(via_value, PaymentProductType::DinteroPspCreditcard);
        assert_eq!(
            TransactionEventName::from(String::from("INITIATE")),
            TransactionEventName::Other("INITIATE".into())
        );
        assert_eq!(CardType::from("Credit Card"), CardType::CreditCard);
        assert_eq!(ItemType::GiftCard.to_string(), "gift_card");
    }
}
