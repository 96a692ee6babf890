//! Property tests of the rules that guard the data: the credit-code parser,
//! money, and region scoping.

use dengta_domain::enterprise::Uscc;
use dengta_domain::enterprise::uscc::CHARSET;
use dengta_domain::money::Fen;
use dengta_domain::region::RegionCode;
use proptest::prelude::*;

fn first17() -> impl Strategy<Value = String> {
    let chars: Vec<char> = CHARSET.chars().collect();
    proptest::collection::vec(proptest::sample::select(chars), 17).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any 17 characters from the set, completed with their check character,
    /// parse back to the same code, however they are typed.
    #[test]
    fn valid_codes_round_trip(body in first17(), lower in any::<bool>()) {
        let code = Uscc::with_check_char(&body).expect("a check character exists for any body");
        let typed = if lower { code.as_str().to_lowercase() } else { format!("  {}\t", code.as_str()) };
        let parsed = Uscc::parse(&typed).expect("valid code parses");
        prop_assert_eq!(parsed.as_str(), code.as_str());
    }

    /// Changing any one character of a valid code is always caught.
    #[test]
    fn any_single_change_is_caught(body in first17(), pos in 0usize..18, replacement in proptest::sample::select(CHARSET.chars().collect::<Vec<_>>())) {
        let code = Uscc::with_check_char(&body).expect("check character");
        let mut chars: Vec<char> = code.as_str().chars().collect();
        prop_assume!(chars[pos] != replacement);
        chars[pos] = replacement;
        let changed: String = chars.into_iter().collect();
        prop_assert!(Uscc::parse(&changed).is_err(), "{} was accepted", changed);
    }

    /// Yuan text with two decimals round-trips through fen.
    #[test]
    fn yuan_round_trips(fen in -10_000_000_000i64..10_000_000_000i64) {
        let shown = Fen(fen).to_string().replace(',', "");
        prop_assert_eq!(Fen::parse_yuan(&shown).expect("own output parses"), Fen(fen));
    }

    /// A node's subtree bounds contain exactly the codes it contains.
    #[test]
    fn subtree_bounds_match_contains(a in 110000u32..660000, b in 110000u32..660000) {
        let (Ok(node), Ok(other)) = (RegionCode::parse(&a.to_string()), RegionCode::parse(&b.to_string())) else {
            return Ok(());
        };
        let (lo, hi) = node.subtree_bounds();
        let inside = other.as_str() >= lo.as_str() && other.as_str() <= hi.as_str();
        prop_assert_eq!(inside, node.contains(&other));
    }
}
