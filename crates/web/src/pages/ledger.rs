//! The budget ledger (资金台账): pools by programme, allocations, and the reconciliation.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::fmt::fen;
use super::{Msg, render_form};
use crate::app::subsidies::{self, Allocation, PoolBalances, ReconciliationReport};
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::fresh_key;
use crate::form::{Pairs, one, refusal};
use crate::layout::Layout;

// ---- the ledger ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    l: Layout,
    /// (programme id, programme name, its pools)
    programmes: Vec<(String, String, Vec<PoolBalances>)>,
    report: ReconciliationReport,
    idempotency_key: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl LedgerPage {
    fn yuan(&self, v: &i64) -> String {
        fen(v)
    }
}

async fn ledger_page(
    app: &App,
    ctx: &Ctx,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let mut programmes = Vec::new();
    for prog in crate::app::programmes::programmes()? {
        // Programmes outside the caller's scope are skipped.
        if let Ok(pools) = subsidies::pools(app, p, prog.id()).await {
            programmes.push((prog.id().to_owned(), prog.name().to_owned(), pools));
        }
    }
    let report = subsidies::reconciliation(app, p).await?;
    let failed = error.is_some();
    render_form(
        &LedgerPage {
            l: Layout::new(ctx, "money.ledger_title", &[("/ledger", "nav.ledger")]),
            programmes,
            report,
            idempotency_key: fresh_key()?,
            notice,
            error,
        },
        failed,
    )
}

pub async fn ledger(State(app): State<App>, ctx: Ctx, Query(m): Query<Msg>) -> Result<Response, HttpError> {
    ledger_page(&app, &ctx, m.text(ctx.lang), None).await
}

pub async fn allocate(State(app): State<App>, ctx: Ctx, Form(f): Form<Pairs>) -> Result<Response, HttpError> {
    let a = Allocation {
        pool: one(&f, "pool"),
        amount: one(&f, "amount"),
        reference: one(&f, "reference"),
        idempotency_key: one(&f, "idempotency_key"),
    };
    match subsidies::allocate(&app, &ctx.actor(), one(&f, "programme_id").trim(), &a).await {
        Ok(_) => Ok(Redirect::to("/ledger?msg=common.done").into_response()),
        Err(AppError::Forbidden) => {
            ledger_page(&app, &ctx, None, Some(ctx.t("money.not_programme_officer").to_owned())).await
        }
        Err(e) => {
            let msg = refusal(&ctx, e)?;
            ledger_page(&app, &ctx, None, Some(msg)).await
        }
    }
}
