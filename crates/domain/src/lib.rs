//! Pure domain types and rules of the egov platform: validated values, enums and the audit hash chain.
//!
//! This crate does no I/O: no database, no network, no clock, no async. Everything here can be
//! unit-tested in isolation and reused by the storage, service and web crates.
#![forbid(unsafe_code)]

/// Implements `ALL`, `as_str`, `parse`, `label` and `Display` for a fieldless enum from one table
/// (the vocabularies of [`org`] and [`document`]). Defined before the modules that use it.
macro_rules! vocabulary {
    ($ty:ident { $($variant:ident => $s:literal, $vi:literal, $en:literal;)+ }) => {
        impl $ty {
            /// Every value, in display order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The stored snake_case name (database and API).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $s,)+
                }
            }

            /// Parses a stored name; surrounding whitespace and ASCII case are ignored.
            pub fn parse(s: &str) -> Option<$ty> {
                let s = s.trim();
                $ty::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(s))
            }

            /// The human label in the requested language.
            pub fn label(self, lang: $crate::lang::Lang) -> &'static str {
                match (self, lang) {
                    $(($ty::$variant, $crate::lang::Lang::Vi) => $vi,
                      ($ty::$variant, $crate::lang::Lang::En) => $en,)+
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod agency_code;
pub mod audit;
pub mod authz;
pub mod calendar;
pub mod days_off;
pub mod document;
pub mod error;
pub mod ical;
pub mod lang;
pub mod lunar;
pub mod notification;
pub mod org;
pub mod page;
pub mod person;
pub mod reporting;
pub mod routing;
pub mod rrule;
pub mod search;
pub mod text;
pub mod work;

pub use agency_code::{AgencyCode, CodeForm};
pub use error::FieldError;
pub use lang::Lang;
pub use org::{Level, Position, Role};

/// Deterministic pseudo-random generator for the property-style tests (no extra dependency).
#[cfg(test)]
pub(crate) mod testutil {
    /// A small xorshift generator; good enough to explore inputs, not for anything secret.
    pub struct Rng(u64);

    impl Rng {
        pub fn new(seed: u64) -> Self {
            Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
        }

        pub fn next_u64(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        /// A value in `0..n` (`n > 0`).
        pub fn below(&mut self, n: usize) -> usize {
            (self.next_u64() % n as u64) as usize
        }

        /// One element of a non-empty slice.
        pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }

        /// A string of `0..max_len` characters drawn from `alphabet`.
        pub fn string_from(&mut self, alphabet: &[char], max_len: usize) -> String {
            let len = self.below(max_len + 1);
            (0..len).map(|_| *self.pick(alphabet)).collect()
        }
    }

    /// as_str, parse, serde and labels agree for every value of a vocabulary.
    pub fn check_vocabulary<T>(
        all: &[T],
        as_str: fn(T) -> &'static str,
        parse: fn(&str) -> Option<T>,
        label: fn(T, crate::Lang) -> &'static str,
    ) where
        T: Copy + PartialEq + std::fmt::Debug + serde::Serialize + serde::de::DeserializeOwned,
    {
        let mut seen = std::collections::HashSet::new();
        let mut labels = std::collections::HashSet::new();
        for &v in all {
            let s = as_str(v);
            assert!(seen.insert(s), "duplicate name {s}");
            assert!(labels.insert((label(v, crate::Lang::Vi), label(v, crate::Lang::En))), "duplicate label for {s}");
            assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert_eq!(parse(s), Some(v));
            assert_eq!(parse(&format!(" {} ", s.to_uppercase())), Some(v));
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<T>(&format!("\"{s}\"")).unwrap(), v);
            assert!(!label(v, crate::Lang::Vi).is_empty() && !label(v, crate::Lang::En).is_empty());
        }
        assert_eq!(parse("nonsense"), None);
        assert_eq!(parse(""), None);
    }
}
