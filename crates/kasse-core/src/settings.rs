//! The counter's settings, kept in SQLite as one JSON value. Credentials are not settings: the
//! client secret lives in the OS keyring (the shells handle it) and never reaches this struct.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::access::Allowed;
use crate::sale::SettingChange;
use crate::staff::Guarded;

use crate::cadence::Cadence;
use crate::error::CoreError;
use crate::money::{Currency, VatRate};
use crate::print::ReceiptSettings;
use crate::store::Store;

const KEY: &str = crate::store::settings::keys::APP;

/// A button on the Sell screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickItem {
    /// Stable id (product id sent to Dintero).
    pub id: String,
    /// Text on the button and the receipt.
    pub label: String,
    /// Price incl. VAT in minor units (per kg for weighed goods).
    pub unit_price: i64,
    /// VAT rate.
    pub vat: VatRate,
    /// Sold by weight (asks for a decimal quantity).
    pub weighed: bool,
}

/// Everything a counter remembers between runs, except secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Dintero account id (`T…` test, `P…` production); empty = demo mode.
    pub account_id: String,
    /// Dintero API client id.
    pub client_id: String,
    /// Payment profile.
    pub profile_id: String,
    /// Default currency.
    pub currency: Currency,
    /// The counter's name, for people (its merchant references use its id:
    /// [`crate::store::Store::counter_id`]).
    pub counter: String,
    /// VAT presets on the Sell screen.
    pub vat_presets: Vec<VatRate>,
    /// Quick items.
    pub quick_items: Vec<QuickItem>,
    /// Poll cadence.
    pub cadence: Cadence,
    /// UI language (`en`, `nb`, `sv`).
    pub language: String,
    /// Where customers land after paying.
    pub return_url: Option<String>,
    /// "Capture at payment": counter sales ask Dintero to capture when the payment is
    /// authorised (`configuration.auto_capture`), so a paid sale's money is collected without
    /// anyone capturing it under Transactions. Off for shops that hand goods over later; the
    /// authorisations left uncaptured are then flagged ([`crate::sale::Sale::uncaptured`]).
    /// On by default.
    pub capture_at_payment: bool,
    /// The customer display on the shop's network ([`crate::display::lan`]): a tablet that
    /// types the counter's pairing code follows it. Off by default.
    pub display_lan: bool,
    /// The shop on its receipts, the receipt printer, and printing after each paid sale.
    pub receipt: ReceiptSettings,
}

/// The demo's quick items with their labels in `language` (`en`, `nb`, `sv`; English for any
/// other): the same ids, prices and VAT in every language.
pub fn default_quick_items(language: &str) -> Vec<QuickItem> {
    let vat = |p: u32| VatRate::from_hundredths(p * 100).unwrap_or_default();
    // (id, price, VAT %, weighed, [en, nb, sv])
    #[rustfmt::skip]
    const ITEMS: [(&str, i64, u32, bool, [&str; 3]); 6] = [
        ("coffee", 3900, 25, false, ["Coffee", "Kaffe", "Kaffe"]),
        ("tea", 3500, 25, false, ["Tea", "Te", "Te"]),
        ("bun", 4500, 15, false, ["Cinnamon bun", "Kanelbolle", "Kanelbulle"]),
        ("sandwich", 8900, 15, false, ["Sandwich", "Smørbrød", "Smörgås"]),
        ("apples", 3990, 15, true, ["Apples (kg)", "Epler (kg)", "Äpplen (kg)"]),
        ("bag", 300, 25, false, ["Carrier bag", "Bærepose", "Bärkasse"]),
    ];
    let column = match language {
        "nb" => 1,
        "sv" => 2,
        _ => 0,
    };
    ITEMS
        .iter()
        .map(|(id, price, v, weighed, labels)| QuickItem {
            id: (*id).into(),
            label: labels[column].into(),
            unit_price: *price,
            vat: vat(*v),
            weighed: *weighed,
        })
        .collect()
}

impl Default for Settings {
    fn default() -> Self {
        let vat = |p: u32| VatRate::from_hundredths(p * 100).unwrap_or_default();
        Settings {
            account_id: String::new(),
            client_id: String::new(),
            profile_id: "default".into(),
            currency: Currency::Nok,
            counter: "KASSE1".into(),
            vat_presets: vec![vat(25), vat(15), vat(12), vat(0)],
            quick_items: default_quick_items("en"),
            cadence: Cadence::default(),
            language: "en".into(),
            return_url: None,
            capture_at_payment: true,
            display_lan: false,
            receipt: ReceiptSettings::default(),
        }
    }
}

