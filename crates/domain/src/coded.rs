//! `coded!`: the boilerplate of the domain's closed, fieldless enums that are stored and shown as
//! text — a stable code, one or two labels, the list of every variant and a parser.
//!
//! ```text
//! coded!(AcceptanceState [code, label_zh, label_en], pub fn parse(code | label_zh) {
//!     Applied => "applied", "已申请验收", "Applied for acceptance";
//!     Accepted => "accepted", "验收通过", "Accepted";
//! });
//! ```
//!
//! expands to `impl AcceptanceState` with
//! - `pub const ALL: [AcceptanceState; 2]`, every listed variant in the order written;
//! - one `pub fn <column>(self) -> &'static str` per bracketed column (one to three), each a
//!   `match` over the rows; doc comments written before a column name document its method;
//! - optionally the parser named after the columns: it trims its input and returns the first
//!   variant (in `ALL` order) any of the named columns equals, or `None`.
//!
//! A parser with other rules (a typed error, a special case) stays hand-written next to it and
//! may use `ALL` and the columns.

macro_rules! coded {
    (
        $t:ident [$($cols:tt)+]
        $(, $(#[$pm:meta])* $pv:vis fn $parse:ident($($key:ident)|+))?
        { $($v:ident => $($lit:literal),+;)+ }
    ) => {
        impl $t {
            /// Every variant, in the order of the table.
            pub const ALL: [$t; [$(stringify!($v)),+].len()] = [$($t::$v),+];

            $(
                $(#[$pm])*
                #[doc = concat!(
                    "Trims the input and returns the first variant (in `ALL` order) whose",
                    $(" `", stringify!($key), "`",)+
                    " equals it (any of them)."
                )]
                $pv fn $parse(s: &str) -> Option<$t> {
                    let s = s.trim();
                    $t::ALL.into_iter().find(|x| $(x.$key() == s)||+)
                }
            )?
        }
        coded!(@columns $t [$($cols)+] $($v => $($lit),+;)+);
    };

    (@columns $t:ident [$(#[$m1:meta])* $c1:ident] $($v:ident => $l1:literal;)+) => {
        impl $t {
            $(#[$m1])*
            pub fn $c1(self) -> &'static str {
                match self {
                    $($t::$v => $l1,)+
                }
            }
        }
    };

    (@columns $t:ident [$(#[$m1:meta])* $c1:ident, $(#[$m2:meta])* $c2:ident]
        $($v:ident => $l1:literal, $l2:literal;)+) => {
        coded!(@columns $t [$(#[$m1])* $c1] $($v => $l1;)+);
        coded!(@columns $t [$(#[$m2])* $c2] $($v => $l2;)+);
    };

    (@columns $t:ident [$(#[$m1:meta])* $c1:ident, $(#[$m2:meta])* $c2:ident, $(#[$m3:meta])* $c3:ident]
        $($v:ident => $l1:literal, $l2:literal, $l3:literal;)+) => {
        coded!(@columns $t [$(#[$m1])* $c1] $($v => $l1;)+);
        coded!(@columns $t [$(#[$m2])* $c2] $($v => $l2;)+);
        coded!(@columns $t [$(#[$m3])* $c3] $($v => $l3;)+);
    };
}

#[cfg(test)]
mod tests {
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Colour {
        Red,
        Green,
        Blue,
    }

    coded!(Colour [code, label_zh, label_en], pub fn parse(code | label_zh) {
        Red => "red", "红", "Red";
        Green => "green", "绿", "Green";
        Blue => "blue", "蓝", "Blue";
    });

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Side {
        Left,
        Right,
    }

    coded!(Side [code], fn from_code(code) {
        Left => "left";
        Right => "right";
    });

    #[test]
    fn all_columns_and_parser() {
        assert_eq!(Colour::ALL, [Colour::Red, Colour::Green, Colour::Blue]);
        assert_eq!(Colour::Green.code(), "green");
        assert_eq!(Colour::Green.label_zh(), "绿");
        assert_eq!(Colour::Blue.label_en(), "Blue");
        assert_eq!(Colour::parse(" blue "), Some(Colour::Blue), "trimmed");
        assert_eq!(Colour::parse("红"), Some(Colour::Red), "by the Chinese label");
        assert_eq!(Colour::parse("Red"), None, "not by a column left out of the parser");
        assert_eq!(Colour::parse(""), None);
    }

    #[test]
    fn one_column_and_a_private_parser() {
        assert_eq!(Side::ALL.len(), 2);
        assert_eq!(Side::from_code("right"), Some(Side::Right));
        assert_eq!(Side::from_code("Right"), None);
        assert_eq!(Side::Left.code(), "left");
    }
}
