//! A small builder for queries whose shape depends on the filters given:
//! the text is assembled once with `$N` placeholders (valid on both
//! backends) and the values are kept beside it to be bound in order.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub(crate) enum Param {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
    Time(DateTime<Utc>),
}

#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) params: Vec<Param>,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Sql {
        Sql { text: text.to_string(), params: Vec::new() }
    }

    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `param`.
    pub(crate) fn bind(&mut self, param: Param) -> &mut Self {
        self.params.push(param);
        self.text.push_str(&format!("${}", self.params.len()));
        self
    }
}

/// Binds every parameter of a [`Sql`] to a query of either backend.
macro_rules! bind_params {
    ($query:expr, $params:expr) => {{
        let mut query = $query;
        for param in $params {
            query = match param {
                $crate::sql::Param::Text(v) => query.bind(v),
                $crate::sql::Param::OptText(v) => query.bind(v),
                $crate::sql::Param::Int(v) => query.bind(v),
                $crate::sql::Param::OptInt(v) => query.bind(v),
                $crate::sql::Param::Bool(v) => query.bind(v),
                $crate::sql::Param::Time(v) => query.bind(v),
            };
        }
        query
    }};
}
pub(crate) use bind_params;

/// The half-open range of region codes inside `region`, or every code when
/// there is none (the whole installation).
pub(crate) fn region_range(region: Option<&jiuzhu_domain::RegionCode>) -> (String, String) {
    region.map_or_else(|| (String::new(), ":".to_string()), jiuzhu_domain::RegionCode::prefix_range)
}
