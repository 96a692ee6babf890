//! Validating an instrument file: turns the file format into the validated types of `model` while
//! collecting every problem, so an author sees all mistakes at once.

use std::collections::BTreeMap;

use super::format::*;
use super::model::*;
use crate::assessment::decimal::Decimal;

/// Converts the file format into validated types while collecting every problem, so an author
/// sees all mistakes at once. Invalid values are replaced by placeholders that are never used,
/// because any problem makes `from_toml` return an error.
#[derive(Default)]
pub(super) struct Checker {
    pub(super) problems: Vec<InstrumentProblem>,
}

const PLACEHOLDER_LEVEL: SceneLevel = SceneLevel::L1;

impl Checker {
    fn push(&mut self, place: &str, message: impl Into<String>) {
        self.problems.push(InstrumentProblem { place: place.to_owned(), message: message.into() });
    }

    fn text(&mut self, place: &str, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.push(format!("{place}.{field}").trim_start_matches('.'), "不能为空");
        }
    }

    /// Ids are storage keys: ASCII, short, and unique within their namespace.
    fn id(&mut self, place: &str, id: &str, seen: &mut BTreeMap<String, String>) {
        let ok = !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if !ok {
            self.push(place, format!("编号“{id}”无效：只能使用 1–64 个字母、数字、下划线、连字符或点"));
        } else if let Some(first) = seen.get(id) {
            self.push(place, format!("编号“{id}”重复（已用于 {first}）"));
        } else {
            seen.insert(id.to_owned(), place.to_owned());
        }
    }

    fn non_negative(&mut self, place: &str, p: Decimal) {
        if p.is_negative() {
            self.push(place, "分值不能为负");
        }
    }

    fn positive(&mut self, place: &str, p: Decimal) {
        if p <= Decimal::ZERO {
            self.push(place, format!("分值须大于 0（当前 {p}）"));
        }
    }

    fn sum_matches(&mut self, place: &str, what: &str, sum: Decimal, declared: Decimal) {
        if sum != declared {
            self.push(place, format!("{what}分值之和为 {sum}，与声明的 {declared} 不符"));
        }
    }

    pub(super) fn instrument(&mut self, file_name: &str, d: InstrumentDef, fingerprint: String) -> Instrument {
        let mut ids = BTreeMap::new();
        self.id("id", &d.id, &mut ids);
        if d.version == 0 {
            self.push("version", "版本号须从 1 开始");
        }
        self.text("", "edition", &d.edition);
        self.text("", "name", &d.name);
        for (i, s) in d.industries.iter().enumerate() {
            let ok = s.len() == 1 && s.bytes().all(|b| (b'A'..=b'T').contains(&b));
            if !ok {
                self.push(
                    &format!("industries[{i}]"),
                    format!("行业门类“{s}”无效（应为 GB/T 4754-2017 门类字母 A–T）"),
                );
            }
        }
        self.positive("total_points", d.total_points);

        let mut input_ids = BTreeMap::new();
        let inputs: Vec<Input> = d
            .inputs
            .into_iter()
            .enumerate()
            .map(|(i, x)| {
                let place = format!("inputs[{i}]");
                self.id(&place, &x.id, &mut input_ids);
                self.text(&place, "label", &x.label);
                Input { id: x.id, label: x.label, unit: x.unit, integer: x.integer }
            })
            .collect();

        let mut ns = Namespaces::default();
        if d.dimensions.is_empty() {
            self.push("dimensions", "至少需要一个维度");
        }
        let dimensions: Vec<Dimension> = d
            .dimensions
            .into_iter()
            .enumerate()
            .map(|(i, x)| self.dimension(&format!("dimensions[{i}]"), x, &inputs, &mut ns))
            .collect();
        let known: Vec<Decimal> = dimensions.iter().filter_map(Dimension::max_points).collect();
        let known_sum: Decimal = known.iter().copied().sum();
        if known.len() == dimensions.len() {
            self.sum_matches("total_points", "各维度", known_sum, d.total_points);
        } else if known_sum > d.total_points {
            self.push("total_points", format!("已声明的维度分值之和 {known_sum} 超过满分 {}", d.total_points));
        }

        let mut group_ids = BTreeMap::new();
        let scene_groups: Vec<SceneGroup> = d
            .scene_groups
            .into_iter()
            .enumerate()
            .map(|(i, g)| {
                let place = format!("scene_groups[{i}]");
                self.id(&place, &g.id, &mut group_ids);
                self.text(&place, "name", &g.name);
                SceneGroup { id: g.id, name: g.name }
            })
            .collect();
        let mut scene_ids = BTreeMap::new();
        let scenes: Vec<Scene> = d
            .scenes
            .into_iter()
            .enumerate()
            .map(|(i, s)| self.scene(&format!("scenes[{i}]"), s, &group_ids, &mut scene_ids))
            .collect();
        if !scenes.is_empty() && d.scene_dimension.as_deref().is_none_or(|n| n.trim().is_empty()) {
            self.push("scene_dimension", "有应用场景时须写明场景所属维度（如“数字化经营”）");
        }

        let level_rule = self.level_rule(d.level_rule, d.total_points, &scenes);

        Instrument {
            file_name: file_name.to_owned(),
            id: d.id,
            version: d.version,
            edition: d.edition,
            name: d.name,
            document: d.document,
            industries: d.industries,
            total_points: d.total_points,
            scene_dimension: d.scene_dimension,
            source: d.source,
            inputs,
            dimensions,
            scene_groups,
            scenes,
            level_rule,
            fingerprint,
        }
    }

    fn dimension(&mut self, place: &str, d: DimensionDef, inputs: &[Input], ns: &mut Namespaces) -> Dimension {
        self.id(place, &d.id, &mut ns.dimensions);
        self.text(place, "name", &d.name);
        if d.direct_entry {
            if !d.sub_dimensions.is_empty() {
                self.push(place, "直接录入得分的维度不能再设子维度");
            }
            if let Some(p) = d.points {
                self.positive(&format!("{place}.points"), p);
            }
            return Dimension { id: d.id, name: d.name, kind: DimensionKind::DirectEntry { max_points: d.points } };
        }
        let points = match d.points {
            Some(p) => p,
            None => {
                self.push(place, "缺少分值 points（或设 direct_entry = true）");
                Decimal::ZERO
            }
        };
        self.positive(&format!("{place}.points"), points);
        if d.sub_dimensions.is_empty() {
            self.push(place, "至少需要一个子维度");
        }
        let subs: Vec<SubDimension> = d
            .sub_dimensions
            .into_iter()
            .enumerate()
            .map(|(i, s)| self.sub_dimension(&format!("{place}.sub_dimensions[{i}]"), s, inputs, ns))
            .collect();
        self.sum_matches(place, "各子维度", subs.iter().map(|s| s.points).sum(), points);
        Dimension { id: d.id, name: d.name, kind: DimensionKind::Questions { points, sub_dimensions: subs } }
    }

    fn sub_dimension(
        &mut self,
        place: &str,
        d: SubDimensionDef,
        inputs: &[Input],
        ns: &mut Namespaces,
    ) -> SubDimension {
        self.id(place, &d.id, &mut ns.sub_dimensions);
        self.text(place, "name", &d.name);
        self.positive(&format!("{place}.points"), d.points);
        if d.indicators.is_empty() {
            self.push(place, "至少需要一个指标");
        }
        let indicators: Vec<Indicator> = d
            .indicators
            .into_iter()
            .enumerate()
            .map(|(i, x)| self.indicator(&format!("{place}.indicators[{i}]"), x, inputs, ns))
            .collect();
        self.sum_matches(place, "各指标", indicators.iter().map(|x| x.points).sum(), d.points);
        SubDimension { id: d.id, name: d.name, points: d.points, indicators }
    }

    fn indicator(&mut self, place: &str, d: IndicatorDef, inputs: &[Input], ns: &mut Namespaces) -> Indicator {
        self.id(place, &d.id, &mut ns.indicators);
        self.text(place, "name", &d.name);
        self.positive(&format!("{place}.points"), d.points);
        if d.questions.is_empty() {
            self.push(place, "至少需要一道题目");
        }
        let questions: Vec<Question> = d
            .questions
            .into_iter()
            .enumerate()
            .map(|(i, q)| self.question(&format!("{place}.questions[{i}]"), q, &d.name, inputs, ns))
            .collect();
        self.sum_matches(place, "各题目", questions.iter().map(|q| q.points).sum(), d.points);
        Indicator { id: d.id, name: d.name, points: d.points, questions }
    }

    fn input_ref(&mut self, place: &str, id: &str, inputs: &[Input]) {
        if !inputs.iter().any(|i| i.id == id) {
            self.push(place, format!("引用了未定义的填报项“{id}”"));
        }
    }

    fn question(
        &mut self,
        place: &str,
        q: QuestionDef,
        indicator_name: &str,
        inputs: &[Input],
        ns: &mut Namespaces,
    ) -> Question {
        self.id(place, &q.id, &mut ns.questions);
        self.text(place, "text", &q.text);
        self.positive(&format!("{place}.points"), q.points);
        for (i, e) in q.evidence_inputs.iter().enumerate() {
            self.input_ref(&format!("{place}.evidence_inputs[{i}]"), e, inputs);
        }
        let kind = match q.kind {
            KindName::Single | KindName::Multiple => {
                if q.numerator.is_some() || q.denominator.is_some() || !q.bands.is_empty() {
                    self.push(place, "选择题不能设置 numerator、denominator 或 bands");
                }
                let options = self.options(place, q.options, q.kind == KindName::Multiple, q.points);
                if q.kind == KindName::Multiple {
                    QuestionKind::Multiple { options }
                } else {
                    QuestionKind::Single { options }
                }
            }
            KindName::Ratio => {
                if !q.options.is_empty() {
                    self.push(place, "比值题不能设置 options，分档写在 bands 中");
                }
                QuestionKind::Ratio(self.ratio(place, q.numerator, q.denominator, q.bands, q.points, inputs))
            }
        };
        Question {
            id: q.id,
            title: q.title.unwrap_or_else(|| indicator_name.to_owned()),
            text: q.text,
            points: q.points,
            kind,
            evidence_inputs: q.evidence_inputs,
        }
    }

    fn options(&mut self, place: &str, defs: Vec<OptionDef>, multiple: bool, points: Decimal) -> Vec<ChoiceOption> {
        if defs.len() < 2 {
            self.push(place, "选择题至少需要两个选项");
        }
        let mut ids = BTreeMap::new();
        let options: Vec<ChoiceOption> = defs
            .into_iter()
            .enumerate()
            .map(|(i, o)| {
                let p = format!("{place}.options[{i}]");
                self.id(&p, &o.id, &mut ids);
                self.text(&p, "text", &o.text);
                self.non_negative(&p, o.points);
                if o.exclusive && !multiple {
                    self.push(&p, "只有多选题的选项可以设为互斥（exclusive）");
                }
                if o.exclusive && o.points != Decimal::ZERO {
                    self.push(&p, format!("互斥选项（如“无”）分值必须为 0（当前 {}）", o.points));
                }
                ChoiceOption { id: o.id, text: o.text, points: o.points, exclusive: o.exclusive }
            })
            .collect();
        if multiple {
            if options.iter().filter(|o| o.exclusive).count() > 1 {
                self.push(place, "多选题最多只能有一个互斥选项");
            }
            if options.iter().all(|o| o.exclusive) {
                self.push(place, "多选题至少需要一个非互斥选项");
            }
            let sum: Decimal = options.iter().filter(|o| !o.exclusive).map(|o| o.points).sum();
            self.sum_matches(place, "多选题各选项", sum, points);
        } else {
            let max = options.iter().map(|o| o.points).max().unwrap_or(Decimal::ZERO);
            if max != points {
                self.push(place, format!("单选题最高选项分值为 {max}，与题目分值 {points} 不符"));
            }
        }
        options
    }

    fn ratio(
        &mut self,
        place: &str,
        numerator: Option<String>,
        denominator: Option<String>,
        defs: Vec<BandDef>,
        points: Decimal,
        inputs: &[Input],
    ) -> RatioSpec {
        let mut side = |field: &str, v: Option<String>| match v {
            Some(id) => {
                self.input_ref(&format!("{place}.{field}"), &id, inputs);
                id
            }
            None => {
                self.push(place, format!("比值题缺少 {field}"));
                String::new()
            }
        };
        let numerator = side("numerator", numerator);
        let denominator = side("denominator", denominator);
        if !numerator.is_empty() && numerator == denominator {
            self.push(&format!("{place}.denominator"), "分子与分母不能是同一填报项");
        }
        if defs.is_empty() {
            self.push(place, "比值题至少需要一个分档（bands）");
        }
        let mut prev = Decimal::ZERO;
        let bands: Vec<Band> = defs
            .into_iter()
            .enumerate()
            .map(|(i, b)| {
                let p = format!("{place}.bands[{i}]");
                self.non_negative(&p, b.points);
                if b.up_to_percent <= prev {
                    self.push(&p, format!("分档上限须递增且大于 0：{}% 不大于 {prev}%", b.up_to_percent));
                }
                prev = b.up_to_percent;
                Band { up_to_percent: b.up_to_percent, points: b.points }
            })
            .collect();
        if let Some(last) = bands.last()
            && last.up_to_percent != Decimal::from_int(100)
        {
            self.push(
                &format!("{place}.bands[{}]", bands.len() - 1),
                format!("最后一档上限须为 100%（当前 {}%）", last.up_to_percent),
            );
        }
        let max = bands.iter().map(|b| b.points).max().unwrap_or(Decimal::ZERO);
        if max != points {
            self.push(place, format!("最高分档分值为 {max}，与题目分值 {points} 不符"));
        }
        RatioSpec { numerator, denominator, bands }
    }

    fn scene(
        &mut self,
        place: &str,
        s: SceneDef,
        groups: &BTreeMap<String, String>,
        ids: &mut BTreeMap<String, String>,
    ) -> Scene {
        self.id(place, &s.id, ids);
        self.text(place, "name", &s.name);
        if !groups.contains_key(&s.group) {
            self.push(&format!("{place}.group"), format!("引用了未定义的场景类“{}”", s.group));
        }
        let ladder: [String; 4] = match <[String; 4]>::try_from(s.ladder) {
            Ok(l) => l,
            Err(l) => {
                self.push(&format!("{place}.ladder"), format!("须恰好给出 L1–L4 四级描述（当前 {} 条）", l.len()));
                Default::default()
            }
        };
        for (i, t) in ladder.iter().enumerate() {
            if t.trim().is_empty() && !self.problems.iter().any(|p| p.place == format!("{place}.ladder")) {
                self.push(&format!("{place}.ladder[{i}]"), "不能为空");
            }
        }
        Scene { id: s.id, name: s.name, group: s.group, binding: s.binding, ladder }
    }

    fn level_rule(&mut self, d: LevelRuleDef, total: Decimal, scenes: &[Scene]) -> LevelRule {
        self.text("level_rule", "basis", &d.basis);
        if d.levels.is_empty() {
            self.push("level_rule.levels", "至少需要一个等级");
        }
        let scene_count = u32::try_from(scenes.len()).unwrap_or(u32::MAX);
        let binding_count = u32::try_from(scenes.iter().filter(|s| s.binding).count()).unwrap_or(u32::MAX);
        let mut names = BTreeMap::new();
        let mut levels: Vec<LevelRow> = Vec::new();
        for (i, r) in d.levels.into_iter().enumerate() {
            let place = format!("level_rule.levels[{i}]");
            if usize::from(r.rank) != i + 1 {
                self.push(
                    &format!("{place}.rank"),
                    format!("等级须按 1、2、3… 依次排列（此处应为 {}，当前 {}）", i + 1, r.rank),
                );
            }
            self.text(&place, "name", &r.name);
            if let Some(first) = names.insert(r.name.clone(), place.clone()) {
                self.push(&format!("{place}.name"), format!("等级名称“{}”重复（已用于 {first}）", r.name));
            }
            let mp = format!("{place}.min_score");
            if r.min_score.is_negative() || r.min_score > total {
                self.push(&mp, format!("分数阈值 {} 须在 0 到满分 {total} 之间", r.min_score));
            }
            let scenes_cond = r.scenes.map(|c| {
                let sp = format!("{place}.scenes");
                if scenes.is_empty() {
                    self.push(&sp, "本版本没有应用场景，等级不能设场景条件");
                }
                let at_least = match SceneLevel::from_u8(c.at_least) {
                    Some(l) if l != SceneLevel::None => l,
                    _ => {
                        self.push(&format!("{sp}.at_least"), format!("场景等级须为 1–4（当前 {}）", c.at_least));
                        PLACEHOLDER_LEVEL
                    }
                };
                if c.count > scene_count {
                    self.push(
                        &format!("{sp}.count"),
                        format!("要求 {} 个场景，但本版本只有 {scene_count} 个", c.count),
                    );
                }
                if c.binding > c.count {
                    self.push(
                        &format!("{sp}.binding"),
                        format!("约束性场景数 {} 不能大于场景数 {}", c.binding, c.count),
                    );
                }
                if c.binding > binding_count {
                    self.push(
                        &format!("{sp}.binding"),
                        format!("要求 {} 个约束性场景，但本版本只有 {binding_count} 个", c.binding),
                    );
                }
                SceneCondition { at_least, count: c.count, binding: c.binding }
            });
            let row = LevelRow {
                rank: r.rank,
                name: r.name,
                description: r.description,
                min_score: r.min_score,
                scenes: scenes_cond,
            };
            if let Some(below) = levels.last() {
                self.stricter_than(&place, &row, below);
            }
            levels.push(row);
        }
        LevelRule { basis: d.basis, levels }
    }

    /// Each level must demand at least what the level below demands, so reaching a level implies
    /// every lower one and the outcome cannot depend on how the rows are read.
    fn stricter_than(&mut self, place: &str, row: &LevelRow, below: &LevelRow) {
        if row.min_score <= below.min_score {
            self.push(
                &format!("{place}.min_score"),
                format!(
                    "分数阈值须逐级递增：{} 的 {} 不高于 {} 的 {}",
                    row.name, row.min_score, below.name, below.min_score
                ),
            );
        }
        match (&row.scenes, &below.scenes) {
            (None, Some(_)) => self.push(place, format!("{} 须至少包含 {} 的场景条件", row.name, below.name)),
            (Some(a), Some(b)) if a.at_least < b.at_least || a.count < b.count || a.binding < b.binding => self.push(
                &format!("{place}.scenes"),
                format!("场景条件须逐级不降：{} 的要求低于 {}", row.name, below.name),
            ),
            _ => {}
        }
    }
}

