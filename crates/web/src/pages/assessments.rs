//! Assessment pages: an enterprise's assessments (list and start), the questionnaire one
//! dimension per step (`?step=N`), the printable report, and the side-by-side comparison of the
//! self-assessment, the provider's preliminary rating and the on-site rating.

use super::render_form;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dengta_domain::assessment::instrument::{DimensionKind, QuestionKind};
use dengta_domain::assessment::{
    Answers, Decimal, Improvement, Instrument, SceneLevel, ScoreResult, Step, improvements,
};
use serde::Deserialize;

use super::audit::beijing;
use super::render;
use crate::app::assessments::{self as asm, Kind, Pledge};
use crate::app::records::AssessmentRow;
use crate::app::{App, AppError};
use crate::ctx::Ctx;
use crate::error::HttpError;
use crate::form::error_text;
use crate::layout::Layout;

fn kind_label(ctx: &Ctx, code: &str) -> &'static str {
    Kind::parse(code).map(|k| ctx.t(k.label_key())).unwrap_or("—")
}

fn level_text(r: &ScoreResult) -> String {
    r.level.name.clone()
}

// ───────────────────────────── list and start ─────────────────────────────

pub struct ListRow {
    pub id: i64,
    pub kind: &'static str,
    pub instrument: String,
    pub draft: bool,
    pub total: String,
    pub level: String,
    pub created_by: String,
    pub created_at: String,
    pub submitted_at: String,
}

#[derive(Template)]
#[template(path = "assessments.html")]
struct ListPage {
    l: Layout,
    enterprise_id: i64,
    rows: Vec<ListRow>,
    kinds: Vec<(&'static str, &'static str)>,
    instruments: Vec<(String, String, bool)>,
    error: Option<String>,
}

fn list_row(ctx: &Ctx, a: &AssessmentRow) -> ListRow {
    let r = asm::result_of(a);
    ListRow {
        id: a.id,
        kind: kind_label(ctx, &a.kind),
        instrument: format!("{} v{}", a.instrument_id, a.instrument_version),
        draft: a.status == "draft",
        total: r.as_ref().map(|r| r.total.to_string()).unwrap_or_default(),
        level: r.as_ref().map(level_text).unwrap_or_default(),
        created_by: a.created_by.clone(),
        created_at: beijing(a.created_at),
        submitted_at: a.submitted_at.map(beijing).unwrap_or_default(),
    }
}

async fn list_page(app: &App, ctx: &Ctx, id: i64, error: Option<String>) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let (e, rows) = asm::list(app, p, id).await?;
    let default = asm::default_instrument(&e.industry_code)?;
    let all = asm::instruments()?;
    let instruments = all
        .iter()
        // One entry per instrument: its newest version.
        .filter(|i| !all.iter().any(|o| o.id() == i.id() && o.version() > i.version()))
        .map(|i| (i.id().to_owned(), format!("{}（{} v{}）", i.name(), i.id(), i.version()), i.id() == default.id()))
        .collect();
    let ehref = format!("/enterprises/{id}");
    let href = format!("{ehref}/assessments");
    let l = Layout::new(
        ctx,
        "assessments.title",
        &[("/enterprises", "nav.enterprises"), (&ehref, &e.name), (&href, "assessments.title")],
    );
    let failed = error.is_some();
    render_form(
        &ListPage {
            l,
            enterprise_id: id,
            rows: rows.iter().map(|a| list_row(ctx, a)).collect(),
            kinds: asm::kinds_for(p).into_iter().map(|k| (k.code(), ctx.t(k.label_key()))).collect(),
            instruments,
            error,
        },
        failed,
    )
}

pub async fn list(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    list_page(&app, &ctx, id, None).await
}

#[derive(Deserialize, Default)]
pub struct StartForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    instrument_id: String,
}

