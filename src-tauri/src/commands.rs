//! Every `#[tauri::command]` of the app, each a thin adapter: IPC DTO in, kasse-core call,
//! DTO out, errors as `{code, message}`. The list in [`COMMANDS`] is what `build.rs` turns into
//! permissions and what the capability grants.

use std::sync::Arc;

use kasse_core::access;
use kasse_core::money::Quantity;
use kasse_core::settings::Settings as CoreSettings;
use kasse_core::store::{AmountFilter, ListQuery as CoreListQuery};
use kasse_core::{CoreError, ErrorCode, RefundSpec};
use tauri::{AppHandle, Runtime, State};
use time::OffsetDateTime;

use crate::dto::*;
use crate::error::CmdResult;
use crate::state::AppState;

include!("command_names.rs");

type St<'a> = State<'a, Arc<AppState>>;

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn parse_time(field: &str, s: &str) -> Result<OffsetDateTime, UiError> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| {
            UiError::new(
                ErrorCode::InvalidInput,
                format!("{field}: not a date or time ({s:?})"),
            )
        })
}

fn core_order(order: &OrderInput) -> Result<kasse_core::order::OrderInput, UiError> {
    let value = serde_json::to_value(order)
        .map_err(|e| UiError::new(ErrorCode::Internal, e.to_string()))?;
    let mut value = value;
    // The UI sends null for "no product id"; the order contract leaves the field out.
    if let Some(lines) = value["lines"].as_array_mut() {
        for l in lines {
            if l["product_id"].is_null() {
                l.as_object_mut().map(|o| o.remove("product_id"));
            }
        }
    }
    if value["currency"].is_null() {
        value.as_object_mut().map(|o| o.remove("currency"));
    }
    Ok(kasse_core::order::OrderInput::from_json_value(&value).map_err(CoreError::from)?)
}

fn priced(o: &kasse_core::order::PricedOrder, needs_manager: bool) -> PricedOrder {
    PricedOrder {
        currency: o.currency.code().to_owned(),
        lines: o.lines.iter().map(priced_line).collect(),
        amount: o.amount,
        vat_amount: o.vat_amount,
        discount: o.discount,
        discount_total: o.discount_total(),
        discount_needs_manager: needs_manager,
    }
}

fn priced_line(l: &kasse_core::order::PricedLine) -> PricedLine {
    PricedLine {
        line_id: l.line_id.clone(),
        description: l.description.clone(),
        product_id: l.product_id.clone(),
        quantity: l.quantity.to_string(),
        unit_price: l.unit_price,
        vat: l.vat.to_string(),
        amount: l.amount,
        vat_amount: l.vat_amount,
        discount: l.discount,
    }
}

fn detail(state: &AppState, id: &str) -> CmdResult<SaleDetail> {
    let d = state.kasse().detail(id)?;
    let decimals = |m: std::collections::BTreeMap<String, Quantity>| {
        m.into_iter().map(|(k, v)| (k, v.to_string())).collect()
    };
    let refunded = decimals(kasse_core::engine::refunded_quantities(&d.sale));
    let pending = decimals(kasse_core::engine::pending_refund_quantities(&d.sale));
    let sale = &d.sale;
    Ok(SaleDetail {
        sale: SaleSummary::from(sale),
        lines: d
            .order
            .as_ref()
            .map(|o| o.lines.iter().map(priced_line).collect())
            .unwrap_or_default(),
        refunded_quantities: refunded,
        pending_refund_quantities: pending,
        capturable: sale.capturable(),
        refundable: sale.refundable(),
        can_void: sale.can_void(),
        checkout_url: sale.checkout_url.clone(),
        expires_at: sale.expires_at.map(rfc3339),
        link: d.link(),
        events: d
            .events
            .iter()
            .map(|e| SaleEvent {
                seq: e.seq,
                at: rfc3339(e.at),
                kind: e.event.kind().to_owned(),
                entry: kasse_core::timeline::entry(&e.event, sale),
            })
            .collect(),
        operations: sale.operations.clone(),
    })
}

