//! Applications and their statutory workflow (一窗受理、协同办理): intake
//! with the materials checklist and the one-time notice (`intake`), the
//! steps of each case through `domain::case` with decisions, their amounts
//! and written notices, photos and referrals (`steps`), the view of one case
//! (`view`), inboxes by due date (`inbox`) and the documents issued
//! (`documents`). The calendar, the policy, the relatives register and the
//! public notice board are modules of their own beside this one.
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
    MemberFacts, Need, ReferralStatus, ResolvedPolicy, SelfCare, SupportMode, TempCause, dibao_amount,
    individual_amount, required_materials, resolve, tekun_amount, tekun_unmet,
};
use jiuzhu_domain::calendar::Calendar;
use jiuzhu_domain::case::{Case, Command, Ctx, Due, EventKind, NewCase, Office, SpotTally, Stage, WorkflowError};
use jiuzhu_domain::i18n::{Lang, Message, china_date, format_date, t};
use jiuzhu_domain::photo::{ImageType, PHOTO_MAX_BYTES, PhotoError, check_photo};
use jiuzhu_domain::text::strip_invisible;
use jiuzhu_domain::{Fen, Permission, RegionCode, RegionTree, Role};
use jiuzhu_store::{self as store, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::Actor;
use crate::access::{Target, audit, deny_in, require};
use crate::calendar::calendar_in;
use crate::error::{AppError, FieldError, Result};
use crate::policy::policy_versions;
use crate::registry::{household_if_in_scope, household_or_deny, region_tree};
use crate::verification::{Selection, run_verification};

mod documents;
mod inbox;
mod intake;
mod step_form;
mod steps;
mod view;

pub use documents::*;
pub use inbox::*;
pub use intake::*;
pub use step_form::*;
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
}
