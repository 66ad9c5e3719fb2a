//! Serde helpers: exact decimals, lenient RFC 3339 timestamps, one-or-many lists.

/// The `option` module of a helper module for `$t` (use it with `#[serde(default)]`): `Some`
/// is written and read by the helper module's own `serialize` and `deserialize`; `None` is
/// written as null, and null, unit or an absent field read as `None`, as for any `Option`.
macro_rules! option_module {
    ($t:ty, $doc:literal) => {
        #[doc = $doc]
        pub mod option {
            /// Writes `Some` as the enclosing helper does, `None` as null.
            pub fn serialize<S: serde::Serializer>(
                value: &Option<$t>,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                match value {
                    Some(v) => super::serialize(v, serializer),
                    None => serializer.serialize_none(),
                }
            }

            /// Reads null, unit or absent as `None`, anything else as the enclosing helper does.
            pub fn deserialize<'de, D: serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Option<$t>, D::Error> {
                struct Present($t);
                impl<'de> serde::Deserialize<'de> for Present {
                    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        super::deserialize(d).map(Present)
                    }
                }
                let read = <Option<Present> as serde::Deserialize>::deserialize(deserializer)?;
                Ok(read.map(|Present(value)| value))
            }
        }
    };
}

/// `rust_decimal::Decimal` read exactly from a JSON number or string, written as a JSON number
/// in its shortest form (`0.1`, `25.5`, `2`).
///
/// Numbers arrive as `f64` (serde_json without `arbitrary_precision`); they are converted
/// through their shortest round-trip text, which is exact for every decimal of up to 15
/// significant digits (all VAT rates and quantities a POS uses). Strings are exact up to 28
/// digits. Writing goes through the same shortest text, so it is exact for up to 15 digits.
pub mod decimal {
    use std::fmt;
    use std::str::FromStr;

    use rust_decimal::Decimal;
    use serde::de::{self, MapAccess, Visitor};
    use serde::{Deserializer, Serializer};

    /// Writes a decimal as a JSON number.
    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        let normal = value.normalize();
        // A whole number (a quantity of 1, a VAT rate of 25) is its mantissa: no text needed.
        if normal.scale() == 0 {
            if let Ok(int) = i64::try_from(normal.mantissa()) {
                return serializer.serialize_i64(int);
            }
        }
        let float = f64::from_str(&normal.to_string()).map_err(serde::ser::Error::custom)?;
        serializer.serialize_f64(float)
    }

    /// Reads a decimal from a JSON number or a numeric string.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        deserializer.deserialize_any(DecimalVisitor)
    }

    pub(crate) fn parse_text(text: &str) -> Result<Decimal, String> {
        let text = text.trim();
        let parsed = if text.contains(['e', 'E']) {
            Decimal::from_scientific(text)
        } else {
            Decimal::from_str_exact(text)
        };
        parsed.map_err(|e| format!("{text:?} is not an exact decimal: {e}"))
    }

    struct DecimalVisitor;

    impl<'de> Visitor<'de> for DecimalVisitor {
        type Value = Decimal;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a decimal number or numeric string")
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }

        fn visit_i128<E: de::Error>(self, v: i128) -> Result<Decimal, E> {
            Decimal::try_from_i128_with_scale(v, 0).map_err(E::custom)
        }

        fn visit_u128<E: de::Error>(self, v: u128) -> Result<Decimal, E> {
            let v = i128::try_from(v).map_err(E::custom)?;
            self.visit_i128(v)
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
            if !v.is_finite() {
                return Err(E::custom("decimal must be finite"));
            }
            // Rust prints the shortest text that reads back as the same f64, never in exponent form.
            parse_text(&v.to_string()).map_err(E::custom)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
            parse_text(v).map_err(E::custom)
        }

        // serde_json with `arbitrary_precision` (if any crate enables it) hands numbers over as
        // a one-entry map holding the exact text.
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Decimal, A::Error> {
            let Some(key) = map.next_key::<String>()? else {
                return Err(de::Error::custom("expected a decimal, got an empty object"));
            };
            if key != "$serde_json::private::Number" {
                return Err(de::Error::custom("expected a decimal, got an object"));
            }
            let text: String = map.next_value()?;
            parse_text(&text).map_err(de::Error::custom)
        }
    }

    option_module!(
        rust_decimal::Decimal,
        "The same for `Option<Decimal>` (use with `#[serde(default)]`)."
    );
}

