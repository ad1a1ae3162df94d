//! Applications and their statutory workflow (一窗受理、协同办理): intake
//! with the materials checklist and the one-time notice, the steps of each
//! case through `domain::case`, decisions with their amounts and written
//! notices, inboxes by due date, public notices, referrals to other
//! departments, the staff-relatives register, the assistance policy of each
//! region and the working-day calendar an administrator loads.
//!
//! Every step: check the permission, load the case in the actor's scope,
//! resolve the policy in force for the household's region and build the
//! calendar, let the domain decide, then write the new state, its history
//! entries, any document or notice it issues and the audit record in one
//! transaction. A step names the version it was shown; a stale one is a
//! conflict.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use jiuzhu_domain::assistance::{
    Area, AssistancePolicy, CaseKind, DeductionKind, IncomeDeclaration, IncomeKind, Material, MaterialFacts,
    MemberFacts, Need, PolicyPatch, PolicyVersion, ReferralStatus, ResolvedPolicy, SelfCare, SupportMode, TempCause,
    dibao_amount, individual_amount, required_materials, resolve, tekun_amount, tekun_unmet,
};
use jiuzhu_domain::calendar::Calendar;
use jiuzhu_domain::case::{Case, Command, Ctx, Due, EventKind, NewCase, Office, SpotTally, Stage, WorkflowError};
use jiuzhu_domain::i18n::{Lang, Message, china_date, format_date, t};
use jiuzhu_domain::photo::{ImageType, PHOTO_MAX_BYTES, PhotoError, check_photo};
use jiuzhu_domain::text::strip_invisible;
use jiuzhu_domain::{Fen, IdNumber, Permission, RegionCode, RegionTree, Role};
use jiuzhu_store::{self as store, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::access::{Target, audit, deny_in, require};
use crate::error::{AppError, FieldError, Result};
use crate::registry::{household_if_in_scope, household_or_deny, region_tree};
use crate::verification::{Selection, run_verification};
use crate::{Actor, Scope};

mod calendar;
mod documents;
mod inbox;
mod intake;
mod notices;
mod policy;
mod relatives;
mod steps;
mod view;

pub use calendar::*;
pub use documents::*;
pub use inbox::*;
pub use intake::*;
pub use notices::*;
pub use policy::*;
pub use relatives::*;
pub use steps::*;
pub use view::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_application_input_is_named_in_chinese() {
        let form = ApplicationForm {
            kinds: vec!["dibao".into(), "低保救助x".into()],
            area: "城市".into(),
            income: vec![AmountLine { kind: "wage".into(), yuan: "九百".into() }],
            ..Default::default()
        };
        let Err(AppError::Invalid(errors)) = form.parse() else { panic!("accepted bad input") };
        let texts: Vec<String> = errors.iter().map(|e| e.message.render(Lang::Zh)).collect();
        assert_eq!(texts, vec!["无法识别：低保救助x".to_string(), "金额有误：工资性收入 九百".to_string()]);
        let temporary =
            ApplicationForm { kinds: vec!["temp_expense".into()], area: "rural".into(), ..Default::default() };
        let Err(AppError::Invalid(errors)) = temporary.parse() else { panic!("accepted a request without cause") };
        assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), vec!["cause", "requested_yuan"]);
    }

    #[test]
    fn policy_entries_read_yuan_and_yes_no_and_leave_the_rest_inherited() {
        let entry = PolicyEntry {
            region_code: "349901".into(),
            effective_from: "2026年1月1日".into(),
            dibao_urban_yuan: "850".into(),
            review_notice: "no".into(),
            confirmation: "乡镇".into(),
            patch: serde_json::json!({"tekun_basic_permille": 1400}),
            ..Default::default()
        };
        let (region, from, patch) = entry.parse().unwrap();
        assert_eq!((region, from.to_string()), (RegionCode::parse("349901").unwrap(), "2026-01-01".to_string()));
        assert_eq!(patch.dibao_urban, Some(Fen(85_000)));
        assert_eq!(patch.review_notice, Some(false));
        assert_eq!(patch.confirmation, Some(jiuzhu_domain::assistance::Level::Township));
        assert_eq!(patch.tekun_basic_permille, Some(1_400));
        assert_eq!(patch.set_fields().len(), 4, "nothing else is set");
        let bad = PolicyEntry { dibao_rural_yuan: "八百".into(), notice_days: "-1".into(), ..entry };
        let Err(AppError::Invalid(errors)) = bad.parse() else { panic!("accepted bad values") };
        assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), vec!["dibao_rural", "notice_days"]);
    }
}