pub async fn start(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<StartForm>,
) -> Result<Response, HttpError> {
    crate::app::enterprises::ensure_visible(&app, ctx.principal()?, id).await?;
    match asm::start(&app, &ctx.actor(), id, &f.kind, &f.instrument_id).await {
        Ok(aid) => Ok(Redirect::to(&format!("/assessments/{aid}?step=1")).into_response()),
        Err(AppError::Invalid { key, detail }) => list_page(&app, &ctx, id, Some(error_text(&ctx, key, &detail))).await,
        Err(AppError::Conflict(key)) => list_page(&app, &ctx, id, Some(ctx.t(key).to_owned())).await,
        Err(e) => Err(e.into()),
    }
}

// ───────────────────────────── the questionnaire ─────────────────────────────

/// One step of the questionnaire: a dimension, or the business scenes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StepKind {
    Dimension(usize),
    Scenes,
}

fn steps(inst: &Instrument) -> Vec<(StepKind, String)> {
    let mut out: Vec<(StepKind, String)> =
        inst.dimensions().iter().enumerate().map(|(i, d)| (StepKind::Dimension(i), d.name.clone())).collect();
    if !inst.scenes().is_empty() {
        out.push((StepKind::Scenes, inst.scene_dimension().unwrap_or("业务场景").to_owned()));
    }
    out
}

/// The inputs (raw figures) the questions of a dimension use, in the instrument's order.
fn step_inputs(inst: &Instrument, step: StepKind) -> Vec<String> {
    let StepKind::Dimension(i) = step else { return Vec::new() };
    let Some(d) = inst.dimensions().get(i) else { return Vec::new() };
    let mut used: Vec<&str> = Vec::new();
    for q in d.sub_dimensions().iter().flat_map(|s| &s.indicators).flat_map(|i| &i.questions) {
        if let QuestionKind::Ratio(r) = &q.kind {
            used.push(&r.numerator);
            used.push(&r.denominator);
        }
        used.extend(q.evidence_inputs.iter().map(String::as_str));
    }
    inst.inputs().iter().filter(|x| used.contains(&x.id.as_str())).map(|x| x.id.clone()).collect()
}

/// The form's fields merged into the stored answers: only the current step's items change.
fn merge(inst: &Instrument, step: StepKind, mut a: Answers, form: &[(String, String)]) -> Result<Answers, AppError> {
    let values = |name: &str| -> Vec<&str> {
        form.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty()).collect()
    };
    let number = |label: &str, v: &str| {
        Decimal::parse(v).map_err(|e| AppError::invalid("error.assessment_number", format!("{label}：{v}（{e}）")))
    };
    match step {
        StepKind::Dimension(i) => {
            let Some(d) = inst.dimensions().get(i) else { return Ok(a) };
            match &d.kind {
                DimensionKind::DirectEntry { .. } => match values(&format!("dim.{}", d.id)).first() {
                    Some(v) => {
                        a.dimension_scores.insert(d.id.clone(), number(&d.name, v)?);
                    }
                    None => {
                        a.dimension_scores.remove(&d.id);
                    }
                },
                DimensionKind::Questions { .. } => {
                    for q in d.sub_dimensions().iter().flat_map(|s| &s.indicators).flat_map(|i| &i.questions) {
                        if matches!(q.kind, QuestionKind::Ratio(_)) {
                            continue;
                        }
                        let chosen: Vec<String> =
                            values(&format!("q.{}", q.id)).into_iter().map(str::to_owned).collect();
                        if chosen.is_empty() {
                            a.choices.remove(&q.id);
                        } else {
                            a.choices.insert(q.id.clone(), chosen);
                        }
                    }
                }
            }
            for id in step_inputs(inst, step) {
                let label = inst.input(&id).map(|x| x.label.clone()).unwrap_or_default();
                match values(&format!("in.{id}")).first() {
                    Some(v) => {
                        a.inputs.insert(id, number(&label, v)?);
                    }
                    None => {
                        a.inputs.remove(&id);
                    }
                }
            }
        }
        StepKind::Scenes => {
            for s in inst.scenes() {
                match values(&format!("scene.{}", s.id)).first() {
                    Some(v) => {
                        let n: u8 = v.parse().map_err(|_| AppError::invalid("error.assessment_number", &s.name))?;
                        a.scenes.insert(s.id.clone(), n);
                    }
                    None => {
                        a.scenes.remove(&s.id);
                    }
                }
            }
        }
    }
    Ok(a)
}

