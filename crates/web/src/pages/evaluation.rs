//! The printable city performance evaluation report (城市试点绩效评价) of a region.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::fmt::Fmt;
use super::render;
use crate::app::App;
use crate::app::evaluation::{self, CityEvaluation};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::layout::Layout;

#[derive(Template)]
#[template(path = "evaluation.html")]
struct EvaluationPage {
    l: Layout,
    x: Fmt,
    e: CityEvaluation,
}

impl EvaluationPage {
    fn value(&self, v: &Option<f64>, days: bool) -> String {
        match v {
            Some(v) if days => format!("{v}"),
            Some(v) => format!("{v}%"),
            None => self.l.t("evaluation.no_data").to_owned(),
        }
    }
    fn met(&self, m: &Option<bool>) -> String {
        self.l
            .t(match m {
                Some(true) => "evaluation.met",
                Some(false) => "evaluation.not_met",
                None => "evaluation.unknown",
            })
            .to_owned()
    }
}

#[derive(Deserialize, Default)]
pub struct EvaluationQuery {
    #[serde(default)]
    region: Option<String>,
}

pub async fn show(State(app): State<App>, ctx: Ctx, Query(q): Query<EvaluationQuery>) -> Result<Response, HttpError> {
    let e = evaluation::city(&app, ctx.principal()?, q.region.as_deref()).await?;
    render(&EvaluationPage {
        l: Layout::new(
            &ctx,
            "evaluation.title",
            &[("/dashboard", "nav.dashboard"), ("/dashboard/evaluation", "evaluation.title")],
        ),
        x: Fmt::new(&ctx),
        e,
    })
}
