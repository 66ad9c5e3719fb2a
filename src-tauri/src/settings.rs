//! The Settings screen's commands: reading and saving the settings, the staff's PINs and the
//! connection test, each a thin adapter like those in `commands` (the rules are kasse-core's
//! `settings`, `access` and `staff`).

use std::sync::Arc;

use kasse_core::access;
use kasse_core::money::{Currency, VatRate};
use kasse_core::settings::{QuickItem as CoreQuickItem, Settings as CoreSettings};
use kasse_core::staff::Guarded;
use kasse_core::ErrorCode;
use tauri::State;

use crate::dto::*;
use crate::error::CmdResult;
use crate::state::AppState;

type St<'a> = State<'a, Arc<AppState>>;

pub(crate) fn settings_dto(state: &AppState, s: &CoreSettings) -> CmdResult<Settings> {
    let store = &state.settings_store;
    let staff = access::staff(store)?
        .into_iter()
        .map(|(name, role)| StaffEntry { name, role })
        .collect();
    Ok(Settings {
        fields: SettingsFields {
            account_id: s.account_id.clone(),
            client_id: s.client_id.clone(),
            profile_id: s.profile_id.clone(),
            currency: s.currency.code().to_owned(),
            counter: s.counter.clone(),
            vat_presets: s.vat_presets.iter().map(|v| v.to_string()).collect(),
            quick_items: s
                .quick_items
                .iter()
                .map(|q| QuickItem {
                    id: q.id.clone(),
                    label: q.label.clone(),
                    unit_price: q.unit_price,
                    vat: q.vat.to_string(),
                    weighed: q.weighed,
                })
                .collect(),
            poll_waiting_ms: u32::try_from(s.cadence.waiting_ms).unwrap_or(u32::MAX),
            poll_paying_ms: u32::try_from(s.cadence.paying_ms).unwrap_or(u32::MAX),
            language: s.language.clone(),
            refund_limit: access::refund_limit(store)?,
            capture_at_payment: s.capture_at_payment,
            receipt: s.receipt.clone(),
            discount_limit: access::discount_limit(store)?,
        },
        has_secret: !s.account_id.is_empty() && state.secrets.get(&s.account_id).is_some(),
        staff,
    })
}

