//! Kasse's merchant references: `COUNTER-YYYYMMDD-NNNN`, one per sale and counter.

use time::Date;

/// The parts of a Kasse merchant reference `COUNTER-YYYYMMDD-NNNN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantReference {
    /// The counter name.
    pub counter: String,
    /// The day, `YYYYMMDD`.
    pub day: String,
    /// The sequence number within the counter and day.
    pub seq: u32,
}

/// Formats a merchant reference: `KASSE1-20261124-0042` (at least 4 digits).
pub fn format_merchant_reference(counter: &str, day: Date, seq: u32) -> String {
    format!(
        "{counter}-{:04}{:02}{:02}-{seq:04}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// Parses a reference made by [`format_merchant_reference`]; `None` for any other shape.
pub fn parse_merchant_reference(r: &str) -> Option<MerchantReference> {
    let mut parts = r.rsplitn(3, '-');
    let seq = parts.next()?;
    let day = parts.next()?;
    let counter = parts.next()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if counter.is_empty() || day.len() != 8 || !digits(day) || seq.len() < 4 || !digits(seq) {
        return None;
    }
    Some(MerchantReference {
        counter: counter.to_owned(),
        day: day.to_owned(),
        seq: seq.parse().ok()?,
    })
}
