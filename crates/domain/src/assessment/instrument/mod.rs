//! An assessment instrument version (评测指标版本) loaded from a data file and validated.
//!
//! One TOML file per version under `data/instruments/` describes dimensions → sub-dimensions →
//! indicators → questions, the raw inputs behind banded questions, the business scenes with their
//! L1–L4 ladders and binding flags, and the level rule. An [`Instrument`] can only be obtained
//! through [`Instrument::from_toml`], so everything downstream may rely on its invariants: unique
//! ids, points that add up to the declared maxima, resolvable references, increasing thresholds.
//!
//! `model` holds the validated types and their read-only accessors; `load` the file format and
//! the errors naming every problem by place; `check` the validation into the model types.

mod check;
mod format;
mod load;
mod model;

pub use format::{InstrumentError, InstrumentProblem};
pub use model::*;
/// The instruments shipped with Dengta, as (file name, text). Paths are relative to this file.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("mfg-2024.toml", include_str!("../../../../../data/instruments/mfg-2024.toml")),
    ("generic-2022.toml", include_str!("../../../../../data/instruments/generic-2022.toml")),
];

/// Loads every shipped instrument; fails if any file is invalid or two share an id and version.
pub fn builtin_instruments() -> Result<Vec<Instrument>, InstrumentError> {
    let mut out: Vec<Instrument> = Vec::new();
    for (file, text) in BUILTIN_FILES {
        let inst = Instrument::from_toml(file, text)?;
        if let Some(other) = out.iter().find(|o| o.id == inst.id && o.version == inst.version) {
            return Err(InstrumentError::single(
                file,
                "id",
                format!("评测版本“{}”第 {} 版与 {} 重复", inst.id, inst.version, other.file_name),
            ));
        }
        out.push(inst);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::decimal::Decimal;

    fn mfg() -> Instrument {
        Instrument::from_toml("mfg-2024.toml", BUILTIN_FILES[0].1).unwrap()
    }

    #[test]
    fn shipped_instruments_load() {
        let all = builtin_instruments().unwrap();
        assert_eq!(all.iter().map(Instrument::id).collect::<Vec<_>>(), ["mfg-2024", "generic-2022"]);
    }

    #[test]
    fn mfg_2024_matches_the_programme_reference() {
        let m = mfg();
        assert_eq!(m.total_points(), Decimal::from_int(100));
        let dims: Vec<(&str, Option<Decimal>)> =
            m.dimensions().iter().map(|d| (d.name.as_str(), d.max_points())).collect();
        assert_eq!(
            dims,
            [
                ("数字化基础", Some(Decimal::from_int(50))),
                ("数字化管理", Some(Decimal::from_int(30))),
                ("数字化成效", Some(Decimal::from_int(20)))
            ]
        );
        assert_eq!(m.questions().count(), 15);
        assert_eq!(m.scenes().len(), 16);
        let binding: Vec<&str> = m.scenes().iter().filter(|s| s.binding).map(|s| s.name.as_str()).collect();
        assert_eq!(
            binding,
            [
                "产品设计",
                "营销管理",
                "生产管控",
                "质量管理",
                "设备管理",
                "安全生产",
                "能耗管理",
                "采购管理",
                "仓储物流",
                "财务管理"
            ]
        );
        let thresholds: Vec<String> = m.level_rule().levels.iter().map(|l| l.min_score.to_string()).collect();
        assert_eq!(thresholds, ["20", "40", "60", "80"]);
        let q = m.question("data_collection").unwrap();
        assert_eq!(q.kind.options().len(), 15);
        assert_eq!(m.scene_dimension(), Some("数字化经营"));
        assert!(m.applies_to_section('C'));
        assert!(!m.applies_to_section('I'));
        let ps = m.scene("product_design").unwrap();
        assert!(ps.ladder_text(SceneLevel::L4).unwrap().contains("仿真"));
        assert_eq!(ps.ladder_text(SceneLevel::None), None);
    }

    #[test]
    fn generic_2022_is_level_rule_only() {
        let g = Instrument::from_toml("generic-2022.toml", BUILTIN_FILES[1].1).unwrap();
        assert_eq!(g.questions().count(), 0);
        assert!(g.scenes().is_empty());
        assert_eq!(g.dimensions().len(), 4);
        assert!(g.dimensions().iter().all(|d| d.kind == DimensionKind::DirectEntry { max_points: None }));
        assert!(g.level_rule().levels.iter().all(|l| l.scenes.is_none()));
        assert!(g.applies_to_section('I'));
    }

    /// Used versions are never altered: this pins the exact text of each shipped file. If this
    /// fails, the file was edited. Once a version has scored anything, revert the edit and ship the
    /// change as a new file or version; only a never-used version may take a new fingerprint here.
    #[test]
    fn shipped_files_are_unchanged() {
        let pinned = [
            ("mfg-2024", "94952478e9f085bc7f188211363bb218a0a9c98bb48f27fcc8fd8eebd53cb783"),
            ("generic-2022", "13d66b9912503c04075c60a600185398bce4b3e4b84a4fa4ecae90024d293171"),
        ];
        for (inst, (id, fp)) in builtin_instruments().unwrap().iter().zip(pinned) {
            assert_eq!((inst.id(), inst.fingerprint()), (id, fp), "{} 已被修改", inst.file_name());
        }
    }
}
