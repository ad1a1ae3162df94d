//! The department datasets of `datasets.md` as the engine sees them: which
//! columns each kind needs (with their aliases), and what one row adds to
//! a member's accumulator.

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

    /// The columns read, in order: `(canonical name, aliases)`. The first is
    /// always the ID number.
    pub fn columns(self) -> &'static [(&'static str, &'static [&'static str])] {
        const ID: (&str, &[&str]) = ("id_number", &["身份证号", "公民身份号码", "证件号码", "身份证号码"]);
        match self {
            Kind::SocialInsurance => &[ID, ("contribution_base_yuan", &["缴费基数"])],
            Kind::Pension => &[ID, ("monthly_amount_yuan", &["月养老金", "发放金额"])],
            Kind::Vehicle => &[
                ("owner_id_number", &["机动车所有人身份证号", "身份证号", "id_number"]),
                ("vehicle_type", &["车辆类型"]),
            ],
            Kind::RealEstate => &[
                ("owner_id_number", &["权利人证件号", "身份证号", "id_number"]),
                ("usage", &["用途"]),
                ("area_m2", &["建筑面积"]),
            ],
            Kind::Business => &[ID, ("status", &["登记状态"])],
            Kind::Deposit => &[ID, ("balance_yuan", &["余额"])],
            Kind::Death => &[ID],
            Kind::PublicPayroll => &[ID],
        }
    }
}

/// An optional date or period column validated on every row: `(canonical
/// name, aliases, is a month)`. A value that does not read as a date is a
/// rejected row; an empty value or a missing column is accepted.
pub fn date_column(kind: Kind) -> Option<(&'static str, &'static [&'static str], bool)> {
    match kind {
        Kind::SocialInsurance => Some(("period", &["费款所属期"], true)),
        Kind::Pension => Some(("period", &["发放年月"], true)),
        Kind::PublicPayroll => Some(("period", &[], true)),
        Kind::Vehicle => Some(("registration_date", &["初次登记日期"], false)),
        Kind::Deposit => Some(("as_of_date", &["截止日期"], false)),
        Kind::Death => Some(("death_date", &["死亡日期"], false)),
        Kind::RealEstate | Kind::Business => None,
    }
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