fn info(state: &AppState, settings: &CoreSettings) -> AppInfo {
    let engine = state.engine();
    AppInfo {
        mode: engine.mode,
        account_id: (engine.mode != Mode::Demo).then(|| settings.account_id.clone()),
        counter: settings.counter.clone(),
        counter_id: engine.kasse.config().counter.clone(),
        currency: settings.currency.code().to_owned(),
        version: kasse_build_info::VERSION.to_owned(),
        secret_storage: state.secret_storage(settings),
        language: settings.language.clone(),
        read_only: state.settings_store.read_only().as_ref().map(Into::into),
    }
}

fn open_sales(state: &AppState) -> CmdResult<Vec<SaleSummary>> {
    Ok(state
        .kasse()
        .store()
        .open_sales()?
        .iter()
        .map(SaleSummary::from)
        .collect())
}

/// What the first screen shows: what `app_info`, `settings_get` and `parked` answer, read
/// once. Not a command: the shell hands it to the page before the page loads (`lib.rs`).
pub fn boot(state: &AppState) -> CmdResult<Boot> {
    let settings = state.settings()?;
    Ok(Boot {
        info: info(state, &settings),
        settings: crate::settings::settings_dto(state, &settings)?,
        parked: open_sales(state)?,
    })
}

// The start-up reads below are `async` so that Tauri runs them on its runtime rather than on
// the main thread, which is busy drawing the window while the page starts.

/// Mode, account and counter, for the header and the badges.
#[tauri::command]
pub async fn app_info(state: St<'_>) -> CmdResult<AppInfo> {
    let settings = state.settings()?;
    Ok(info(&state, &settings))
}

/// The About box: version, commit, data directory.
#[tauri::command]
pub fn about(state: St<'_>) -> About {
    About {
        version: kasse_build_info::VERSION.to_owned(),
        commit: kasse_build_info::COMMIT.to_owned(),
        data_dir: state.data_dir.display().to_string(),
        log_dir: kasse_core::support::logs::dir(&state.data_dir)
            .display()
            .to_string(),
        os: kasse_build_info::os(),
    }
}

/// Prices a cart by the core's rules (live totals) and shows it on the customer display;
/// errors name the field.
#[tauri::command]
pub fn price_order(state: St<'_>, order: OrderInput) -> CmdResult<PricedOrder> {
    let input = core_order(&order)?;
    let kasse = state.kasse();
    let o = kasse.price(&input)?;
    // The customer display shows the cart as the counter prices it.
    kasse.show_cart(Some(&o));
    let needs = access::discount_needs_manager(kasse.staff_store(), &o)?;
    Ok(priced(&o, needs))
}

/// Creates the checkout and returns the QR.
#[tauri::command]
pub async fn charge(state: St<'_>, order: OrderInput, pin: Option<String>) -> CmdResult<Charge> {
    let input = core_order(&order)?;
    let c = state
        .kasse()
        .charge_with_pin(&input, pin.as_deref())
        .await?;
    Ok(charge_dto(c))
}

/// A phone order: creates the checkout with its link sent by SMS to `phone`; the sale then
/// waits as a parked payment. `key` is the press's idempotency key (a second press with it
/// sends nothing); `pin` allows discounts above the manager's limit.
#[tauri::command]
pub async fn send_link(
    state: St<'_>,
    order: OrderInput,
    phone: String,
    key: String,
    pin: Option<String>,
) -> CmdResult<Charge> {
    let phone =
        kasse_core::phone::PhoneNumber::parse(&phone).map_err(kasse_core::CoreError::from)?;
    let input = core_order(&order)?;
    let c = state
        .kasse()
        .send_link(&input, &phone, pin.as_deref(), &key)
        .await?;
    Ok(charge_dto(c))
}

fn charge_dto(c: kasse_core::Charge) -> Charge {
    Charge {
        sale_id: c.sale.id.clone(),
        session_id: c.session_id,
        url: c.url,
        qr_svg: c.qr_svg,
        merchant_reference: c.sale.merchant_reference.clone(),
        amount: c.order.amount,
        vat_amount: c.order.vat_amount,
        currency: c.order.currency.code().to_owned(),
        expires_at: rfc3339(c.expires_at),
        link: c.link,
    }
}

/// Cancels a waiting checkout.
#[tauri::command]
pub async fn cancel_charge(state: St<'_>, sale_id: String) -> CmdResult<SaleSummary> {
    let sale = state.kasse().cancel(&sale_id).await?;
    Ok(SaleSummary::from(&sale))
}

