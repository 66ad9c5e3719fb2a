//! `/_sim/behaviour`: how strict the sandbox is per payment product type (see
//! `crate::behaviour` for each switch and the dintero-api.md passage it follows).
//!
//! `POST` body (every field optional; absent fields keep the scope's current value):
//! `{"payment_product_type": "vipps" (absent = the default for all),
//!   "async_operations": {"delay_seconds": 120, "fail_probability": 0.0} | null,
//!   "requires_items": true, "captured_at_authorization": false,
//!   "auto_capture_delay_seconds": 30}`;
//! answers the scope's behaviour in the same shape. `GET` (`?payment_product_type=…` for one
//! scope) answers `{"default": {…}, "payment_product_types": {type: {…}}}` with every type
//! that differs from the default; `DELETE` restores the defaults.

use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::Json;
use serde_json::{json, Map, Value};

use super::extract::JsonBody;
use crate::behaviour::{AsyncOperations, Behaviour};
use crate::error::ApiError;
use crate::state::AppState;
use crate::validate::Obj;

const FIELDS: [&str; 5] = [
    "payment_product_type",
    "async_operations",
    "requires_items",
    "captured_at_authorization",
    "auto_capture_delay_seconds",
];

fn scoped(payment_product_type: Option<&str>, b: &Behaviour) -> Value {
    let mut v = b.to_json();
    v["payment_product_type"] = json!(payment_product_type);
    v
}

fn parse_async(v: &Value) -> Result<Option<AsyncOperations>, ApiError> {
    let m = match v {
        Value::Null => return Ok(None),
        Value::Object(m) => m,
        _ => {
            return Err(ApiError::field(
                "async_operations",
                "must be an object or null",
            ))
        }
    };
    if let Some(k) = m
        .keys()
        .find(|k| !matches!(k.as_str(), "delay_seconds" | "fail_probability"))
    {
        return Err(ApiError::field(
            &format!("async_operations.{k}"),
            "is not a known field",
        ));
    }
    let a = Obj::of(m, "async_operations");
    let delay = a
        .opt_number("delay_seconds")?
        .ok_or_else(|| a.missing("delay_seconds"))?;
    if !(0.0..=1e9).contains(&delay) {
        return Err(ApiError::field(
            "async_operations.delay_seconds",
            "must be between 0 and 1e9",
        ));
    }
    let fail_probability = a.opt_number("fail_probability")?.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&fail_probability) {
        return Err(ApiError::field(
            "async_operations.fail_probability",
            "must be between 0 and 1",
        ));
    }
    Ok(Some(AsyncOperations {
        delay: Duration::from_secs_f64(delay),
        fail_probability,
    }))
}

pub(crate) async fn set(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let root = Obj::root(&body)?;
    let map: &Map<String, Value> = body.as_object().expect("checked by Obj::root");
    if let Some(k) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::field(k, "is not a known field"));
    }
    let scope = root.opt_str("payment_product_type")?;
    let control = state.control();
    let mut b = control.behaviour(scope)?;
    if let Some(v) = map.get("async_operations") {
        b.async_operations = parse_async(v)?;
    }
    if let Some(r) = root.opt_bool("requires_items")? {
        b.requires_items = r;
    }
    if let Some(c) = root.opt_bool("captured_at_authorization")? {
        b.captured_at_authorization = c;
    }
    if let Some(d) = root.opt_number("auto_capture_delay_seconds")? {
        if !(0.0..=1e9).contains(&d) {
            return Err(ApiError::field(
                "auto_capture_delay_seconds",
                "must be between 0 and 1e9",
            ));
        }
        b.auto_capture_delay = Duration::from_secs_f64(d);
    }
    control.set_behaviour(scope, b)?;
    Ok(Json(scoped(scope, &b)))
}

pub(crate) async fn get(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let control = state.control();
    let scope = url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "payment_product_type")
        .map(|(_, v)| v.into_owned());
    if let Some(t) = scope.as_deref() {
        return Ok(Json(scoped(Some(t), &control.behaviour(Some(t))?)));
    }
    let default = control.behaviour(None)?;
    let mut types = Map::new();
    for t in crate::products::PAYMENT_PRODUCT_TYPES {
        let b = control.behaviour(Some(t))?;
        if b != default {
            types.insert((*t).to_owned(), b.to_json());
        }
    }
    Ok(Json(
        json!({ "default": default.to_json(), "payment_product_types": types }),
    ))
}

pub(crate) async fn reset(State(state): State<AppState>) -> Json<Value> {
    let control = state.control();
    control.reset_behaviour();
    Json(json!({ "default": control.behaviour(None).map(|b| b.to_json()).unwrap_or_default() }))
}
