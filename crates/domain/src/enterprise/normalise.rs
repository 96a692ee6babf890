//! Clean-up of typed or pasted codes before they are parsed. Codes reach us
//! from Chinese input methods, Word documents and scanned forms, which produce
//! full-width forms (“９１３５…”, “Ｃ３６”) and stray spaces; the standards
//! only know the ASCII forms.

/// Maps full-width ASCII variants (U+FF01–U+FF5E) and the ideographic space
/// (U+3000) to ASCII, trims surrounding white space and upper-cases ASCII
/// letters. Characters with no ASCII counterpart are kept, so the parser can
/// name them in its error.
pub(crate) fn normalise_code(input: &str) -> String {
    let half_width: String = input.chars().map(to_half_width).collect();
    half_width.trim().to_ascii_uppercase()
}

fn to_half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        // The full-width block mirrors ASCII 0x21–0x7E at a fixed offset.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_code;

    #[test]
    fn full_width_digits_letters_and_spaces_become_ascii() {
        assert_eq!(normalise_code("\u{3000}９１ａＢｃ－\u{3000} "), "91ABC-");
    }

    #[test]
    fn non_ascii_characters_are_kept_for_the_error_message() {
        assert_eq!(normalise_code(" 统一c "), "统一C");
    }
}