/// Opens the checkout in a Kasse window on this counter ("Pay here").
#[tauri::command]
pub async fn pay_here<R: Runtime>(
    app: AppHandle<R>,
    state: St<'_>,
    sale_id: String,
) -> CmdResult<()> {
    let kasse = state.kasse();
    let embed = kasse.embed(&sale_id)?;
    crate::paywindow::open(&app, kasse, embed)
}

/// The pay window's embedded checkout said something happened (`event`: the Web SDK's event
/// type): the sale's watcher reads the payment now. Only the pay window open for that sale may
/// say so, and what it says books nothing.
#[tauri::command]
pub fn checkout_event<R: Runtime>(
    app: AppHandle<R>,
    window: tauri::WebviewWindow<R>,
    state: St<'_>,
    sale_id: String,
    event: String,
) -> CmdResult<()> {
    if !crate::paywindow::belongs(&app, window.label(), &sale_id) {
        return Err(UiError::new(
            ErrorCode::InvalidState,
            "this window does not show that sale's checkout",
        ));
    }
    let event = kasse_core::pay_window::CheckoutEvent::from_sdk(&event).ok_or_else(|| {
        UiError::new(
            ErrorCode::InvalidInput,
            format!("{event:?} is not an event of the checkout's payment"),
        )
    })?;
    state.kasse().checkout_event(&sale_id, event)?;
    Ok(())
}

/// The counter stopped showing a sale's charge (parked, or moved on): its pay window closes.
#[tauri::command]
pub fn leave_charge<R: Runtime>(app: AppHandle<R>, sale_id: String) -> CmdResult<()> {
    crate::paywindow::obey(
        &app,
        kasse_core::pay_window::Moment::CounterLeft { sale_id: &sale_id },
    );
    Ok(())
}

/// The authorisations staff must capture or void ([`kasse_core::store::Store::uncaptured_sales`]),
/// oldest first, as one page.
fn uncaptured_page(state: &AppState) -> CmdResult<SalePage> {
    Ok(SalePage {
        items: state
            .kasse()
            .store()
            .uncaptured_sales()?
            .iter()
            .map(SaleSummary::from)
            .collect(),
        next_cursor: None,
    })
}

/// The authorisations staff must capture or void: the Sell screen counts them, the Z report's
/// confirmation names them.
#[tauri::command]
pub async fn uncaptured(state: St<'_>) -> CmdResult<Vec<SaleSummary>> {
    Ok(uncaptured_page(&state)?.items)
}

/// Payments still being followed (the parked tray).
#[tauri::command]
pub async fn parked(state: St<'_>) -> CmdResult<Vec<SaleSummary>> {
    open_sales(&state)
}

/// One page of the transaction list.
#[tauri::command]
pub fn list_sales(state: St<'_>, query: ListQuery) -> CmdResult<SalePage> {
    if query.uncaptured {
        return uncaptured_page(&state);
    }
    let mut q = CoreListQuery::new().limit(if query.limit == 0 { 50 } else { query.limit });
    for s in &query.statuses {
        q = q.status(*s);
    }
    let from = query
        .from
        .as_deref()
        .map(|s| parse_time("from", s))
        .transpose()?;
    let to = query
        .to
        .as_deref()
        .map(|s| parse_time("to", s))
        .transpose()?;
    if from.is_some() || to.is_some() {
        q = q.created(from, to);
    }
    if query.amount_min.is_some() || query.amount_max.is_some() {
        q = q.amount(AmountFilter::Range {
            min: query.amount_min,
            max: query.amount_max,
        });
    }
    if let Some(s) = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        q = q.search(s);
    }
    q = q.after(query.cursor.clone());
    let page = state.kasse().store().list(&q)?;
    Ok(SalePage {
        items: page.items.iter().map(SaleSummary::from).collect(),
        next_cursor: page.next_cursor,
    })
}

/// A sale with lines and timeline.
#[tauri::command]
pub fn sale_detail(state: St<'_>, sale_id: String) -> CmdResult<SaleDetail> {
    detail(&state, &sale_id)
}

/// Captures (all, or an amount).
#[tauri::command]
pub async fn capture(state: St<'_>, sale_id: String, input: CaptureInput) -> CmdResult<SaleDetail> {
    let sale = state
        .kasse()
        .capture_once(&sale_id, input.amount, &input.key)
        .await?;
    detail(&state, &sale.id)
}

