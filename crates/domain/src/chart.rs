//! Charts drawn on the server as SVG (no script, no outside asset), each meant to sit beside a
//! table of the same numbers. Text is escaped; sizes are fixed so a printed page lays out the same.

use std::fmt::Write;

/// One bar or point: its label and value, with an optional target line (e.g. 90%).
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub label: String,
    pub value: f64,
}

fn esc(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v:.1}") }
}

const W: f64 = 560.0;
const ROW: f64 = 26.0;
const LABEL_W: f64 = 150.0;

/// Horizontal bars, one row per point, the value written at the bar's end; `target` draws a
/// dashed line at that value (same scale). `title` is the accessible name.
pub fn bars(title: &str, points: &[Point], target: Option<f64>) -> String {
    let max = points.iter().map(|p| p.value).chain(target).fold(0.0_f64, f64::max).max(1.0);
    let h = ROW * points.len().max(1) as f64 + 10.0;
    let plot = W - LABEL_W - 60.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {W} {h}" width="{W}" height="{h}" role="img" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    for (i, p) in points.iter().enumerate() {
        let y = 5.0 + ROW * i as f64;
        let w = (p.value.max(0.0) / max * plot).max(if p.value > 0.0 { 1.0 } else { 0.0 });
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end" font-size="12">{}</text><rect x="{LABEL_W}" y="{}" width="{w:.1}" height="{}" class="bar"/><text x="{:.1}" y="{}" font-size="12">{}</text>"#,
            LABEL_W - 6.0,
            y + 15.0,
            esc(&p.label),
            y + 3.0,
            ROW - 8.0,
            LABEL_W + w + 4.0,
            y + 15.0,
            fmt_num(p.value)
        );
    }
    if let Some(t) = target {
        let x = LABEL_W + t / max * plot;
        let _ = write!(s, r#"<line x1="{x:.1}" y1="0" x2="{x:.1}" y2="{h}" class="target" stroke-dasharray="4 3"/>"#);
    }
    s.push_str("</svg>");
    s
}

/// A line over months (points in order), with dots and the first/last labels on the axis.
pub fn line(title: &str, points: &[Point]) -> String {
    let h = 160.0;
    let (left, bottom, top) = (40.0, 130.0, 10.0);
    let max = points.iter().map(|p| p.value).fold(0.0_f64, f64::max).max(1.0);
    let step = if points.len() > 1 { (W - left - 20.0) / (points.len() - 1) as f64 } else { 0.0 };
    let xy = |i: usize, v: f64| (left + step * i as f64, bottom - v.max(0.0) / max * (bottom - top));
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {W} {h}" width="{W}" height="{h}" role="img" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    let _ = write!(s, r#"<line x1="{left}" y1="{bottom}" x2="{}" y2="{bottom}" class="axis"/>"#, W - 10.0);
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>"#,
        left - 4.0,
        top + 8.0,
        fmt_num(max)
    );
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (x, y) = xy(i, p.value);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    if !path.is_empty() {
        let _ = write!(s, r#"<polyline points="{}" class="line" fill="none"/>"#, path.join(" "));
    }
    for (i, p) in points.iter().enumerate() {
        let (x, y) = xy(i, p.value);
        let _ = write!(
            s,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" class="dot"><title>{} {}</title></circle>"#,
            esc(&p.label),
            fmt_num(p.value)
        );
        if i == 0 || i + 1 == points.len() {
            let _ = write!(
                s,
                r#"<text x="{x:.1}" y="{}" font-size="11" text-anchor="middle">{}</text>"#,
                bottom + 16.0,
                esc(&p.label)
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(label: &str, value: f64) -> Point {
        Point { label: label.into(), value }
    }

    #[test]
    fn bars_scale_to_the_largest_value_and_escape_labels() {
        let svg = bars("各区企业数", &[p("玄武区", 10.0), p("<秦淮>", 5.0)], None);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("&lt;秦淮&gt;") && !svg.contains("<秦淮>"));
        assert!(svg.contains(r#"width="350.0""#), "the largest bar fills the plot: {svg}");
        assert!(svg.contains(r#"width="175.0""#), "half the value, half the width");
        assert!(svg.contains("<title>各区企业数</title>"));
    }

    #[test]
    fn target_line_and_zero_values() {
        let svg = bars("二级以上占比", &[p("智能装备", 45.0), p("电子信息", 0.0)], Some(90.0));
        assert!(svg.contains("class=\"target\""));
        assert!(svg.contains(r#"width="0.0""#), "zero draws no bar");
        assert!(svg.contains(r#"x1="500.0""#), "target at 90 of max 90 is the plot's end");
    }

    #[test]
    fn line_over_months() {
        let svg = line("每月备案项目", &[p("2026-09", 1.0), p("2026-10", 3.0), p("2026-11", 2.0)]);
        assert!(svg.contains("<polyline"));
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains(">2026-09<") && svg.contains(">2026-11<") && !svg.contains(">2026-10</text>"));
        assert!(line("空", &[]).contains("</svg>"));
    }
}