/// Timestamps: written as RFC 3339; read as RFC 3339, or ISO 8601 without an offset (UTC).
pub mod timestamp {
    use std::fmt;

    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};
    use time::format_description::well_known::{Iso8601, Rfc3339};
    use time::{OffsetDateTime, PrimitiveDateTime};

    pub(crate) fn parse(text: &str) -> Result<OffsetDateTime, String> {
        let text = text.trim();
        OffsetDateTime::parse(text, &Rfc3339)
            .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT))
            .or_else(|_| PrimitiveDateTime::parse(text, &Iso8601::DEFAULT).map(|p| p.assume_utc()))
            .map_err(|_| format!("{text:?} is not an RFC 3339 timestamp"))
    }

    pub(crate) fn format(value: &OffsetDateTime) -> Result<String, time::error::Format> {
        value.format(&Rfc3339)
    }

    /// Writes RFC 3339.
    pub fn serialize<S: Serializer>(
        value: &OffsetDateTime,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format(value).map_err(serde::ser::Error::custom)?)
    }

    /// Reads RFC 3339 (or ISO 8601 without offset, taken as UTC).
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<OffsetDateTime, D::Error> {
        deserializer
            .deserialize_string(TextVisitor)?
            .map_err(de::Error::custom)
    }

    /// Parses the string where the deserializer has it (borrowed from the input, or its own
    /// buffer when the string had escapes), instead of copying it into a `String` first.
    /// Accepts and refuses exactly what `String` does, with the same messages; a text that is
    /// no timestamp is handed back as such, so its error is raised where it was before (after
    /// the string was read: the same position in serde_json's message).
    struct TextVisitor;

    impl Visitor<'_> for TextVisitor {
        type Value = Result<OffsetDateTime, String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(parse(v))
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
            match std::str::from_utf8(v) {
                Ok(text) => self.visit_str(text),
                Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(v), &self)),
            }
        }
    }

    option_module!(
        time::OffsetDateTime,
        "The same for `Option<OffsetDateTime>` (use with `#[serde(default)]`)."
    );
}

/// `Option<String>` that also accepts a JSON number or boolean (kept as its text), for fields
/// whose type Dintero does not pin down (card and store codes).
pub(crate) mod lenient_string {
    use serde::{Deserialize, Deserializer};

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<String>, D::Error> {
        Ok(
            match Option::<serde_json::Value>::deserialize(deserializer)? {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(s)) => Some(s),
                Some(other @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
                    Some(other.to_string())
                }
                Some(_) => return Err(serde::de::Error::custom("expected a string")),
            },
        )
    }
}

/// Reads a list that may also arrive as a single value (`"DECLINED"` or `["DECLINED"]`).
pub(crate) mod one_or_many {
    use serde::{Deserialize, Deserializer};