fn apply_input(current: &CoreSettings, input: &SettingsInput) -> Result<CoreSettings, UiError> {
    let fields = &input.fields;
    let bad =
        |field: &str, msg: String| UiError::new(ErrorCode::InvalidInput, format!("{field}: {msg}"));
    let mut s = current.clone();
    s.account_id = fields.account_id.trim().to_owned();
    s.client_id = fields.client_id.trim().to_owned();
    s.profile_id = fields.profile_id.trim().to_owned();
    s.currency = fields
        .currency
        .parse::<Currency>()
        .map_err(|e| bad("currency", e.to_string()))?;
    s.counter = fields.counter.trim().to_owned();
    s.capture_at_payment = fields.capture_at_payment;
    s.vat_presets = fields
        .vat_presets
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.parse::<VatRate>()
                .map_err(|e| bad(&format!("vat_presets[{}]", i + 1), e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    s.quick_items = fields
        .quick_items
        .iter()
        .enumerate()
        .map(|(i, q)| {
            Ok(CoreQuickItem {
                id: q.id.clone(),
                label: q.label.trim().to_owned(),
                unit_price: q.unit_price,
                vat: q
                    .vat
                    .parse()
                    .map_err(|e: kasse_core::money::DecimalError| {
                        bad(&format!("quick_items[{}].vat", i + 1), e.to_string())
                    })?,
                weighed: q.weighed,
            })
        })
        .collect::<Result<_, UiError>>()?;
    s.cadence.waiting_ms = u64::from(fields.poll_waiting_ms);
    s.cadence.paying_ms = u64::from(fields.poll_paying_ms);
    s.language = fields.language.clone();
    s.receipt = fields.receipt.clone();
    s.validate()?;
    Ok(s)
}

/// The settings (never the secret).
#[tauri::command]
pub async fn settings_get(state: St<'_>) -> CmdResult<Settings> {
    let s = state.settings()?;
    settings_dto(&state, &s)
}

/// Validates and saves the settings with the manager's PIN (once one is set), journaling what
/// changed; the secret goes to the keyring (or a 0600 file), and the engine restarts when the
/// account changed.
#[tauri::command]
pub async fn settings_save(state: St<'_>, input: SettingsInput) -> CmdResult<Settings> {
    // A read-only log takes no settings (nor a secret into the keyring for them).
    if let Some(why) = state.settings_store.read_only() {
        return Err(kasse_core::store::StoreError::JournalBroken(why).into());
    }
    let current = state.settings()?;
    let mut next = apply_input(&current, &input)?;
    next.follow_language(&current.language);
    let kasse = state.kasse();
    let allowed = kasse.guard(Guarded::Settings, input.pin.as_deref())?;
    if let Some(secret) = input.client_secret.as_deref().filter(|s| !s.is_empty()) {
        if next.account_id.is_empty() {
            return Err(UiError::new(
                ErrorCode::InvalidInput,
                "account_id: enter the account the secret belongs to",
            ));
        }
        state.secrets.set(&next.account_id, secret).map_err(|e| {
            UiError::new(
                ErrorCode::Storage,
                format!("the secret could not be stored: {e}"),
            )
        })?;
    }
    let new_secret = input
        .client_secret
        .as_deref()
        .is_some_and(|s| !s.is_empty());
    next.save(
        &state.settings_store,
        &allowed,
        &current,
        new_secret,
        kasse.now(),
    )?;
    access::set_refund_limit(
        &state.settings_store,
        &allowed,
        input.fields.refund_limit,
        kasse.now(),
    )?;
    access::set_discount_limit(
        &state.settings_store,
        &allowed,
        input.fields.discount_limit,
        kasse.now(),
    )?;
    if current.needs_restart(&next, new_secret) {
        state.rebuild().await?;
    }
    state.kasse().set_checkout_language(&next.language);
    state.kasse().set_auto_capture(next.capture_at_payment);
    state.display.set_weighed(next.weighed_quick_items());
    settings_dto(&state, &next)
}

/// Sets (or changes) a staff PIN with the manager's PIN (the first manager PIN needs none).
#[tauri::command]
pub async fn staff_set_pin(state: St<'_>, input: StaffPinInput) -> CmdResult<Settings> {
    let kasse = state.kasse();
    let allowed = kasse.guard(Guarded::Settings, input.pin.as_deref())?;
    let role = input.role;
    let store = &state.settings_store;
    access::set_pin(
        store,
        &allowed,
        &input.name,
        role,
        &input.new_pin,
        kasse.now(),
    )?;
    settings_dto(&state, &state.settings()?)
}

/// Removes a staff PIN with the manager's PIN.
#[tauri::command]
pub async fn staff_remove(state: St<'_>, name: String, pin: Option<String>) -> CmdResult<Settings> {
    let kasse = state.kasse();
    let allowed = kasse.guard(Guarded::Settings, pin.as_deref())?;
    if !access::remove_pin(&state.settings_store, &allowed, &name, kasse.now())? {
        return Err(UiError::new(
            ErrorCode::NotFound,
            format!("{name} has no PIN"),
        ));
    }
    settings_dto(&state, &state.settings()?)
}

/// Fetches a token with the given (or stored) credentials and says plainly what happened.
#[tauri::command]
pub async fn test_connection(state: St<'_>, input: SettingsInput) -> CmdResult<ConnectionReport> {
    let account = input.fields.account_id.trim();
    let secret = match input.client_secret.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => s.to_owned(),
        None => match state.secrets.get(account) {
            Some(s) => s,
            None => {
                return Ok(ConnectionReport {
                    ok: false,
                    environment: None,
                    message: "Enter the client secret to test the connection.".into(),
                })
            }
        },
    };
    let connection = crate::state::account(account, &input.fields.client_id, &secret);
    let config = crate::state::app_config(&state.settings()?, connection);
    let client = match kasse_core::app::account_client(&config) {
        Ok(c) => c,
        Err(e) => {
            return Ok(ConnectionReport {
                ok: false,
                environment: None,
                message: e.to_string(),
            })
        }
    };
    let env = match client.environment() {
        dintero_client::Environment::Production => "production",
        _ => "test",
    };
    Ok(match client.test_connection().await {
        Ok(check) => ConnectionReport {
            ok: true,
            environment: Some(env.into()),
            message: format!(
                "Connected to Dintero ({env} account {}) in {} ms.",
                check.account_id.as_str(),
                check.latency.as_millis()
            ),
        },
        Err(e) => ConnectionReport {
            ok: false,
            environment: Some(env.into()),
            message: UiError::from(e).message,
        },
    })
}