#[derive(Default)]
struct Namespaces {
    dimensions: BTreeMap<String, String>,
    sub_dimensions: BTreeMap<String, String>,
    indicators: BTreeMap<String, String>,
    questions: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small valid instrument; each invalid case below changes one line of it.
    const SMALL: &str = r#"
id = "small"
version = 1
edition = "test"
name = "小样例"
total_points = 10
scene_dimension = "数字化经营"

[[inputs]]
id = "total"
label = "设备总数"
integer = true

[[inputs]]
id = "digital"
label = "数字化设备数"
integer = true

[[dimensions]]
id = "d"
name = "基础"
points = 10

[[dimensions.sub_dimensions]]
id = "s"
name = "设备"
points = 10

[[dimensions.sub_dimensions.indicators]]
id = "i"
name = "网络"
points = 4

[[dimensions.sub_dimensions.indicators.questions]]
id = "q"
kind = "multiple"
text = "网络"
points = 4
options = [
  { id = "A", text = "无", points = 0, exclusive = true },
  { id = "B", text = "甲", points = 2 },
  { id = "C", text = "乙", points = 2 },
]

[[dimensions.sub_dimensions.indicators]]
id = "j"
name = "设备数字化"
points = 6

[[dimensions.sub_dimensions.indicators.questions]]
id = "r"
kind = "ratio"
text = "比例"
points = 6
numerator = "digital"
denominator = "total"
bands = [
  { up_to_percent = 50, points = 0 },
  { up_to_percent = 100, points = 6 },
]

[[scene_groups]]
id = "g"
name = "组"

[[scenes]]
id = "s1"
name = "场景一"
group = "g"
binding = true
ladder = ["一", "二", "三", "四"]

[level_rule]
basis = "测试"

[[level_rule.levels]]
rank = 1
name = "一级"
min_score = 5
scenes = { at_least = 1, count = 1, binding = 1 }

[[level_rule.levels]]
rank = 2
name = "二级"
min_score = 8
scenes = { at_least = 2, count = 1, binding = 1 }
"#;