/// Voids an authorisation (the manager's PIN, once one is set).
#[tauri::command]
pub async fn void_sale(
    state: St<'_>,
    sale_id: String,
    key: String,
    pin: Option<String>,
) -> CmdResult<SaleDetail> {
    let sale = state
        .kasse()
        .void_once(&sale_id, &key, pin.as_deref())
        .await?;
    detail(&state, &sale.id)
}

/// Refunds (lines, an amount, or everything); above the manager's limit with the manager's PIN.
#[tauri::command]
pub async fn refund(state: St<'_>, sale_id: String, input: RefundInput) -> CmdResult<SaleDetail> {
    let spec = if !input.lines.is_empty() {
        RefundSpec::Lines(refund_lines(&input.lines)?)
    } else if let Some(a) = input.amount {
        RefundSpec::Amount(a)
    } else {
        RefundSpec::Full
    };
    let reason = input.reason.clone().filter(|r| !r.trim().is_empty());
    let sale = state
        .kasse()
        .refund_once(&sale_id, spec, reason, &input.key, input.pin.as_deref())
        .await?;
    detail(&state, &sale.id)
}

/// The chosen lines as line ids and quantities.
fn refund_lines(lines: &[RefundLine]) -> CmdResult<Vec<(String, Quantity)>> {
    lines
        .iter()
        .map(|l| {
            let q: Quantity = l.quantity.parse().map_err(|e| {
                UiError::new(
                    ErrorCode::InvalidInput,
                    format!("lines[{}].quantity: {e}", l.line_id),
                )
            })?;
            Ok((l.line_id.clone(), q))
        })
        .collect()
}

/// What refunding the chosen lines would give back (minor units), by the core's rules, for the
/// Refund button to show before it is pressed.
#[tauri::command]
pub fn refund_preview(state: St<'_>, sale_id: String, lines: Vec<RefundLine>) -> CmdResult<i64> {
    Ok(state
        .kasse()
        .refund_preview(&sale_id, &refund_lines(&lines)?)?)
}

/// Imports and refreshes from Dintero.
#[tauri::command]
pub async fn sync(state: St<'_>) -> CmdResult<SyncReport> {
    Ok(state.kasse().sync(kasse_core::app::FIRST_SYNC_DAYS).await?)
}

/// X (running) or Z (closing: the manager's PIN, once one is set) report.
#[tauri::command]
pub fn day_report(
    state: St<'_>,
    from: String,
    to: String,
    closing: bool,
    pin: Option<String>,
) -> CmdResult<DayReport> {
    let (from, to) = (parse_time("from", &from)?, parse_time("to", &to)?);
    let settings = state.settings()?;
    let currency = settings.currency.code();
    Ok(state
        .kasse()
        .day_report(from, to, closing, currency, pin.as_deref())?)
}

/// The period's sales as CSV, written by Kasse to `path`, the file the person chose in the
/// save dialog (the manager's PIN, once one is set): the full path written and the rows.
#[tauri::command]
pub fn export_csv(
    state: St<'_>,
    from: String,
    to: String,
    path: String,
    pin: Option<String>,
) -> CmdResult<CsvExport> {
    let (from, to) = (parse_time("from", &from)?, parse_time("to", &to)?);
    let file =
        state
            .kasse()
            .export_csv_file(from, to, std::path::Path::new(&path), pin.as_deref())?;
    Ok(CsvExport {
        path: file.path.display().to_string(),
        rows: file.rows,
    })
}

/// Where the save dialog of an export starts: the user's Documents folder, else their home
/// folder (never the folder the app was started from); `None` when neither is known.
#[tauri::command]
pub fn export_folder<R: Runtime>(app: AppHandle<R>) -> Option<String> {
    use tauri::Manager;
    let paths = app.path();
    export_dir(paths.document_dir().ok(), paths.home_dir().ok()).map(|d| d.display().to_string())
}

/// The first of Documents and home that exists.
pub fn export_dir(
    documents: Option<std::path::PathBuf>,
    home: Option<std::path::PathBuf>,
) -> Option<std::path::PathBuf> {
    [documents, home].into_iter().flatten().find(|d| d.is_dir())
}
