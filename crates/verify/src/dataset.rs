//! The department datasets of `datasets.md` as the engine sees them: the
//! kinds the sums read and, from the domain catalogue, the columns each
//! needs.

use jiuzhu_domain::dataset::{Column, ColumnType};

/// The dataset kinds the household sums use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    SocialInsurance,
    Pension,
    Vehicle,
    RealEstate,
    Business,
    Deposit,
    Death,
    PublicPayroll,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::SocialInsurance,
        Kind::Pension,
        Kind::Vehicle,
        Kind::RealEstate,
        Kind::Business,
        Kind::Deposit,
        Kind::Death,
        Kind::PublicPayroll,
    ];

    /// The file name stem: `vehicle.csv`, `real_estate.xlsx`…
    pub fn stem(self) -> &'static str {
        match self {
            Kind::SocialInsurance => "social_insurance",
            Kind::Pension => "pension",
            Kind::Vehicle => "vehicle",
            Kind::RealEstate => "real_estate",
            Kind::Business => "business",
            Kind::Deposit => "deposit",
            Kind::Death => "death",
            Kind::PublicPayroll => "public_payroll",
        }
    }

    /// The columns read, in order: the ID number, then the category the
    /// value sets classify, then the amount the sums add (all from the
    /// domain catalogue, with its aliases).
    pub fn columns(self) -> Vec<&'static Column> {
        let kind = self.dataset();
        let all = kind.columns();
        let named = |name: Option<&str>| name.and_then(|n| all.iter().find(|c| c.name == n));
        std::iter::once(&all[0]).chain(named(kind.category_column())).chain(named(kind.amount_column())).collect()
    }
}

/// An optional date or period column validated on every row, and whether it
/// is a month. A value that does not read as a date is a rejected row; an
/// empty value or a missing column is accepted.
pub fn date_column(kind: Kind) -> Option<(&'static Column, bool)> {
    kind.dataset().columns().iter().find_map(|c| match c.ty {
        ColumnType::Date => Some((c, false)),
        ColumnType::Month => Some((c, true)),
        _ => None,
    })
}

/// The value sets (defaults of `datasets.md`), from the domain catalogue.
pub use jiuzhu_domain::dataset::{ACTIVE_BUSINESS, EXEMPT_VEHICLES, RESIDENTIAL};

impl Kind {
    /// The kind in the domain catalogue.
    pub fn dataset(self) -> jiuzhu_domain::dataset::DatasetKind {
        use jiuzhu_domain::dataset::DatasetKind as D;
        match self {
            Kind::SocialInsurance => D::SocialInsurance,
            Kind::Pension => D::Pension,
            Kind::Vehicle => D::Vehicle,
            Kind::RealEstate => D::RealEstate,
            Kind::Business => D::Business,
            Kind::Deposit => D::Deposit,
            Kind::Death => D::Death,
            Kind::PublicPayroll => D::PublicPayroll,
        }
    }

    /// The engine's kind for a catalogue kind the sums read.
    pub fn from_dataset(kind: jiuzhu_domain::dataset::DatasetKind) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.dataset() == kind)
    }
}
