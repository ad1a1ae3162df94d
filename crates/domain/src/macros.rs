//! Macros shared by the domain modules.

/// Declares a closed set of values that have a stable code (stored and used
/// in the API), a label in the message catalogue, and extra spellings that
/// rosters use.
macro_rules! labeled_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal [$($alias:literal),*]),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used in storage and the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The catalogue key of the label.
            pub fn message_key(self) -> &'static str {
                match self { $($name::$variant => concat!(stringify!($name), ".", $code)),+ }
            }

            pub fn label(self, lang: $crate::i18n::Lang) -> &'static str {
                $crate::i18n::t(lang, self.message_key())
            }

            /// Parses a code, a label in either language, or an alias.
            pub fn parse(raw: &str) -> Option<Self> {
                // A code as stored, the common case (every row read back):
                // no text to normalise.
                if let Some(v) = Self::ALL.iter().copied().find(|v| v.code() == raw) {
                    return Some(v);
                }
                let key = $crate::text::header_key(raw);
                if key.is_empty() {
                    return None;
                }
                Self::ALL.iter().copied().find(|v| {
                    let aliases: &[&str] = match v { $($name::$variant => &[$($alias),*]),+ };
                    $crate::text::header_key(v.code()) == key
                        || $crate::text::header_key(v.label($crate::i18n::Lang::Zh)) == key
                        || $crate::text::header_key(v.label($crate::i18n::Lang::En)) == key
                        || aliases.iter().any(|a| $crate::text::header_key(a) == key)
                })
            }
        }
    };
}