pub struct InputView {
    pub id: String,
    pub label: String,
    pub unit: String,
    pub value: String,
    pub integer: bool,
    /// The enterprise's devices registered on the platform, for the input they are evidence of.
    pub registered: Option<i64>,
}

pub struct OptionView {
    pub id: String,
    pub text: String,
    pub points: String,
    pub checked: bool,
}

pub struct RatioView {
    pub numerator: String,
    pub denominator: String,
    pub label: String,
    /// The derived ratio from the saved figures, e.g. "45.0%".
    pub percent: Option<String>,
    pub points: Option<String>,
}

pub struct QuestionView {
    pub id: String,
    pub group: String,
    pub text: String,
    pub points: String,
    pub multiple: bool,
    pub options: Vec<OptionView>,
    pub ratio: Option<RatioView>,
    pub evidence: Vec<String>,
}

pub struct SceneView {
    pub id: String,
    pub name: String,
    pub group: String,
    pub binding: bool,
    /// (level number, text, selected)
    pub ladder: Vec<(u8, String, bool)>,
}

pub struct DirectView {
    pub id: String,
    pub name: String,
    pub max: String,
    pub value: String,
}

pub struct StepLink {
    pub n: usize,
    pub name: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct QuestionnairePage {
    l: Layout,
    id: i64,
    enterprise_id: i64,
    version: i64,
    kind: &'static str,
    onsite: bool,
    instrument: String,
    editable: bool,
    submitted: bool,
    steps: Vec<StepLink>,
    step: usize,
    step_name: String,
    last: bool,
    inputs: Vec<InputView>,
    questions: Vec<QuestionView>,
    scenes: Vec<SceneView>,
    direct: Vec<DirectView>,
    saved: bool,
    errors: Vec<String>,
    pledge_text: &'static str,
    adjust_reason: String,
}

/// The derived ratio as a percentage with one decimal, rounded half up, or None.
fn percent(num: Decimal, den: Decimal) -> Option<String> {
    if den.thousandths() <= 0 || num.is_negative() {
        return None;
    }
    // tenths of a percent = num × 1000 / den, rounded.
    let t = (i128::from(num.thousandths()) * 2000 / i128::from(den.thousandths()) + 1) / 2;
    Some(format!("{}.{}%", t / 10, t % 10))
}

fn questionnaire_views(
    inst: &Instrument,
    step: StepKind,
    a: &Answers,
) -> (Vec<InputView>, Vec<QuestionView>, Vec<SceneView>, Vec<DirectView>) {
    let inputs = step_inputs(inst, step)
        .into_iter()
        .filter_map(|id| inst.input(&id))
        .map(|x| InputView {
            id: x.id.clone(),
            label: x.label.clone(),
            unit: x.unit.clone(),
            value: a.inputs.get(&x.id).map(ToString::to_string).unwrap_or_default(),
            integer: x.integer,
            registered: None,
        })
        .collect();
    let mut questions = Vec::new();
    let mut direct = Vec::new();
    let mut scenes = Vec::new();
    match step {
        StepKind::Dimension(i) => {
            if let Some(d) = inst.dimensions().get(i) {
                if let DimensionKind::DirectEntry { max_points } = &d.kind {
                    direct.push(DirectView {
                        id: d.id.clone(),
                        name: d.name.clone(),
                        max: max_points.unwrap_or(inst.total_points()).to_string(),
                        value: a.dimension_scores.get(&d.id).map(ToString::to_string).unwrap_or_default(),
                    });
                }
                for s in d.sub_dimensions() {
                    for ind in &s.indicators {
                        for q in &ind.questions {
                            let chosen = a.choices.get(&q.id).cloned().unwrap_or_default();
                            let options = q
                                .kind
                                .options()
                                .iter()
                                .map(|o| OptionView {
                                    id: o.id.clone(),
                                    text: o.text.clone(),
                                    points: o.points.to_string(),
                                    checked: chosen.contains(&o.id),
                                })
                                .collect();
                            let ratio = match &q.kind {
                                QuestionKind::Ratio(r) => {
                                    let (n, dn) = (a.inputs.get(&r.numerator), a.inputs.get(&r.denominator));
                                    let label = |id: &str| inst.input(id).map(|x| x.label.clone()).unwrap_or_default();
                                    let (pct, pts) = match (n, dn) {
                                        (Some(&n), Some(&dn)) => (
                                            percent(n, dn),
                                            r.band_index(n, dn)
                                                .and_then(|b| r.bands.get(b))
                                                .map(|b| b.points.to_string()),
                                        ),
                                        _ => (None, None),
                                    };
                                    Some(RatioView {
                                        numerator: r.numerator.clone(),
                                        denominator: r.denominator.clone(),
                                        label: format!("{} ÷ {}", label(&r.numerator), label(&r.denominator)),
                                        percent: pct,
                                        points: pts,
                                    })
                                }
                                _ => None,
                            };
                            questions.push(QuestionView {
                                id: q.id.clone(),
                                group: format!("{} · {}", s.name, ind.name),
                                text: q.text.clone(),
                                points: q.points.to_string(),
                                multiple: matches!(q.kind, QuestionKind::Multiple { .. }),
                                options,
                                ratio,
                                evidence: q
                                    .evidence_inputs
                                    .iter()
                                    .filter_map(|id| inst.input(id))
                                    .map(|x| x.label.clone())
                                    .collect(),
                            });
                        }
                    }
                }
            }
        }
        StepKind::Scenes => {
            for s in inst.scenes() {
                let level = a.scenes.get(&s.id).copied();
                let group = inst.scene_groups().iter().find(|g| g.id == s.group).map(|g| g.name.clone());
                let mut ladder = vec![(0u8, SceneLevel::None.to_string(), level == Some(0))];
                for (i, text) in s.ladder.iter().enumerate() {
                    let n = i as u8 + 1;
                    ladder.push((n, format!("L{n}：{text}"), level == Some(n)));
                }
                scenes.push(SceneView {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    group: group.unwrap_or_default(),
                    binding: s.binding,
                    ladder,
                });
            }
        }
    }
    (inputs, questions, scenes, direct)
}

#[derive(Deserialize, Default)]
pub struct StepQuery {
    step: Option<usize>,
    saved: Option<String>,
}

/// What a re-rendered questionnaire carries over from the request.
#[derive(Default)]
struct Shown {
    saved: bool,
    /// The answers as typed when a save was refused.
    answers: Option<Answers>,
    errors: Vec<String>,
    adjust_reason: String,
}

async fn questionnaire(app: &App, ctx: &Ctx, id: i64, step: usize, shown: Shown) -> Result<Response, HttpError> {
    let Shown { saved, answers: override_answers, errors, adjust_reason } = shown;
    let p = ctx.principal()?;
    let loaded = asm::get(app, p, id).await?;
    let a = &loaded.a;
    let inst = asm::frozen_instrument(a)?;
    let all = steps(inst);
    let n = step.clamp(1, all.len().max(1));
    let (kind, step_name) = all.get(n - 1).cloned().unwrap_or((StepKind::Scenes, String::new()));
    let answers = override_answers.unwrap_or_else(|| asm::answers_of(a));
    let (mut inputs, questions, scenes, direct) = questionnaire_views(inst, kind, &answers);
    let editable = asm::can_edit(p, a);
    if let Some((input, n)) = crate::app::equipment::count_for_assessment(app, a.enterprise_id).await?
        && let Some(view) = inputs.iter_mut().find(|x| x.id == input)
    {
        view.registered = Some(n);
        // An empty answer starts from the platform's count; the assessor may still change it.
        if editable && view.value.is_empty() && n > 0 {
            view.value = n.to_string();
        }
    }
    let ehref = format!("/enterprises/{}", a.enterprise_id);
    let lhref = format!("{ehref}/assessments");
    let href = format!("/assessments/{id}");
    let l = Layout::titled(
        ctx,
        format!("{} · {}", ctx.t("assessments.questionnaire"), loaded.e.name),
        &[
            ("/enterprises", "nav.enterprises"),
            (&ehref, &loaded.e.name),
            (&lhref, "assessments.title"),
            (&href, "assessments.questionnaire"),
        ],
    );
    let failed = !errors.is_empty();
    render_form(
        &QuestionnairePage {
            l,
            id,
            enterprise_id: a.enterprise_id,
            version: a.version,
            kind: kind_label(ctx, &a.kind),
            onsite: a.kind == Kind::Onsite.code(),
            instrument: format!("{}（{} v{}）", inst.name(), inst.id(), inst.version()),
            editable,
            submitted: a.status == "submitted",
            steps: all
                .iter()
                .enumerate()
                .map(|(i, s)| StepLink { n: i + 1, name: s.1.clone(), current: i + 1 == n })
                .collect(),
            step: n,
            step_name,
            last: n == all.len(),
            inputs,
            questions,
            scenes,
            direct,
            saved,
            errors,
            pledge_text: asm::PLEDGE_TEXT,
            adjust_reason: if adjust_reason.is_empty() {
                a.adjust_reason.clone().unwrap_or_default()
            } else {
                adjust_reason
            },
        },
        failed,
    )
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<StepQuery>,
) -> Result<Response, HttpError> {
    let shown = Shown { saved: q.saved.is_some(), ..Default::default() };
    questionnaire(&app, &ctx, id, q.step.unwrap_or(1), shown).await
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// The refusal as lines for the page: the translated reason, then each problem of the rule.
fn error_lines(ctx: &Ctx, e: &AppError) -> Vec<String> {
    match e {
        AppError::Invalid { key, detail } => {
            let mut out = vec![ctx.t(key).to_owned()];
            out.extend(detail.split('；').filter(|s| !s.is_empty()).map(str::to_owned));
            out
        }
        AppError::Conflict(key) => vec![ctx.t(key).to_owned()],
        _ => Vec::new(),
    }
}

/// Reads the step's fields and saves them; returns the merged answers and the new version.
async fn save_step(
    app: &App,
    ctx: &Ctx,
    id: i64,
    form: &[(String, String)],
) -> Result<(usize, Result<(Answers, i64), (Answers, AppError)>), AppError> {
    let p = ctx.principal()?;
    let loaded = asm::get(app, p, id).await?;
    let inst = asm::frozen_instrument(&loaded.a)?;
    let all = steps(inst);
    let step: usize = field(form, "step").parse().unwrap_or(1).clamp(1, all.len().max(1));
    let version: i64 = field(form, "version").parse().map_err(|_| AppError::invalid("error.bad_request", "version"))?;
    let kind = all.get(step - 1).map(|s| s.0).unwrap_or(StepKind::Scenes);
    let stored = asm::answers_of(&loaded.a);
    let merged = match merge(inst, kind, stored.clone(), form) {
        Ok(m) => m,
        Err(e) => return Ok((step, Err((stored, e)))),
    };
    match asm::save(app, &ctx.actor(), id, version, &merged).await {
        Ok(v) => Ok((step, Ok((merged, v)))),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => Ok((step, Err((merged, e)))),
        Err(e) => Err(e),
    }
}

/// 保存草稿 / 上一步 / 下一步: saves the step, then shows the same, previous or next step.
pub async fn save(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, HttpError> {
    asm::ensure_visible(&app, ctx.principal()?, id).await?;
    let (step, r) = save_step(&app, &ctx, id, &form).await?;
    match r {
        Ok(_) => {
            let to = match field(&form, "go") {
                "next" => format!("/assessments/{id}?step={}", step + 1),
                "prev" => format!("/assessments/{id}?step={}", step.saturating_sub(1).max(1)),
                _ => format!("/assessments/{id}?step={step}&saved=1"),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err((answers, e)) => {
            let lines = error_lines(&ctx, &e);
            let reason = field(&form, "adjust_reason").to_owned();
            questionnaire(
                &app,
                &ctx,
                id,
                step,
                Shown { saved: false, answers: Some(answers), errors: lines, adjust_reason: reason },
            )
            .await
        }
    }
}

/// 提交: saves the last step, then submits with the pledge; the report follows at once.
pub async fn submit(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, HttpError> {
    asm::ensure_visible(&app, ctx.principal()?, id).await?;
    let (step, r) = save_step(&app, &ctx, id, &form).await?;
    let reason = field(&form, "adjust_reason").to_owned();
    let (answers, version) = match r {
        Ok(x) => x,
        Err((answers, e)) => {
            return questionnaire(
                &app,
                &ctx,
                id,
                step,
                Shown { saved: false, answers: Some(answers), errors: error_lines(&ctx, &e), adjust_reason: reason },
            )
            .await;
        }
    };
    let pledge = Pledge { confirmed: matches!(field(&form, "pledge"), "on" | "true" | "1"), adjust_reason: &reason };
    match asm::submit(&app, &ctx.actor(), id, version, &answers, &pledge).await {
        Ok(_) => Ok(Redirect::to(&format!("/assessments/{id}/report")).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            questionnaire(
                &app,
                &ctx,
                id,
                step,
                Shown { saved: false, answers: Some(answers), errors: error_lines(&ctx, &e), adjust_reason: reason },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ───────────────────────────── the report ─────────────────────────────

pub struct Bar {
    pub name: String,
    pub points: String,
    pub max: String,
    pub width: i64,
    pub y: i64,
    pub text_y: i64,
}

pub struct SceneRow {
    pub name: String,
    pub group: String,
    pub binding: bool,
    pub level: String,
    pub rung: u8,
    pub ladder_text: String,
}

pub struct ImprovementRow {
    pub what: String,
    pub points: String,
    pub reaches: bool,
    pub helps: bool,
    pub explanation: String,
}

pub struct Change {
    pub previous_id: i64,
    pub previous_total: String,
    pub previous_level: String,
    pub delta: String,
    pub level_change: i64,
}

pub struct ReportView {
    pub level: String,
    pub rank: u8,
    pub total: String,
    pub max_total: String,
    pub bars: Vec<Bar>,
    pub svg_height: i64,
    pub scenes: Vec<SceneRow>,
    pub trace: Vec<String>,
    pub improvements: Vec<ImprovementRow>,
    pub change: Option<Change>,
    pub pledge_by: String,
    pub pledge_at: String,
    pub submitted_at: String,
    pub adjust_reason: Option<String>,
}

#[derive(Template)]
#[template(path = "assessment_report.html")]
struct ReportPage {
    l: Layout,
    id: i64,
    enterprise_id: i64,
    enterprise_name: String,
    kind: &'static str,
    instrument: String,
    report: Option<ReportView>,
}

/// The SVG chart's bar area width in user units.
const BAR_WIDTH: i64 = 360;
const BAR_ROW: i64 = 34;

fn bars(r: &ScoreResult) -> Vec<Bar> {
    r.dimensions
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let max = d.max_points.unwrap_or(r.max_total);
            let width = if max.thousandths() > 0 {
                (d.points.thousandths().max(0) * BAR_WIDTH / max.thousandths()).min(BAR_WIDTH)
            } else {
                0
            };
            let y = i as i64 * BAR_ROW + 6;
            Bar {
                name: d.name.clone(),
                points: d.points.to_string(),
                max: d.max_points.map(|m| m.to_string()).unwrap_or_else(|| "—".into()),
                width,
                y,
                text_y: y + 16,
            }
        })
        .collect()
}

fn describe_step(inst: &Instrument, i: &Improvement) -> String {
    match &i.step {
        Step::Scene { scene, binding, from, to } => {
            let name = inst.scene(scene).map(|s| s.name.as_str()).unwrap_or(scene);
            let tag = if *binding { "（约束性场景）" } else { "" };
            format!("场景“{name}”{tag}：{from} → {to}")
        }
        Step::Choose { question, option } => {
            let q = inst.question(question);
            let title = q.map(|q| q.title.as_str()).unwrap_or(question);
            let text = q
                .and_then(|q| q.kind.options().iter().find(|o| &o.id == option))
                .map(|o| o.text.as_str())
                .unwrap_or(option);
            format!("“{title}”：选择“{text}”")
        }
        Step::RaiseRatio { question, to_band, min_numerator } => {
            let q = inst.question(question);
            let title = q.map(|q| q.title.as_str()).unwrap_or(question);
            let bound = q
                .and_then(|q| match &q.kind {
                    QuestionKind::Ratio(r) => r.bands.get(to_band.saturating_sub(1)).map(|b| b.up_to_percent),
                    _ => None,
                })
                .map(|b| format!("超过 {b}%"))
                .unwrap_or_default();
            let min = min_numerator.map(|n| format!("（分子至少 {n}）")).unwrap_or_default();
            format!("“{title}”：比例{bound}{min}")
        }
    }
}

fn report_view(inst: &Instrument, a: &AssessmentRow, r: &ScoreResult, previous: Option<&AssessmentRow>) -> ReportView {
    let bars = bars(r);
    let scenes = r
        .scenes
        .iter()
        .map(|s| {
            let def = inst.scene(&s.id);
            let group = def
                .and_then(|d| inst.scene_groups().iter().find(|g| g.id == d.group))
                .map(|g| g.name.clone())
                .unwrap_or_default();
            SceneRow {
                name: s.name.clone(),
                group,
                binding: s.binding,
                level: s.level.to_string(),
                rung: s.level.as_u8(),
                ladder_text: def.and_then(|d| d.ladder_text(s.level)).unwrap_or("").to_owned(),
            }
        })
        .collect();
    let imps = improvements(inst, r)
        .unwrap_or_default()
        .iter()
        .take(20)
        .map(|i| ImprovementRow {
            what: describe_step(inst, i),
            points: i.points_gained.to_string(),
            reaches: i.reaches_next_level,
            helps: i.helps_next_level,
            explanation: i.explanation.clone(),
        })
        .collect();
    let change = previous.and_then(|p| {
        let pr = asm::result_of(p)?;
        let delta = r.total - pr.total;
        let sign = if delta.is_negative() || delta == Decimal::ZERO { "" } else { "+" };
        Some(Change {
            previous_id: p.id,
            previous_total: pr.total.to_string(),
            previous_level: pr.level.name.clone(),
            delta: format!("{sign}{delta}"),
            level_change: i64::from(r.level.rank) - i64::from(pr.level.rank),
        })
    });
    ReportView {
        level: r.level.name.clone(),
        rank: r.level.rank,
        total: r.total.to_string(),
        max_total: r.max_total.to_string(),
        svg_height: bars.len() as i64 * BAR_ROW + 12,
        bars,
        scenes,
        trace: r.trace(),
        improvements: imps,
        change,
        pledge_by: a.pledge_by.clone().unwrap_or_default(),
        pledge_at: a.pledge_at.map(beijing).unwrap_or_default(),
        submitted_at: a.submitted_at.map(beijing).unwrap_or_default(),
        adjust_reason: a.adjust_reason.clone(),
    }
}

pub async fn report(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let loaded = asm::get(&app, p, id).await?;
    let a = &loaded.a;
    let inst = asm::frozen_instrument(a)?;
    let report = asm::result_of(a).map(|r| report_view(inst, a, &r, loaded.previous.as_ref()));
    let ehref = format!("/enterprises/{}", a.enterprise_id);
    let lhref = format!("{ehref}/assessments");
    let href = format!("/assessments/{id}/report");
    let l = Layout::titled(
        &ctx,
        ctx_title(&ctx, &loaded.e.name),
        &[
            ("/enterprises", "nav.enterprises"),
            (&ehref, &loaded.e.name),
            (&lhref, "assessments.title"),
            (&href, "assessments.report"),
        ],
    );
    render(&ReportPage {
        l,
        id,
        enterprise_id: a.enterprise_id,
        enterprise_name: loaded.e.name.clone(),
        kind: kind_label(&ctx, &a.kind),
        instrument: format!("{}（{} v{}）", inst.name(), inst.id(), inst.version()),
        report,
    })
}

fn ctx_title(ctx: &Ctx, name: &str) -> String {
    format!("{} · {name}", ctx.t("assessments.report"))
}

// ───────────────────────────── the comparison ─────────────────────────────

pub struct CompareRow {
    pub label: String,
    pub cells: Vec<String>,
    pub differs: bool,
}

#[derive(Template)]
#[template(path = "assessment_compare.html")]
struct ComparePage {
    l: Layout,
    enterprise_id: i64,
    heads: Vec<(&'static str, Option<i64>)>,
    rows: Vec<CompareRow>,
    any: bool,
}

fn row(label: String, cells: Vec<String>) -> CompareRow {
    let present: Vec<&String> = cells.iter().filter(|c| !c.is_empty()).collect();
    let differs = present.windows(2).any(|w| w[0] != w[1]);
    CompareRow { label, cells, differs }
}

pub async fn compare(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, HttpError> {
    let p = ctx.principal()?;
    let (e, latest) = asm::latest_by_kind(&app, p, id).await?;
    let results: Vec<Option<(ScoreResult, &AssessmentRow)>> =
        latest.iter().map(|(_, a)| a.as_ref().and_then(|a| asm::result_of(a).map(|r| (r, a)))).collect();
    let cell = |f: &dyn Fn(&ScoreResult, &AssessmentRow) -> String| -> Vec<String> {
        results.iter().map(|x| x.as_ref().map(|(r, a)| f(r, a)).unwrap_or_default()).collect()
    };
    let mut rows = vec![
        row(
            ctx.t("assessments.submitted_at").to_owned(),
            cell(&|_, a| a.submitted_at.map(beijing).unwrap_or_default()),
        ),
        row(
            ctx.t("assessments.instrument").to_owned(),
            cell(&|r, _| format!("{} v{}", r.instrument_id, r.instrument_version)),
        ),
        row(ctx.t("assessments.level").to_owned(), cell(&|r, _| r.level.name.clone())),
        row(ctx.t("assessments.total").to_owned(), cell(&|r, _| r.total.to_string())),
    ];
    // The submission time always differs; it is not a difference in the rating.
    if let Some(r) = rows.first_mut() {
        r.differs = false;
    }
    // Dimensions and scenes of the first result present, matched by id in the others.
    if let Some((first, _)) = results.iter().flatten().next() {
        for d in &first.dimensions {
            rows.push(row(
                d.name.clone(),
                cell(&|r, _| {
                    r.dimensions.iter().find(|x| x.id == d.id).map(|x| x.points.to_string()).unwrap_or_default()
                }),
            ));
        }
        for s in &first.scenes {
            let tag = if s.binding { "（约束性）" } else { "" };
            rows.push(row(
                format!("{}{tag}", s.name),
                cell(&|r, _| r.scene(&s.id).map(|x| x.level.to_string()).unwrap_or_default()),
            ));
        }
    }
    let ehref = format!("/enterprises/{id}");
    let lhref = format!("{ehref}/assessments");
    let href = format!("{lhref}/compare");
    let l = Layout::new(
        &ctx,
        "assessments.compare",
        &[
            ("/enterprises", "nav.enterprises"),
            (&ehref, &e.name),
            (&lhref, "assessments.title"),
            (&href, "assessments.compare"),
        ],
    );
    render(&ComparePage {
        l,
        enterprise_id: id,
        heads: latest.iter().map(|(k, a)| (ctx.t(k.label_key()), a.as_ref().map(|a| a.id))).collect(),
        any: results.iter().any(Option::is_some),
        rows,
    })
}

/// The enterprise user's own assessments, reached from the side navigation.
pub async fn mine(State(app): State<App>, ctx: Ctx) -> Result<Response, HttpError> {
    let id = ctx.principal()?.enterprise_id.ok_or(AppError::NotFound)?;
    list_page(&app, &ctx, id, None).await
}