impl Settings {
    /// The ids of the quick items sold by weight (for the customer display's units).
    pub fn weighed_quick_items(&self) -> Vec<String> {
        self.quick_items
            .iter()
            .filter(|q| q.weighed)
            .map(|q| q.id.clone())
            .collect()
    }

    /// Loads the settings (defaults when none are saved yet).
    pub fn load(store: &Store) -> Result<Settings, CoreError> {
        Ok(store.setting_as::<Settings>(KEY)?.unwrap_or_default())
    }

    /// Checks every field a person can type, naming the one at fault.
    pub fn validate(&self) -> Result<(), CoreError> {
        if !self.account_id.is_empty() {
            dintero_client::AccountId::parse(&self.account_id).map_err(|_| {
                CoreError::input(
                    "account_id",
                    "must be T or P followed by 8 digits (T = test account, P = production)",
                )
            })?;
            if self.client_id.trim().is_empty() {
                return Err(CoreError::input(
                    "client_id",
                    "is needed with an account id",
                ));
            }
        }
        let counter = self.counter.trim();
        if counter.is_empty()
            || counter.len() > 32
            || !counter
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(CoreError::input(
                "counter",
                "1 to 32 letters, digits or _ (it starts every receipt number)",
            ));
        }
        if self.profile_id.trim().is_empty() {
            return Err(CoreError::input(
                "profile_id",
                "must not be empty (usually \"default\")",
            ));
        }
        for (i, q) in self.quick_items.iter().enumerate() {
            if q.label.trim().is_empty() {
                return Err(CoreError::input(
                    format!("quick_items[{}].label", i + 1),
                    "must not be empty",
                ));
            }
            if q.unit_price <= 0 || q.unit_price > i64::from(i32::MAX) {
                return Err(CoreError::input(
                    format!("quick_items[{}].unit_price", i + 1),
                    "must be a positive amount in minor units",
                ));
            }
        }
        if self.cadence.waiting_ms < 200 || self.cadence.paying_ms < 200 {
            return Err(CoreError::input(
                "cadence",
                "poll intervals must be at least 200 ms",
            ));
        }
        self.receipt.validate()
    }

    /// After a change of language from `previous`: quick items still as the defaults of the
    /// previous language are named in the new one; items the shop set up are its own and stay.
    pub fn follow_language(&mut self, previous: &str) {
        if self.language != previous && self.quick_items == default_quick_items(previous) {
            self.quick_items = default_quick_items(&self.language);
        }
    }

    /// Whether going from these settings to `next` needs the engine built anew: what it runs
    /// against (account, client, secret, profile) or how it sells (currency, cadence). The
    /// counter's name, VAT presets, quick items, language, PIN do not, nor "Capture at payment"
    /// ([`crate::Kasse::set_auto_capture`]: the next charge follows it, sales already charged
    /// keep what their session asked). Like every setting, changing it needs the manager's PIN
    /// ([`Guarded::Settings`]): it decides whether money is collected.
    pub fn needs_restart(&self, next: &Settings, new_secret: bool) -> bool {
        new_secret
            || next.account_id != self.account_id
            || next.client_id != self.client_id
            || next.profile_id != self.profile_id
            || next.currency != self.currency
            || next.cadence != self.cadence
            || next.return_url != self.return_url
    }

    /// Saves these settings in place of `previous`, as allowed by `allowed` (a
    /// [`Guarded::Settings`] [`crate::access::guard`]), and journals what changed: each setting
    /// old → new, the client secret (`secret_changed`, kept by the shell) only as changed.
    pub fn save(
        &self,
        store: &Store,
        allowed: &Allowed,
        previous: &Settings,
        secret_changed: bool,
        now: OffsetDateTime,
    ) -> Result<(), CoreError> {
        let actor = allowed.expect(Guarded::Settings)?;
        self.validate()?;
        let mut changes = Vec::new();
        let json = |s: &Settings| {
            serde_json::to_value(s).map_err(|e| CoreError::from(crate::store::StoreError::from(e)))
        };
        let (old, new) = (json(previous)?, json(self)?);
        if let (Value::Object(old), Value::Object(new)) = (&old, &new) {
            for (key, value) in new {
                let before = old.get(key).cloned().unwrap_or(Value::Null);
                if &before != value {
                    changes.push(SettingChange::Value {
                        setting: key.clone(),
                        old: before,
                        new: value.clone(),
                    });
                }
            }
        }
        if secret_changed {
            changes.push(SettingChange::Secret {
                setting: "client_secret".into(),
            });
        }
        store.change_setting(KEY, &new, actor, changes, now)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {

    /// Issue 16, defect 9: the demo's quick items follow the UI language; the shop's own do not.
    #[test]
    fn default_quick_items_follow_the_language() {
        let en = Settings::default();
        let mut nb = en.clone();
        nb.language = "nb".into();
        nb.follow_language(&en.language);
        let labels: Vec<&str> = nb.quick_items.iter().map(|q| q.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Kaffe",
                "Te",
                "Kanelbolle",
                "Smørbrød",
                "Epler (kg)",
                "Bærepose"
            ]
        );
        for (a, b) in en.quick_items.iter().zip(&nb.quick_items) {
            assert_eq!(
                (&a.id, a.unit_price, a.vat, a.weighed),
                (&b.id, b.unit_price, b.vat, b.weighed)
            );
        }
        let mut sv = nb.clone();
        sv.language = "sv".into();
        sv.follow_language("nb");
        assert_eq!(sv.quick_items[1].label, "Te");
        assert_eq!(sv.quick_items[2].label, "Kanelbulle");
        // Back to English, and the shop's own items never change.
        let mut back = sv.clone();
        back.language = "en".into();
        back.follow_language("sv");
        assert_eq!(back.quick_items, en.quick_items);
        let mut own = en.clone();
        own.quick_items[0].label = "Espresso".into();
        let kept = own.quick_items.clone();
        own.language = "nb".into();
        own.follow_language("en");
        assert_eq!(own.quick_items, kept);
    }

    /// Issue 14, item 8: every language names every demo item in its own words (the table's
    /// type has a label per language; none may be empty or left as English writes it).
    #[test]
    fn every_language_names_every_demo_item_in_its_own_words() {
        let en = default_quick_items("en");
        for lang in ["nb", "sv"] {
            for (e, l) in en.iter().zip(default_quick_items(lang)) {
                assert!(!l.label.trim().is_empty(), "{lang} {}", e.id);
                assert_ne!(l.label, e.label, "{lang} {}: left in English", e.id);
            }
        }
        let sv: Vec<String> = default_quick_items("sv")
            .into_iter()
            .map(|q| q.label)
            .collect();
        assert_eq!(
            sv,
            [
                "Kaffe",
                "Te",
                "Kanelbulle",
                "Smörgås",
                "Äpplen (kg)",
                "Bärkasse"
            ]
        );
    }

    #[test]
    fn only_what_the_engine_runs_on_needs_a_restart() {
        let s = Settings::default();
        let mut name = s.clone();
        name.counter = "Bar".into();
        name.language = "nb".into();
        name.quick_items.clear();
        name.capture_at_payment = false;
        assert!(!s.needs_restart(&name, false));
        assert!(s.needs_restart(&name, true), "a new secret");
        for change in [
            |n: &mut Settings| n.account_id = "T12345678".into(),
            |n: &mut Settings| n.client_id = "other".into(),
            |n: &mut Settings| n.profile_id = "p2".into(),
            |n: &mut Settings| n.currency = crate::money::Currency::Sek,
            |n: &mut Settings| n.cadence.waiting_ms += 1,
            |n: &mut Settings| n.return_url = Some("https://x.test/".into()),
        ] {
            let mut n = s.clone();
            change(&mut n);
            assert!(s.needs_restart(&n, false), "{n:?}");
        }
    }
    use super::*;

    /// A log whose manager, Mona, has the PIN 4711; and the time.
    fn managed() -> (Store, OffsetDateTime) {
        let now = time::macros::datetime!(2026-12-06 12:00 UTC);
        let store = Store::open_in_memory().unwrap();
        let anyone = crate::access::guard(&store, Guarded::Settings, None, now).unwrap();
        crate::access::set_pin(
            &store,
            &anyone,
            "Mona",
            crate::staff::Role::Manager,
            "4711",
            now,
        )
        .unwrap();
        (store, now)
    }

    /// Saves `next` over `before` with the manager's PIN, after checking that without one the
    /// change is refused; returns the manager's permission.
    fn manager_saves(
        store: &Store,
        next: &Settings,
        before: &Settings,
        new_secret: bool,
        now: OffsetDateTime,
    ) -> crate::access::Allowed {
        use crate::access::guard;
        assert_eq!(
            guard(store, Guarded::Settings, None, now)
                .unwrap_err()
                .code(),
            "pin_required"
        );
        let mona = guard(store, Guarded::Settings, Some("4711"), now).unwrap();
        next.save(store, &mona, before, new_secret, now).unwrap();
        mona
    }

    #[test]
    fn capture_at_payment_is_on_by_default_also_for_settings_saved_before_it() {
        assert!(Settings::default().capture_at_payment);
        let older: Settings =
            serde_json::from_value(serde_json::json!({"counter": "BAR"})).unwrap();
        assert!(older.capture_at_payment);
        assert_eq!(older.counter, "BAR");
    }

    #[test]
    fn changing_capture_at_payment_is_guarded_and_journaled() {
        let (store, now) = managed();
        let before = Settings::load(&store).unwrap();
        let mut off = before.clone();
        off.capture_at_payment = false;
        manager_saves(&store, &off, &before, false, now);
        assert!(!Settings::load(&store).unwrap().capture_at_payment);
        let events = store.counter_events().unwrap();
        let crate::sale::LogEvent::SettingsChanged { changes, .. } = &events.last().unwrap().event
        else {
            panic!("{events:?}");
        };
        assert_eq!(
            serde_json::to_value(changes).unwrap(),
            serde_json::json!([{"change": "value", "setting": "capture_at_payment", "old": true, "new": false}])
        );
    }

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let store = Store::open_in_memory().unwrap();
        let s = Settings::load(&store).unwrap();
        assert_eq!(s, Settings::default());
        let mut changed = s.clone();
        changed.counter = "BAR2".into();
        let now = time::macros::datetime!(2026-12-06 12:00 UTC);
        let allowed = crate::access::guard(&store, Guarded::Settings, None, now).unwrap();
        changed.save(&store, &allowed, &s, false, now).unwrap();
        assert_eq!(Settings::load(&store).unwrap().counter, "BAR2");
    }

    #[test]
    fn bad_fields_are_named() {
        let mut s = Settings {
            account_id: "X123".into(),
            ..Settings::default()
        };
        assert_eq!(
            s.validate().unwrap_err().field().as_deref(),
            Some("account_id")
        );
        s.account_id = "T12345678".into();
        assert_eq!(
            s.validate().unwrap_err().field().as_deref(),
            Some("client_id")
        );
        s.client_id = "abc".into();
        s.counter = "has space".into();
        assert_eq!(
            s.validate().unwrap_err().field().as_deref(),
            Some("counter")
        );
    }

    #[test]
    fn a_change_is_journaled_old_to_new_and_the_secret_only_as_changed() {
        use crate::sale::LogEvent;
        use crate::staff::{Actor, Role};
        let (store, now) = managed();
        let before = Settings::load(&store).unwrap();
        let mut next = before.clone();
        next.account_id = "T12345678".into();
        next.client_id = "abc".into();
        let mona = manager_saves(&store, &next, &before, true, now);
        assert_eq!(Settings::load(&store).unwrap(), next);
        let events = store.counter_events().unwrap();
        let LogEvent::SettingsChanged { actor, changes } = &events.last().unwrap().event else {
            panic!("{events:?}");
        };
        assert_eq!(
            actor,
            &Actor::Staff {
                name: "Mona".into(),
                role: Role::Manager
            }
        );
        let json = serde_json::to_value(changes).unwrap();
        assert_eq!(
            json,
            serde_json::json!([
                {"change": "value", "setting": "account_id", "old": "", "new": "T12345678"},
                {"change": "value", "setting": "client_id", "old": "", "new": "abc"},
                {"change": "secret", "setting": "client_secret"},
            ])
        );
        // An invalid change is neither saved nor journaled.
        let mut bad = next.clone();
        bad.counter = String::new();
        assert!(bad.save(&store, &mona, &next, false, now).is_err());
        assert_eq!(store.counter_events().unwrap().len(), events.len());
    }
}