    fn errors_after(from: &str, to: &str) -> Vec<String> {
        assert!(SMALL.contains(from), "test fixture lacks {from:?}");
        let text = SMALL.replacen(from, to, 1);
        Instrument::from_toml("bad.toml", &text).unwrap_err().lines()
    }

    #[test]
    fn small_fixture_is_valid() {
        let s = Instrument::from_toml("small.toml", SMALL).unwrap();
        assert_eq!(s.questions().count(), 2);
    }

    #[test]
    fn negative_option_points_are_named_by_place() {
        let errs =
            errors_after(r#"{ id = "B", text = "甲", points = 2 }"#, r#"{ id = "B", text = "甲", points = -2 }"#);
        assert!(
            errs.contains(
                &"bad.toml: dimensions[0].sub_dimensions[0].indicators[0].questions[0].options[1]: 分值不能为负"
                    .to_owned()
            ),
            "{errs:?}"
        );
    }

    #[test]
    fn points_must_add_up_at_every_level() {
        let errs =
            errors_after(r#"{ id = "C", text = "乙", points = 2 }"#, r#"{ id = "C", text = "乙", points = 1.5 }"#);
        assert_eq!(
            errs,
            [
                "bad.toml: dimensions[0].sub_dimensions[0].indicators[0].questions[0]: 多选题各选项分值之和为 3.5，与声明的 4 不符"
            ]
        );
        let errs = errors_after("id = \"s\"\nname = \"设备\"\npoints = 10", "id = \"s\"\nname = \"设备\"\npoints = 9");
        assert_eq!(
            errs,
            [
                "bad.toml: dimensions[0].sub_dimensions[0]: 各指标分值之和为 10，与声明的 9 不符",
                "bad.toml: dimensions[0]: 各子维度分值之和为 9，与声明的 10 不符",
            ]
        );
    }

    #[test]
    fn duplicate_ids_name_both_places() {
        let errs = errors_after("id = \"r\"\nkind", "id = \"q\"\nkind");
        assert_eq!(
            errs,
            [
                "bad.toml: dimensions[0].sub_dimensions[0].indicators[1].questions[0]: 编号“q”重复（已用于 dimensions[0].sub_dimensions[0].indicators[0].questions[0]）"
            ]
        );
    }

    #[test]
    fn exclusive_option_rules() {
        let errs = errors_after(
            r#"{ id = "A", text = "无", points = 0, exclusive = true }"#,
            r#"{ id = "A", text = "无", points = 1, exclusive = true }"#,
        );
        assert_eq!(
            errs,
            [
                "bad.toml: dimensions[0].sub_dimensions[0].indicators[0].questions[0].options[0]: 互斥选项（如“无”）分值必须为 0（当前 1）"
            ]
        );
        let errs = errors_after(
            r#"{ id = "B", text = "甲", points = 2 }"#,
            r#"{ id = "B", text = "甲", points = 0, exclusive = true }"#,
        );
        assert!(errs.iter().any(|e| e.ends_with("questions[0]: 多选题最多只能有一个互斥选项")), "{errs:?}");
    }

    #[test]
    fn references_must_resolve() {
        let errs = errors_after(r#"numerator = "digital""#, r#"numerator = "digitl""#);
        assert_eq!(
            errs,
            [
                "bad.toml: dimensions[0].sub_dimensions[0].indicators[1].questions[0].numerator: 引用了未定义的填报项“digitl”"
            ]
        );
        let errs = errors_after(r#"group = "g""#, r#"group = "h""#);
        assert_eq!(errs, ["bad.toml: scenes[0].group: 引用了未定义的场景类“h”"]);
    }

    #[test]
    fn ratio_bands_must_increase_to_100() {
        let errs = errors_after("up_to_percent = 100", "up_to_percent = 40");
        assert_eq!(
            errs,
            [
                "bad.toml: dimensions[0].sub_dimensions[0].indicators[1].questions[0].bands[1]: 分档上限须递增且大于 0：40% 不大于 50%",
                "bad.toml: dimensions[0].sub_dimensions[0].indicators[1].questions[0].bands[1]: 最后一档上限须为 100%（当前 40%）",
            ]
        );
    }

    #[test]
    fn level_thresholds_must_increase() {
        let errs = errors_after("min_score = 8", "min_score = 5");
        assert_eq!(errs, ["bad.toml: level_rule.levels[1].min_score: 分数阈值须逐级递增：二级 的 5 不高于 一级 的 5"]);
        let errs = errors_after(
            "scenes = { at_least = 2, count = 1, binding = 1 }",
            "scenes = { at_least = 2, count = 2, binding = 1 }",
        );
        assert_eq!(errs, ["bad.toml: level_rule.levels[1].scenes.count: 要求 2 个场景，但本版本只有 1 个"]);
    }

    #[test]
    fn format_errors_give_line_and_column() {
        let errs = errors_after("edition = \"test\"", "edition = \"test\"\ncolour = 1");
        assert_eq!(errs.len(), 1);
        assert!(errs[0].starts_with("bad.toml: 第 5 行第 1 列: 格式错误："), "{errs:?}");
        assert!(errs[0].contains("colour"), "{errs:?}");
        // A float that needs more than three decimals is rejected, not rounded.
        let errs =
            errors_after(r#"{ id = "B", text = "甲", points = 2 }"#, r#"{ id = "B", text = "甲", points = 2.0001 }"#);
        assert_eq!(errs.len(), 1);
        assert!(errs[0].contains("最多三位小数"), "{errs:?}");
    }
}