    pub(crate) fn deserialize<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany<T> {
            Many(Vec<T>),
            One(T),
            Null(()),
        }
        Ok(match Option::<OneOrMany<T>>::deserialize(deserializer)? {
            Some(OneOrMany::Many(v)) => v,
            Some(OneOrMany::One(v)) => vec![v],
            Some(OneOrMany::Null(())) | None => Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Serialize};
    use std::str::FromStr;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct D {
        #[serde(with = "super::decimal")]
        v: Decimal,
        #[serde(
            default,
            with = "super::decimal::option",
            skip_serializing_if = "Option::is_none"
        )]
        o: Option<Decimal>,
    }

    fn read(json: &str) -> Decimal {
        serde_json::from_str::<D>(json).unwrap().v
    }

    fn write(text: &str) -> String {
        serde_json::to_string(&D {
            v: Decimal::from_str(text).unwrap(),
            o: None,
        })
        .unwrap()
    }

    #[test]
    fn decimals_read_exactly() {
        for (json, expected) in [
            (r#"{"v":0.1}"#, "0.1"),
            (r#"{"v":25.5}"#, "25.5"),
            (r#"{"v":2.125}"#, "2.125"),
            (r#"{"v":2}"#, "2"),
            (r#"{"v":-3}"#, "-3"),
            (r#"{"v":"12.50"}"#, "12.50"),
            (r#"{"v":"0.1"}"#, "0.1"),
            (r#"{"v":1e2}"#, "100"),
            (r#"{"v":"1.5e1"}"#, "15"),
            (r#"{"v":0.3333333333}"#, "0.3333333333"),
            (r#"{"v":123456789.123456}"#, "123456789.123456"),
        ] {
            assert_eq!(read(json), Decimal::from_str(expected).unwrap(), "{json}");
        }
        assert!(serde_json::from_str::<D>(r#"{"v":"abc"}"#).is_err());
        assert!(serde_json::from_str::<D>(r#"{"v":true}"#).is_err());
        let opt: D = serde_json::from_str(r#"{"v":1,"o":null}"#).unwrap();
        assert_eq!(opt.o, None);
        let opt: D = serde_json::from_str(r#"{"v":1,"o":"0.25"}"#).unwrap();
        assert_eq!(opt.o, Some(Decimal::from_str("0.25").unwrap()));
        // Through serde_json::Value as well.
        let value = serde_json::json!({"v": 0.1, "o": 25.5});
        let via: D = serde_json::from_value(value).unwrap();
        assert_eq!(via.v, Decimal::from_str("0.1").unwrap());
        assert_eq!(via.o, Some(Decimal::from_str("25.5").unwrap()));
    }

    #[test]
    fn decimals_write_shortest() {
        assert_eq!(write("0.1"), r#"{"v":0.1}"#);
        assert_eq!(write("25.5"), r#"{"v":25.5}"#);
        assert_eq!(write("25.50"), r#"{"v":25.5}"#);
        assert_eq!(write("2"), r#"{"v":2}"#);
        assert_eq!(write("2.000"), r#"{"v":2}"#);
        assert_eq!(write("2.125"), r#"{"v":2.125}"#);
        assert_eq!(write("-0.5"), r#"{"v":-0.5}"#);
        assert_eq!(write("0"), r#"{"v":0}"#);
    }

    #[test]
    fn timestamps() {
        let t = super::timestamp::parse("2026-05-12T10:15:02.118Z").unwrap();
        assert_eq!(
            super::timestamp::format(&t).unwrap(),
            "2026-05-12T10:15:02.118Z"
        );
        let t2 = super::timestamp::parse("2017-07-21T17:32:28").unwrap();
        assert_eq!(t2.offset(), time::UtcOffset::UTC);
        let t3 = super::timestamp::parse("2026-05-12T12:15:02.118+02:00").unwrap();
        assert_eq!(t3, t);
        assert!(super::timestamp::parse("yesterday").is_err());
    }

    /// The text round trip `decimal::serialize` used before its whole-number shortcut.
    fn write_via_text(value: Decimal) -> String {
        let normal = value.normalize();
        let text = normal.to_string();
        if normal.scale() == 0 {
            if let Ok(int) = text.parse::<i64>() {
                return serde_json::to_string(&int).unwrap();
            }
        }
        serde_json::to_string(&f64::from_str(&text).unwrap()).unwrap()
    }

    #[test]
    fn whole_number_shortcut_writes_what_the_text_did() {
        let mut values = vec![
            Decimal::ZERO,
            Decimal::NEGATIVE_ONE,
            Decimal::MAX,
            Decimal::MIN,
            Decimal::from(i64::MAX),
            Decimal::from(i64::MIN),
            Decimal::from(i64::MAX) + Decimal::ONE,
            Decimal::from(i64::MIN) - Decimal::ONE,
            Decimal::new(2500, 2),
            Decimal::new(-0, 3),
            Decimal::new(1, 28),
            Decimal::new(-25_000, 3),
            Decimal::new(123_456_789, 0),
            Decimal::new(1_000_000_000_000, 12),
        ];
        for mantissa in [
            -1_000_001i64,
            -25,
            -1,
            0,
            1,
            2,
            12,
            25,
            100,
            999_999_999_999_999,
        ] {
            for scale in [0u32, 1, 2, 3, 8, 15, 28] {
                values.push(Decimal::new(mantissa, scale));
            }
        }
        for value in values {
            let json = serde_json::to_string(&D { v: value, o: None }).unwrap();
            assert_eq!(
                json,
                format!(r#"{{"v":{}}}"#, write_via_text(value)),
                "{value:?}"
            );
        }
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct T {
        #[serde(default, with = "super::timestamp::option")]
        o: Option<time::OffsetDateTime>,
        #[serde(default)]
        r: Option<Wrapped>,
    }

    /// A required timestamp, behind an `Option` so the same inputs can omit it.
    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(transparent)]
    struct Wrapped(#[serde(with = "super::timestamp")] time::OffsetDateTime);

    /// The timestamp fields as they were read before: through a `String`.
    #[derive(Deserialize, Debug, PartialEq)]
    struct Before {
        #[serde(default, deserialize_with = "option_before")]
        o: Option<time::OffsetDateTime>,
        #[serde(default)]
        r: Option<WrappedBefore>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(transparent)]
    struct WrappedBefore(#[serde(deserialize_with = "required_before")] time::OffsetDateTime);

    fn required_before<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<time::OffsetDateTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::timestamp::parse(&text).map_err(serde::de::Error::custom)
    }

    fn option_before<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<time::OffsetDateTime>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            Some(text) => super::timestamp::parse(&text)
                .map(Some)
                .map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }

    type Read = Result<(Option<time::OffsetDateTime>, Option<time::OffsetDateTime>), String>;

    fn read_now(result: Result<T, serde_json::Error>) -> Read {
        result
            .map(|t| (t.o, t.r.map(|r| r.0)))
            .map_err(|e| e.to_string())
    }

    fn read_before(result: Result<Before, serde_json::Error>) -> Read {
        result
            .map(|t| (t.o, t.r.map(|r| r.0)))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn timestamps_read_in_place_accept_and_refuse_what_strings_did() {
        for json in [
            r#"{}"#,
            r#"{"o":null}"#,
            r#"{"o":"2026-05-12T10:15:02.118Z","r":"2026-05-12T10:15:02.118Z"}"#,
            r#"{"o":"2026-05-12T10:15:02.118\u005A"}"#,
            r#"{"o":" 2017-07-21T17:32:28 "}"#,
            r#"{"o":"2026-05-12T12:15:02.118+02:00"}"#,
            r#"{"o":"yesterday"}"#,
            r#"{"o":"2026-05-12T10:15:02.118\u00e5"}"#,
            r#"{"o":5}"#,
            r#"{"o":true}"#,
            r#"{"o":{}}"#,
            r#"{"o":[]}"#,
            r#"{"r":"2026-13-12T10:15:02Z"}"#,
            r#"{"r":7}"#,
        ] {
            let now = read_now(serde_json::from_str(json));
            assert_eq!(now, read_before(serde_json::from_str(json)), "{json}");
            // Through serde_json::Value (owned strings) too.
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            assert_eq!(
                read_now(serde_json::from_value(value.clone())),
                read_before(serde_json::from_value(value)),
                "{json}"
            );
        }
    }
}
